import type { NatsConnection } from "@nats-io/nats-core";
import { type KV, Kvm } from "@nats-io/kv";
import { UNIT_KEYS_BUCKET, type UnitKeysEntry } from "../protocol/mod.ts";
import type { UserRecord } from "./store.ts";

/** Where the controller writes which user keys may sign each OPS unit's telemetry. */
export interface UnitKeysSink {
  /**
   * Writes the entries of the units named (a unit absent from `entries` but named in `units`
   * has no user left: its key goes).
   *
   * @param units the units whose entries to write
   * @param entries their entries
   */
  write(units: readonly string[], entries: ReadonlyMap<string, UnitKeysEntry>): Promise<void>;
}

/**
 * The entries of OPS units from their users: the role each unit was last issued with and the
 * public keys of its active users. A unit whose users are all revoked keeps an entry with no
 * keys, so its telemetry stays refused (a revoked guardian's router cannot sign for it).
 *
 * @param users OPS users with their state (any kind; only units count)
 * @returns unit ID → entry
 */
export function unitKeysEntries(
  users: readonly (UserRecord & { readonly active: boolean })[],
): Map<string, UnitKeysEntry> {
  const out = new Map<string, { role: UnitKeysEntry["role"]; keys: string[]; at: number }>();
  for (const u of users) {
    if (u.kind !== "unit" || u.account !== "OPS" || u.unitId === undefined) continue;
    if (u.role === undefined) continue;
    const e = out.get(u.unitId) ?? { role: u.role, keys: [], at: -1 };
    if (u.issuedAt >= e.at) {
      e.role = u.role;
      e.at = u.issuedAt;
    }
    if (u.active) e.keys.push(u.publicKey);
    out.set(u.unitId, e);
  }
  return new Map([...out].map(([id, e]) => [id, { role: e.role, keys: e.keys.sort() }]));
}

const encoder = new TextEncoder();

/**
 * The KV bucket {@linkcode UNIT_KEYS_BUCKET} as the controller's sink: creates it at the first
 * write (again at the next one when JetStream was not ready), writes only entries that differ from
 * what it wrote last (a failed write is tried again at the next write of that unit, or the next
 * full sync), one write at a time.
 */
export class KvUnitKeys implements UnitKeysSink {
  readonly #nc: NatsConnection;
  #kv: KV | undefined;
  readonly #written = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();

  /**
   * Creates the sink; nothing is sent until the first write.
   *
   * @param nc the controller's OPS connection (`controller-audit`)
   */
  constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  write(units: readonly string[], entries: ReadonlyMap<string, UnitKeysEntry>): Promise<void> {
    const run = this.#queue.then(() => this.#write(units, entries));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #write(units: readonly string[], entries: ReadonlyMap<string, UnitKeysEntry>) {
    this.#kv ??= await new Kvm(this.#nc).create(UNIT_KEYS_BUCKET, {
      history: 1,
      description: "unit: public keys that sign its telemetry (written by mods/controller only)",
    });
    const kv = this.#kv;
    const failed: unknown[] = [];
    for (let i = 0; i < units.length; i += 64) {
      await Promise.all(
        units.slice(i, i + 64).map(async (unit) => {
          const e = entries.get(unit);
          const text = e === undefined ? null : JSON.stringify(e);
          if (this.#written.get(unit) === (text ?? undefined) && text !== null) return;
          try {
            if (text === null) {
              if (!this.#written.has(unit)) return;
              await kv.delete(unit);
              this.#written.delete(unit);
            } else {
              await kv.put(unit, encoder.encode(text));
              this.#written.set(unit, text);
            }
          } catch (err) {
            failed.push(err);
          }
        }),
      );
    }
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} unit key entries not written: ${(failed[0] as Error).message}`,
      );
    }
  }
}
