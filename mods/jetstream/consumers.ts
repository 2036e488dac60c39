import type { ConsumerConfig, ConsumerUpdateConfig } from "@nats-io/jetstream";
import type { ConsumerInfo } from "./nats_types.ts";
import { apiError, manager, requireFeature, serverVersion } from "./_server.ts";
import type { AccountContext } from "./accounts.ts";
import { consumerConfigSchema, validateConsumerConfig } from "./consumer_config.ts";
import { InvalidInputError } from "./errors.ts";

/** A consumer as a row of the list: its lag and state. JSON-serialisable. */
export interface ConsumerRow {
  /** The stream. */
  readonly stream: string;
  /** The consumer's name. */
  readonly name: string;
  /** Whether it is durable. */
  readonly durable: boolean;
  /** Pull or push. */
  readonly kind: "pull" | "push";
  /** Its description, or "". */
  readonly description: string;
  /** Its filter subjects. */
  readonly filters: readonly string[];
  /** Ack policy. */
  readonly ackPolicy: string;
  /** Messages not yet delivered (the lag). */
  readonly pending: number;
  /** Delivered but not acknowledged. */
  readonly ackPending: number;
  /** Redelivered messages. */
  readonly redelivered: number;
  /** Pull requests waiting. */
  readonly waiting: number;
  /** Last stream sequence delivered and acknowledged. */
  readonly delivered: number;
  /** Stream sequence up to which everything is acknowledged. */
  readonly ackFloor: number;
  /** Last activity (delivery), RFC 3339, or null. */
  readonly lastActive: string | null;
  /** Whether it is paused, and until when. */
  readonly paused: boolean;
  /** Paused until (RFC 3339), or null. */
  readonly pausedUntil: string | null;
  /** Priority groups and the pinned client of each, where the policy pins. */
  readonly priorityGroups: readonly { readonly group: string; readonly pinnedId: string | null }[];
}

/**
 * A consumer's list row from its info.
 *
 * @param ci the consumer's info
 * @returns the row
 */
export function consumerRow(ci: ConsumerInfo): ConsumerRow {
  const c = ci.config;
  const extra = ci as ConsumerInfo & {
    paused?: boolean;
    priority_groups?: { group: string; pinned_client_id?: string }[];
  };
  return {
    stream: ci.stream_name,
    name: ci.name,
    durable: Boolean(c.durable_name),
    kind: c.deliver_subject ? "push" : "pull",
    description: c.description ?? "",
    filters: c.filter_subjects ?? (c.filter_subject ? [c.filter_subject] : []),
    ackPolicy: c.ack_policy,
    pending: ci.num_pending,
    ackPending: ci.num_ack_pending,
    redelivered: ci.num_redelivered,
    waiting: ci.num_waiting,
    delivered: ci.delivered.stream_seq,
    ackFloor: ci.ack_floor.stream_seq,
    lastActive: typeof (ci.delivered as { last_active?: unknown }).last_active === "string"
      ? (ci.delivered as unknown as { last_active: string }).last_active
      : null,
    paused: extra.paused === true,
    pausedUntil: extra.paused ? (c as { pause_until?: string }).pause_until ?? null : null,
    priorityGroups: (extra.priority_groups ?? []).map((g) => ({
      group: g.group,
      pinnedId: g.pinned_client_id ?? null,
    })),
  };
}

function notFound(stream: string, name: string) {
  return { kind: "consumer" as const, name, where: `on stream "${stream}"` };
}

/**
 * The consumers of a stream, with their lag.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @returns one row per consumer, by name
 * @throws {NotFoundError} when the stream does not exist
 */
