import { toolPath } from "../../mods/tools/mod.ts";
import type { Credentials } from "./nats.ts";

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
 * check that what nunect configures and shows agrees with what natscli sees.
 *
 * @param servers `nats://` URLs, comma-separated or a list
 * @param credentials the user to connect as
 * @param args natscli's arguments, e.g. `["stream", "ls", "--json"]`
 * @returns exit code and output
 * @example
 * ```ts
 * const r = await natscli(ns.url, ns.users.sys, "server", "list", "--json");
 * const servers = JSON.parse(r.stdout);
 * ```
 */
export async function natscli(
  servers: string | readonly string[],
  credentials: Credentials,
  ...args: string[]
): Promise<NatsCliResult> {
  const home = await Deno.makeTempDir({ prefix: "nunect-natscli-" });
  try {
    const out = await new Deno.Command(await toolPath("natscli"), {
      args,
      env: {
        HOME: home,
        NATS_URL: typeof servers === "string" ? servers : servers.join(","),
        NATS_USER: credentials.user,
        NATS_PASSWORD: credentials.pass,
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
