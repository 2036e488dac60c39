/**
 * `deno task certs`: a local certificate authority and certificates for this host, for
 * development and LAN deployments, and `.env` pointed at them (the dashboard over HTTPS, NATS
 * over TLS); then how to trust the CA. Made with Debian's openssl, as the test kit's are.
 *
 * @module
 */
import { exitOnConfigError, loadConfig, parseCommandLine, setEnvValues } from "../config/mod.ts";
import { localCertificates } from "./local_certificates.ts";
import { OpensslError } from "./errors.ts";

const HELP = `Usage: deno task certs [options]

Makes (or keeps) a local CA in --dir and issues a server certificate for DASHBOARD_DOMAIN,
localhost, 127.0.0.1, ::1, this host's name and addresses given with --name, plus a client
certificate for nunect's own programs (for NATS_TLS_VERIFY). Then sets in .env:
DASHBOARD_TLS_CERT/KEY, NATS_TLS_CERT/KEY, NATS_TLS_CA and NATS_TLS_CLIENT_CA (--no-env: leave
.env alone), and prints how to trust the CA.
Run it again to renew the certificates (the CA is kept) or to add names.

Options:
  --dir <path>     where the files go (default: .data/tls in the project)
  --name <name>    another DNS name or IP address for the server certificate (repeatable)
  --days <n>       validity of the certificates in days (default 397)
  --no-env         do not change .env
  --version        print nunect's version
  -h, --help       show this help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const args = parseCommandLine("certs", HELP, {
  options: {
    dir: { type: "string" },
    name: { type: "string", multiple: true },
    days: { type: "string" },
    "no-env": { type: "boolean" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
  },
});
const days = Number(args.values.days ?? 397);
if (!Number.isInteger(days) || days < 1) {
  console.error(`Invalid --days "${args.values.days}": expected a whole number >= 1`);
  Deno.exit(1);
}

const config = exitOnConfigError(() => loadConfig(["dashboard", "server"]));
const host = Deno.hostname();
const specific = (a: string) => !["0.0.0.0", "::", ""].includes(a) ? [a] : [];
const names = [
  config.dashboard.domain,
  "localhost",
  "127.0.0.1",
  "::1",
  host,
  ...specific(config.dashboard.bind),
  ...specific(config.server.host),
  ...(args.values.name ?? []),
];
const dir = (args.values.dir ?? `${projectDir}/.data/tls`).replace(/\/$/, "");
const abs = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`;

let made;
try {
  made = await localCertificates(abs, { names, caName: `nunect local CA (${host})`, days });
} catch (e) {
  if (!(e instanceof OpensslError)) throw e;
  console.error(e.message);
  Deno.exit(1);
}

console.log(`${made.newCa ? "Made a new" : "Kept the"} local CA: ${made.ca}`);
console.log(
  `Server certificate for ${made.names.join(", ")}: ${made.cert} (valid until ${
    new Date(made.notAfter).toISOString().slice(0, 10)
  })`,
);
console.log(
  `Client certificate for nunect's programs: ${made.clientCert} (for NATS_TLS_VERIFY=verify: set ` +
    "NATS_TLS_CLIENT_CERT and NATS_TLS_CLIENT_KEY to it and NATS_TLS_HANDSHAKE_FIRST=auto)",
);

if (!args.values["no-env"]) {
  const envFile = `${projectDir}/.env`;
  let text: string;
  try {
    text = await Deno.readTextFile(envFile);
  } catch {
    console.error(`No ${envFile}: run \`deno task start\` once (it creates .env), then again`);
    Deno.exit(1);
  }
  const { text: updated, changed } = setEnvValues(text, {
    DASHBOARD_TLS_CERT: made.cert,
    DASHBOARD_TLS_KEY: made.key,
    NATS_TLS_CERT: made.cert,
    NATS_TLS_KEY: made.key,
    NATS_TLS_CA: made.ca,
    NATS_TLS_CLIENT_CA: made.ca,
  });
  if (changed.length > 0) await Deno.writeTextFile(envFile, updated);
  console.log(
    changed.length > 0
      ? `Set in .env: ${changed.join(", ")}. Restart (deno task start) to use them: the ` +
        `dashboard on https://${config.dashboard.domain}:${config.dashboard.port}, NATS on tls:// ` +
        "and wss://. A renewal (run this again) needs no restart of the dashboard; nats-server " +
        "takes it with `deno task nats reload`."
      : ".env already points at these files.",
  );
}

console.log(`
Trust the CA ${made.ca} where the dashboard and NATS are used:
  Debian/Ubuntu (curl, Node with --use-system-ca, Deno with DENO_TLS_CA_STORE=system):
    sudo cp ${made.ca} /usr/local/share/ca-certificates/nunect-local-ca.crt && sudo update-ca-certificates
  Chrome/Chromium on Linux (package libnss3-tools):
    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n "nunect local CA" -i ${made.ca}
  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import
  macOS:
    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${made.ca}
  Windows (as administrator): certutil -addstore -f ROOT ca.pem
  Other hosts and routers: copy ca.pem there and set NATS_TLS_CA to it.
The CA's key (${made.ca.replace(/\.pem$/, ".key")}) signs for any name: keep it on this host.`);