export async function listConsumers(ctx: AccountContext, stream: string): Promise<ConsumerRow[]> {
  const jsm = await manager(ctx.nc);
  const rows: ConsumerRow[] = [];
  try {
    for await (const ci of jsm.consumers.list(stream)) rows.push(consumerRow(ci));
  } catch (e) {
    throw apiError(e, `list the consumers of "${stream}"`, {
      kind: "stream",
      name: stream,
      where: `in account "${ctx.account}"`,
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A consumer's whole info (configuration, delivered and ack floor, pending, waiting, paused).
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @returns the server's consumer info
 * @throws {NotFoundError} when there is no such consumer
 */
export async function consumerInfo(
  ctx: AccountContext,
  stream: string,
  name: string,
): Promise<ConsumerInfo> {
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.consumers.info(stream, name);
  } catch (e) {
    throw apiError(e, `read consumer "${name}"`, notFound(stream, name));
  }
}

/**
 * Creates a consumer from a configuration validated for the running server.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param input the configuration
 * @returns the new consumer's info
 * @throws {InvalidInputError} for a configuration that does not validate, field by field
 * @throws {ServerRefusedError} when the server refuses it (with the field it concerns)
 */
export async function createConsumer(
  ctx: AccountContext,
  stream: string,
  input: unknown,
): Promise<ConsumerInfo> {
  const cfg = validateConsumerConfig(input, serverVersion(ctx.nc));
  if (!cfg.durable_name && !cfg.name) {
    throw new InvalidInputError("consumer configuration", [
      { path: "durable_name", message: "a name is required (the console creates named consumers)" },
    ]);
  }
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.consumers.add(stream, cfg as unknown as Partial<ConsumerConfig>);
  } catch (e) {
    throw apiError(e, `create consumer "${cfg.durable_name ?? cfg.name}" on "${stream}"`);
  }
}

/** Fields an edit cannot change. */
const FIXED = [
  "durable_name",
  "name",
  "deliver_policy",
  "opt_start_seq",
  "opt_start_time",
  "ack_policy",
  "replay_policy",
  "deliver_group",
  "mem_storage",
] as const;

/**
 * Edits a consumer: changes are merged into its current configuration and validated for the
 * running server; fields that cannot change are refused by name before the server is asked.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @param changes the fields to change
 * @returns the consumer's info after the edit
 * @throws {InvalidInputError} for changes that do not validate or touch fixed fields
 * @throws {ServerRefusedError} when the server refuses it
 * @throws {NotFoundError} when there is no such consumer
 */
export async function updateConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
  changes: unknown,
): Promise<ConsumerInfo> {
  if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
    throw new InvalidInputError("consumer changes", [{ path: "", message: "expected an object" }]);
  }
  const current = (await consumerInfo(ctx, stream, name)).config as unknown as Record<
    string,
    unknown
  >;
  const base: Record<string, unknown> = {};
  for (const k of Object.keys(consumerConfigSchema.shape)) {
    if (current[k] !== undefined && current[k] !== null) base[k] = current[k];
  }
  if (base.metadata) {
    base.metadata = Object.fromEntries(
      Object.entries(base.metadata as Record<string, string>).filter(([k]) =>
        !k.startsWith("_nats.")
      ),
    );
  }
  // The server reports a zero time for "not paused"; it is not part of an edit.
  if (typeof base.pause_until === "string" && base.pause_until.startsWith("0001-")) {
    delete base.pause_until;
  }
  const cfg = validateConsumerConfig({ ...base, ...changes }, serverVersion(ctx.nc));
  const fixed = FIXED.filter((k) =>
    k in (changes as object) &&
    JSON.stringify(cfg[k]) !== JSON.stringify(base[k])
  );
  if (fixed.length > 0) {
    throw new InvalidInputError(
      "consumer changes",
      fixed.map((path) => ({ path, message: "cannot be changed after the consumer is created" })),
    );
  }
  const jsm = await manager(ctx.nc);
  const update: Record<string, unknown> = { ...cfg };
  for (const k of FIXED) delete update[k];
  try {
    return await jsm.consumers.update(stream, name, update as Partial<ConsumerUpdateConfig>);
  } catch (e) {
    throw apiError(e, `edit consumer "${name}" on "${stream}"`, notFound(stream, name));
  }
}

/**
 * Deletes a consumer.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @throws {NotFoundError} when there is no such consumer
 */
export async function deleteConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
): Promise<void> {
  const jsm = await manager(ctx.nc);
  try {
    await jsm.consumers.delete(stream, name);
  } catch (e) {
    throw apiError(e, `delete consumer "${name}" on "${stream}"`, notFound(stream, name));
  }
}

/**
 * Pauses a consumer until a time: it delivers nothing until then (nats-server ≥ 2.11).
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @param until when it resumes by itself
 * @returns whether it is paused, and until when
 * @throws {FeatureUnavailableError} on older servers
 */
export async function pauseConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
  until: Date,
): Promise<{ paused: boolean; pauseUntil: string | null }> {
  requireFeature(ctx.nc, "consumer_pause");
  if (Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) {
    throw new InvalidInputError("pause", [{ path: "until", message: "expected a future time" }]);
  }
  const jsm = await manager(ctx.nc);
  try {
    const r = await jsm.consumers.pause(stream, name, until);
    return { paused: r.paused, pauseUntil: r.pause_until ?? null };
  } catch (e) {
    throw apiError(e, `pause consumer "${name}" on "${stream}"`, notFound(stream, name));
  }
}

/**
 * Resumes a paused consumer (nats-server ≥ 2.11).
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @throws {FeatureUnavailableError} on older servers
 */
export async function resumeConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
): Promise<{ paused: boolean }> {
  requireFeature(ctx.nc, "consumer_pause");
  const jsm = await manager(ctx.nc);
  try {
    const r = await jsm.consumers.resume(stream, name);
    return { paused: r.paused };
  } catch (e) {
    throw apiError(e, `resume consumer "${name}" on "${stream}"`, notFound(stream, name));
  }
}

/**
 * Resets a consumer to deliver again from a stream sequence (default: its start); what was
 * delivered and not acknowledged is forgotten (nats-server ≥ 2.14).
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @param seq the stream sequence to deliver next, or undefined for the consumer's start
 * @returns the consumer's info after the reset
 * @throws {FeatureUnavailableError} on older servers
 */
export async function resetConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
  seq?: number,
): Promise<ConsumerInfo> {
  requireFeature(ctx.nc, "consumer_reset");
  if (seq !== undefined && (!Number.isInteger(seq) || seq < 1)) {
    throw new InvalidInputError("reset", [{ path: "seq", message: "expected a sequence ≥ 1" }]);
  }
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.consumers.reset(stream, name, seq) as unknown as ConsumerInfo;
  } catch (e) {
    throw apiError(e, `reset consumer "${name}" on "${stream}"`, notFound(stream, name));
  }
}

/**
 * Unpins the client pinned in a priority group, so the server pins another (nats-server ≥ 2.11).
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param name the consumer
 * @param group the priority group
 * @throws {FeatureUnavailableError} on older servers
 */
export async function unpinConsumer(
  ctx: AccountContext,
  stream: string,
  name: string,
  group: string,
): Promise<void> {
  requireFeature(ctx.nc, "consumer_priority_groups");
  const jsm = await manager(ctx.nc);
  try {
    await jsm.consumers.unpin(stream, name, group);
  } catch (e) {
    throw apiError(e, `unpin group "${group}" of consumer "${name}"`, notFound(stream, name));
  }
}
