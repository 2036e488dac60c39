import type { SysMonitor, UnitState } from "../monitor/mod.ts";
import type { Snapshot } from "./snapshot.ts";

/** Reads one {@linkcode Snapshot}; the collector calls it once per point. */
export type Sample = () => Promise<Snapshot>;

/**
 * The production sampler: four cluster-wide `$SYS` requests (STATSZ, HEALTHZ, account STATZ, JSZ
 * with accounts, streams, consumers and config) in parallel, plus the units table. Each request
 * stops as soon as every server known from the previous round has answered, so a round takes one
 * round trip, not the whole window.
 *
 * @param sys a SYS-account monitor
 * @param units the current units
 * @param windowMs the longest a round waits for replies
 * @param accountName an account's name from the key the server gives (operator mode: the name in
 *   its JWT, as JSZ already names accounts), so both requests write one series per account
 * @returns the sampler
 */
export function sysSampler(
  sys: SysMonitor,
  units: () => readonly UnitState[],
  windowMs = 2000,
  accountName: (key: string) => string = (key) => key,
): Sample {
  let servers: number | undefined;
  return async () => {
    const at = Date.now();
    const o = { windowMs, expected: servers };
    const [statsz, healthz, accstatz, jsz] = await Promise.all([
      sys.ping("STATSZ", o),
      sys.ping("HEALTHZ", o),
      sys.ping("ACCSTATZ", { ...o, request: { include_unused: true } }),
      sys.ping("JSZ", {
        ...o,
        request: { accounts: true, streams: true, consumer: true, config: true, limit: 10_000 },
      }),
    ]);
    servers = Math.max(statsz.length, healthz.length) || undefined;
    const named = accstatz.map((r) =>
      r.ok
        ? {
          ...r,
          data: {
            ...r.data,
            account_statz: r.data.account_statz.map((a) => ({ ...a, acc: accountName(a.acc) })),
          },
        }
        : r
    );
    return { at, statsz, healthz, accstatz: named, jsz, units: units() };
  };
}
