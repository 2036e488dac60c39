/**
 * Configuration command line, used by `deno task start` and scripts/nats-server.sh.
 *
 *   init          create .env from .env.example with fresh random secrets, if absent
 *   check         validate every variable; exit 2 with the list of problems
 *   server-env    print the validated nats-server environment as shell assignments
 *   nginx         print the nginx site (config/nginx/nunect.conf) for this host's .env
 *   caddy         print the Caddyfile (config/caddy/Caddyfile) for this host's .env
 *
 * @module
 */
import { parseCommandLine } from "./command_line.ts";
import {
  allSections,
  ensureEnvFile,
  exitOnConfigError,
  loadConfig,
  projectPath,
  ProxySiteError,
  proxySiteFor,
  renderProxySite,
  serverConfigFile,
  serverEnv,
  serverSections,
} from "./mod.ts";

const HELP = `Usage: deno run -P=config [--env-file=.env] mods/config/main.ts <command>

Commands:
  init        create .env from .env.example with fresh random passwords (if .env is absent)
  check       validate the whole configuration; exit 2 listing every bad variable
  server-env  print nats-server's environment and config file as shell assignments
              (and NUNECT_IDENTITY_DIR, the identity directory made absolute)
  nginx       print the nginx site for this .env (config/nginx/nunect.conf filled in)
  caddy       print the Caddyfile for this .env (config/caddy/Caddyfile filled in)
              Both take:
                --listen <port>       HTTPS port (443)
                --http <port>         a plain-HTTP port that redirects to HTTPS (e.g. 80)
                --cert <pem> --key <pem>
                                      the proxy's certificate for DASHBOARD_DOMAIN (default
                                      NATS_TLS_CERT and NATS_TLS_KEY; Caddy without any
                                      obtains one itself by ACME)
                --monitoring <ranges> serve the monitoring API under /monitoring/ to these
                                      comma-separated addresses or ranges only

Options: --version, -h/--help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const { positionals, values } = parseCommandLine("config", HELP, {
  allowPositionals: true,
  options: {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
    listen: { type: "string" },
    http: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    monitoring: { type: "string" },
  },
}, true);
const command = positionals[0];

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

switch (command) {
  case "init":
    if (await ensureEnvFile(projectDir)) {
      console.error(`Created ${projectDir}/.env from .env.example with fresh random passwords`);
    }
    break;
  case "check":
    exitOnConfigError(() => loadConfig(allSections));
    console.error("Configuration is valid");
    break;
  case "server-env": {
    const config = exitOnConfigError(() => loadConfig(serverSections));
    for (const [k, v] of Object.entries(serverEnv(config, projectDir))) {
      console.log(`export ${k}=${shellQuote(v)}`);
    }
    console.log(`NUNECT_SERVER_CONF=${shellQuote(serverConfigFile(config, projectDir))}`);
    const identity = exitOnConfigError(() => loadConfig(["identity"]));
    console.log(
      `NUNECT_IDENTITY_DIR=${shellQuote(projectPath(identity.identity.dir, projectDir))}`,
    );
    break;
  }
  case "nginx":
  case "caddy": {
    const template = command === "nginx" ? "config/nginx/nunect.conf" : "config/caddy/Caddyfile";
    const config = exitOnConfigError(() => loadConfig(["dashboard", "server", "natsTls"]));
    const port = (v: string | undefined, name: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) {
        console.error(`Invalid --${name} "${v}": expected a port number 1-65535`);
        Deno.exit(1);
      }
      return n;
    };
    const cert = values.cert ?? config.server.tlsCert;
    const key = values.key ?? config.server.tlsKey;
    if (command === "nginx" ? cert === "" || key === "" : (cert === "") !== (key === "")) {
      console.error(
        `${command} needs a certificate for DASHBOARD_DOMAIN and its key: give --cert and --key ` +
          "(or set NATS_TLS_CERT and NATS_TLS_KEY; `deno task certs` makes local ones)",
      );
      Deno.exit(1);
    }
    try {
      console.log(renderProxySite(
        await Deno.readTextFile(`${projectDir}/${template}`),
        proxySiteFor(config, {
          listen: values.listen === undefined ? 443 : port(values.listen, "listen"),
          httpListen: values.http === undefined ? null : port(values.http, "http"),
          cert,
          key,
          monitorAllow: (values.monitoring ?? "").split(",").map((a) => a.trim()).filter((a) =>
            a !== ""
          ),
        }),
      ));
    } catch (e) {
      if (!(e instanceof ProxySiteError)) throw e;
      console.error(e.message);
      Deno.exit(1);
    }
    break;
  }
  default:
    console.error(
      `Unknown command "${command}": expected init, check, server-env, nginx or caddy (see --help)`,
    );
    Deno.exit(1);
}
