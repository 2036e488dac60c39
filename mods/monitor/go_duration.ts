/**
 * Parses a Go duration as nats-server prints it (`1.5ms`, `872µs`, `2m3.5s`, `1h2m`): the RTTs
 * of /connz, /routez and /leafz.
 *
 * @param d the duration text
 * @returns microseconds, or undefined when it does not parse
 * @example
 * ```ts
 * parseGoDuration("1.388815ms"); // 1388.815
 * ```
 */
export function parseGoDuration(d: string | undefined | null): number | undefined {
  if (!d) return undefined;
  const units: Record<string, number> = {
    ns: 0.001,
    us: 1,
    "µs": 1,
    "μs": 1,
    ms: 1000,
    s: 1e6,
    m: 6e7,
    h: 3.6e9,
  };
  let total = 0;
  let matched = "";
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === d && matched !== "" ? total : undefined;
}
