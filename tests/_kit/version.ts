import { compareVersions, FEATURES } from "../../mods/monitor/mod.ts";
import { testServer } from "./server_bin.ts";

// Resolved once, at load, so that `ignore:` in a test declaration can ask synchronously.
const server = await testServer();

/**
 * The version of the nats-server the kit starts (the binary nunect's rule resolves, see
 * {@linkcode testServer}).
 *
 * @returns e.g. `2.15.3`
 */
export function natsServerVersion(): string {
  return server.version;
}

/**
 * Whether the kit's nats-server has a feature of mods/monitor's FEATURES. Tests of a feature the
 * server lacks are declared with `ignore: !serverHas(…)` and a name saying what they need, so they
 * show as ignored, never as passed.
 *
 * @param feature a FEATURES key, e.g. `"consumer_pause"`
 * @returns true when the server is new enough
 * @throws {TypeError} for an unknown feature
 */
export function serverHas(feature: string): boolean {
  const f = FEATURES.find((x) => x.feature === feature);
  if (f === undefined) throw new TypeError(`Unknown feature "${feature}"`);
  return compareVersions(natsServerVersion(), f.requires) >= 0;
}

/**
 * A test name that says which server a feature test needs, and whether this one has it.
 *
 * @param feature a FEATURES key
 * @param name what the test checks
 * @returns e.g. `consumer pause (requires nats-server ≥ 2.11.0; kit runs 2.9.10)`
 */
export function needs(feature: string, name: string): string {
  const f = FEATURES.find((x) => x.feature === feature)!;
  return `${name} (requires nats-server ≥ ${f.requires}; kit runs ${natsServerVersion()})`;
}
