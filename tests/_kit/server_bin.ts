import { natsServerBin, type ResolvedServer } from "../../mods/tools/mod.ts";

let resolved: Promise<ResolvedServer> | undefined;

/**
 * The nats-server the tests run, by nunect's rule (mods/tools `natsServerBin`): `NATS_SERVER_BIN`
 * when set (the version matrix sets it to Debian's for the compatibility part), else the managed
 * current server (built on first use when Go is present), else `nats-server` on PATH, else
 * Debian's. Resolved once per test process.
 *
 * @returns the binary, how it was picked and its version
 * @example
 * ```ts
 * const { version } = await testServer();
 * if (compareVersions(version, "2.10.0") < 0) { ... } // assert the "requires" note instead
 * ```
 */
export function testServer(): Promise<ResolvedServer> {
  resolved ??= natsServerBin();
  return resolved;
}
