/**
 * Helpers for the guardian tests: observe what the guardian publishes with the dashboard's `ops`
 * user. Starting the guardian itself is the test kit's (`startGuardianProgram`, `guardianEnv`).
 *
 * @module
 */
import { connect, type Msg, type NunectClient } from "../../mods/client/mod.ts";
import type { NatsServer } from "../_kit/mod.ts";

/** Connects an observer with the `ops` user. */
export function observer(ns: NatsServer, opts: { reconnectTimeWaitMs?: number } = {}) {
  return connect({
    servers: ns.url,
    unitId: `observer-${crypto.randomUUID().slice(0, 8)}`,
    creds: ns.users.ops.creds,
    reconnectTimeWaitMs: opts.reconnectTimeWaitMs ?? 50,
    reconnectJitterMs: 0,
  });
}

/** Messages collected from one subscription. */
export interface Collector {
  readonly msgs: Msg[];
  /** Resolves once `n` messages (matching `filter`) have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number, filter?: (m: Msg) => boolean): Promise<Msg[]>;
}

/**
 * Collects every message on `subject`.
 *
 * @param client the observer
 * @param subject the subject
 * @returns the collector
 */
export async function collect(client: NunectClient, subject: string): Promise<Collector> {
  const msgs: Msg[] = [];
  const waiters = new Set<() => void>();
  client.subscribe(subject, (m) => {
    msgs.push(m);
    waiters.forEach((w) => w());
  });
  await client.flush();
  return {
    msgs,
    waitFor(n, timeoutMs = 10_000, filter = () => true) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = msgs.filter(filter);
          if (got.length < n) return false;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(got);
          return true;
        };
        const w = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(`Timed out waiting for ${n} messages on ${subject}: got ${msgs.length}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(w);
      });
    },
  };
}
