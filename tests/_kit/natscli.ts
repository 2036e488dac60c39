import { toolPath } from "../../mods/tools/mod.ts";
import type { TestIdentity } from "./nats.ts";

/** What a natscli run printed. */
export interface NatsCliResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/**
 * Runs natscli (`nats`, the pinned build from mods/tools) against `servers` as `credentials`,
 * with no context of its own (an empty HOME, nothing else inherited): an independent client to
 * check that what nunect configures and shows agrees with what natscli sees, and that a unit's
 * `.creds` allow exactly what its role allows. A unit's inbox prefix is passed along.
 *
 * @param servers `nats://` URLs, comma-separated or a list
 * @param identity the user to connect as (its `.creds`)
 * @param args natscli's arguments, e.g. `["stream", "ls", "--json"]`
 * @returns exit code and output
 * @example
 * ```ts
 * const r = await natscli(ns.url, ns.users.sys, "server", "list", "--json");
 * const g = await natscli(ns.url, await ns.unit("g1", { role: "guardian" }), "pub", "ops.heartbeat.g1", "{}");
 * const servers = JSON.parse(r.stdout);
 * ```
 */
export async function natscli(
  servers: string | readonly string[],
  identity: TestIdentity,
  ...args: string[]
): Promise<NatsCliResult> {
  const home = await Deno.makeTempDir({ prefix: "nunect-natscli-" });
  try {
    await Deno.writeTextFile(`${home}/user.creds`, identity.creds, { mode: 0o600 });
    const prefix = identity.nats.inboxPrefix;
    const out = await new Deno.Command(await toolPath("natscli"), {
      args: [...(prefix ? [`--inbox-prefix=${prefix}`] : []), ...args],
      env: {
        HOME: home,
        NATS_URL: typeof servers === "string" ? servers : servers.join(","),
        NATS_CREDS: `${home}/user.creds`,
        NO_COLOR: "1",
      },
      clearEnv: true,
      stdin: "null",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}
