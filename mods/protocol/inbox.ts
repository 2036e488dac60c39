import { validateUnitId } from "./unit_id.ts";

/** The subjects of every unit's inbox, as the stream captures them. */
export const INBOX_SUBJECTS = "ops.inbox.*";

/**
 * `ops.inbox.<unit>`: messages meant for one unit, kept in JetStream until the unit takes them,
 * so none is lost while it moves between leaf nodes.
 *
 * @param unit the unit
 * @returns the subject
 * @throws {InvalidUnitIdError} for a bad unit ID
 */
export function inboxSubject(unit: string): string {
  return `ops.inbox.${validateUnitId(unit)}`;
}

/**
 * The JetStream stream that keeps messages meant for units (`ops.inbox.<unit>`) until each
 * unit takes them: a work queue in the OPS account, set up by the subject registry
 * (mods/registry), read by the client's `inbox()`.
 */
export const INBOX_STREAM = "nunect_inbox";

/**
 * The durable consumer through which one unit takes its messages from {@linkcode INBOX_STREAM}:
 * it outlives the unit's connection, so what arrives while the unit moves between leaf nodes
 * waits for it.
 *
 * @param unit the unit
 * @returns `inbox-<unit>`
 * @throws {InvalidUnitIdError} for a bad unit ID
 */
export function inboxConsumer(unit: string): string {
  return `inbox-${validateUnitId(unit)}`;
}
