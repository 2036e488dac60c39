import { type ReverseProxy, runReverseProxy } from "./reverse_proxy.ts";
import { tiedCommand } from "./tied.ts";
import { unpackedBin } from "./unpacked.ts";

/** A running Caddy started by the test kit. Dispose to stop it and remove its files. */
export type Caddy = ReverseProxy;

/** Options of {@linkcode startCaddy}. */
export interface StartCaddyOptions {
  /** The Caddyfile, e.g. config/caddy/Caddyfile filled in by `renderProxySite`. */
  readonly caddyfile: string;
  /** The HTTPS port of its site (the kit waits for it). */
  readonly port: number;
  /** The site's name in its origin (default `localhost`: Caddy serves a site by name). */
  readonly host?: string;
}

/**
 * The caddy binary: CADDY_BIN, else Debian's package unpacked by `scripts/setup.sh test` into
 * `~/.cache/nunect/caddy`, else `/usr/bin/caddy`.
 */
export function caddyBin(): string {
  return unpackedBin("CADDY_BIN", "caddy/usr/bin/caddy", "/usr/bin/caddy");
}

/**
 * Starts Caddy as this test's own process (`caddy run`, never a host service) with a Caddyfile,
 * and waits until its site's port accepts connections. The Caddyfile is adapted to Caddy's JSON
 * as `caddy run` would, with the admin API turned off (its fixed port 2019 would be shared with
 * every other Caddy on the machine) and HTTP/3 off; Caddy's data and configuration directories
 * are in a temporary directory.
 *
 * @param options the Caddyfile and its site's port
 * @returns the running Caddy; its `log()` is what Caddy wrote to stderr (JSON lines)
 * @throws {Error} when Caddy refuses the Caddyfile or does not listen within 20 s
 */
export async function startCaddy(options: StartCaddyOptions): Promise<Caddy> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-caddy-" });
  const env = { HOME: dir, XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config` };
  try {
    await Deno.writeTextFile(`${dir}/Caddyfile`, options.caddyfile);
    const adapted = await new Deno.Command(caddyBin(), {
      args: ["adapt", "--adapter", "caddyfile", "--config", `${dir}/Caddyfile`],
      env,
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    if (!adapted.success) {
      throw new Error(`caddy adapt refused the Caddyfile:\n${text.decode(adapted.stderr)}`);
    }
    const config = JSON.parse(text.decode(adapted.stdout));
    config.admin = { disabled: true };
    // HTTP/1.1 and HTTP/2 only: HTTP/3 would take the same port number over UDP, and a browser
    // that switched to it after Caddy's Alt-Svc would make the protocol a test sees vary.
    for (const server of Object.values(config.apps?.http?.servers ?? {})) {
      (server as { protocols?: string[] }).protocols = ["h1", "h2"];
    }
    await Deno.writeTextFile(`${dir}/caddy.json`, JSON.stringify(config));
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return await runReverseProxy({
    name: "caddy",
    command: tiedCommand(caddyBin(), {
      args: ["run", "--config", `${dir}/caddy.json`],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
    dir,
    port: options.port,
    url: `https://${options.host ?? "localhost"}:${options.port}`,
    log: (stderr) => Promise.resolve(stderr),
  });
}
