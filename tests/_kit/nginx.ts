import { type ReverseProxy, runReverseProxy } from "./reverse_proxy.ts";
import { tiedCommand } from "./tied.ts";
import { unpackedBin } from "./unpacked.ts";

/** A running nginx started by the test kit. Dispose to stop it and remove its files. */
export type Nginx = ReverseProxy;

/** Options of {@linkcode startNginx}. */
export interface StartNginxOptions {
  /** The site (server blocks), e.g. config/nginx/nunect.conf filled in by `renderProxySite`. */
  readonly site: string;
  /** The HTTPS port the site listens on (the kit waits for it). */
  readonly port: number;
}

/**
 * The nginx binary: NGINX_BIN, else Debian's package unpacked by `scripts/setup.sh test` into
 * `~/.cache/nunect/nginx`, else `/usr/sbin/nginx`.
 */
export function nginxBin(): string {
  return unpackedBin("NGINX_BIN", "nginx/usr/sbin/nginx", "/usr/sbin/nginx");
}

/**
 * Starts nginx as this test's own process (`nginx -c <conf> -g 'daemon off;'`, never a host
 * service) with a site, everything it writes (pid, logs, temporary files) in a temporary
 * directory, and waits until the site's port accepts connections.
 *
 * @param options the site and its port
 * @returns the running nginx; its `log()` is nginx's error log
 * @throws {Error} when nginx refuses the configuration or does not listen within 20 s
 */
export async function startNginx(options: StartNginxOptions): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-nginx-" });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `  ${t}_temp_path ${dir}/${t};`).join("\n");
  // As root, workers would switch to nobody, who cannot use the temporary directory.
  const root = Deno.uid() === 0 ? "user root;\n" : "";
  await Deno.writeTextFile(`${dir}/site.conf`, options.site);
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `${root}worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log info;\n` +
      `events { worker_connections 512; }\nhttp {\n  access_log ${dir}/access.log;\n${temp}\n` +
      `  include ${dir}/site.conf;\n}\n`,
  );
  return await runReverseProxy({
    name: "nginx",
    command: tiedCommand(nginxBin(), {
      args: [
        "-p",
        `${dir}/`,
        "-e",
        `${dir}/error.log`,
        "-c",
        `${dir}/nginx.conf`,
        "-g",
        "daemon off;",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
    dir,
    port: options.port,
    url: `https://127.0.0.1:${options.port}`,
    log: () => Deno.readTextFile(`${dir}/error.log`).catch(() => ""),
  });
}
