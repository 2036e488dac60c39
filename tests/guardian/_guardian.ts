/**
 * Helpers for the guardian tests: start the guardian as its own process under exactly its
 * permission set (plus --allow-net for the test server's port, as scripts/guardian.sh does), and
 * observe what it publishes with the dashboard's `ops` user.
 *
 * @module
 */
import { connect, type Msg, type NunectClient } from "../../mods/client/mod.ts";
import type { NatsServer, RunningProgram } from "../_kit/mod.ts";
import { spawnProgram } from "../_kit/mod.ts";

/** `host:port` of the test server's client listener. */
export function natsHostPort(ns: NatsServer): string {
  return `127.0.0.1:${ns.port}`;
}

/** The guardian's environment for a test server (fast intervals), plus overrides. */
export function guardianEnv(
  ns: NatsServer,
  unitId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: ns.url,
    UNIT_ID: unitId,
    NATS_GUARDIAN_USER: ns.users.guardian.user,
    NATS_GUARDIAN_PASSWORD: ns.users.guardian.pass,
    HEARTBEAT_INTERVAL_MS: "200",
    RTT_INTERVAL_MS: "300",
    TIME_INTERVAL_MS: "300",
    // no daemons on the test machine's default sockets: the clock is none/freerun
    CHRONY_SOCKET: "/nonexistent/chronyd.sock",
    PTP_UDS_PATH: "/nonexistent/ptp4l",
    ...extra,
  };
}

/**
 * Starts mods/guardian/main.ts under `-P=guardian --allow-net=<server>` and waits until it runs.
 *
 * @param ns the test server
 * @param env the guardian's whole environment
 * @returns the running program (dispose to stop it)
 */
export async function startGuardianProgram(
  ns: NatsServer,
  env: Record<string, string>,
): Promise<RunningProgram> {
  const p = spawnProgram({
    permissionSet: "guardian",
    entry: "mods/guardian/main.ts",
    denoFlags: [`--allow-net=${natsHostPort(ns)}`],
    env,
  });
  await p.waitFor(/heartbeat every/, 30_000);
  return p;
}

/** Connects an observer with the `ops` user. */
export function observer(ns: NatsServer, opts: { reconnectTimeWaitMs?: number } = {}) {
  return connect({
    servers: ns.url,
    unitId: `observer-${crypto.randomUUID().slice(0, 8)}`,
    ...ns.users.ops,
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
