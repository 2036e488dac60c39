import assert from "node:assert/strict";
import {
  loadConfig,
  ProxySiteError,
  proxySiteFor,
  renderProxySite,
  serverSections,
  variableNames,
} from "../../mods/config/mod.ts";
import { caddyBin, PROJECT_DIR, runProgram } from "../_kit/mod.ts";

const CADDYFILE = await Deno.readTextFile(`${PROJECT_DIR}/config/caddy/Caddyfile`);
const NGINX = await Deno.readTextFile(`${PROJECT_DIR}/config/nginx/nunect.conf`);

const vars: Record<string, string> = {
  ...Object.fromEntries(
    variableNames(serverSections).filter((n) => n.endsWith("_PASSWORD")).map((n) => [
      n,
      "a-fresh-secret-0123456789",
    ]),
  ),
  DASHBOARD_ADMIN_PASSWORD: "a-fresh-admin-password",
  DASHBOARD_SECRET: "a-fresh-secret-a-fresh-secret-a-fresh-secret",
  DASHBOARD_DOMAIN: "ops.example.com",
};

function site(extra: Record<string, string>, choices: { cert?: string; monitor?: string[] } = {}) {
  const all = { ...vars, ...extra };
  return proxySiteFor(loadConfig(["dashboard", "server", "natsTls"], (n) => all[n]), {
    listen: 443,
    httpListen: 80,
    cert: choices.cert ?? "",
    key: choices.cert === undefined ? "" : "/etc/ssl/ops.key",
    monitorAllow: choices.monitor ?? [],
  });
}

Deno.test("proxy sites: the parts of config/caddy/Caddyfile and config/nginx kept as they apply", () => {
  const plain = renderProxySite(CADDYFILE, site({}));
  assert.doesNotMatch(plain, /\$\{NUNECT_[A-Z_]+\}|^# @/m, "no placeholder or part marker is left");
  assert.doesNotMatch(plain, /^\s*tls /m, "no certificate given: Caddy obtains one (ACME)");
  assert.doesNotMatch(plain, /handle_path \/monitoring|transport http/);
  assert.match(plain, /^http:\/\/:80 \{\n\tredir https:\/\/ops\.example\.com:443\{uri\} 308\n\}/m);

  const full = renderProxySite(
    CADDYFILE,
    site({
      DASHBOARD_TLS_CERT: "/etc/nunect/dash.pem",
      DASHBOARD_TLS_KEY: "/etc/nunect/dash.key",
      NATS_TLS_CA: "/etc/nunect/ca.pem",
    }, { cert: "/etc/ssl/ops.pem", monitor: ["127.0.0.1", "10.0.0.0/8"] }),
  );
  assert.match(full, /^\ttls \/etc\/ssl\/ops\.pem \/etc\/ssl\/ops\.key$/m);
  assert.match(
    full,
    /@outside not remote_ip 127\.0\.0\.1 10\.0\.0\.0\/8\n\t\trespond @outside 403/,
  );
  // The dashboard speaks TLS, checked against the CA (twice: its events and everything else);
  // NATS's WebSocket and the monitoring port do not.
  assert.equal(full.match(/tls_trusted_ca_certs \/etc\/nunect\/ca\.pem/g)?.length, 2);
  assert.match(full, /reverse_proxy https:\/\/127\.0\.0\.1:4280 \{/);

  const nginx = renderProxySite(NGINX, site({}, { cert: "/etc/ssl/ops.pem" }));
  assert.doesNotMatch(nginx, /\$\{NUNECT_[A-Z_]+\}|^# @|location \/monitoring|proxy_ssl_verify/m);
  assert.match(nginx, /return 308 https:\/\/ops\.example\.com:443\$request_uri;/);
});

Deno.test("proxy sites: a template or site that cannot be made is refused, naming why", () => {
  const s = site({});
  assert.throws(() => renderProxySite("# @nope\nx\n# @end\n", s), {
    name: "ProxySiteError",
    message: 'Unknown part "# @nope" in the template',
  });
  assert.throws(() => renderProxySite("# @redirect\nx\n", s), /has no "# @end"/);
  assert.throws(() => renderProxySite("x\n# @end\n", s), /"# @end" without a part/);
  assert.throws(() => renderProxySite("${NUNECT_NOPE}", s), ProxySiteError);
  assert.throws(
    () =>
      renderProxySite(
        CADDYFILE,
        site({ DASHBOARD_TLS_CERT: "/etc/nunect/d.pem", DASHBOARD_TLS_KEY: "/etc/nunect/d.key" }),
      ),
    /NATS_TLS_CA is empty: the proxy needs the CA to check it/,
  );
});

Deno.test("`mods/config/main.ts caddy` prints a Caddyfile for .env that Caddy accepts", async () => {
  const caddy = (...args: string[]) =>
    runProgram({
      permissionSet: "config",
      entry: "mods/config/main.ts",
      args: ["caddy", ...args],
      env: vars,
    });
  const out = await caddy("--http", "80", "--monitoring", "127.0.0.1");
  assert.equal(out.code, 0, out.stderr);
  const dir = await Deno.makeTempDir({ prefix: "nunect-caddyfile-" });
  try {
    await Deno.writeTextFile(`${dir}/Caddyfile`, out.stdout);
    const adapted = await new Deno.Command(caddyBin(), {
      args: ["adapt", "--adapter", "caddyfile", "--config", `${dir}/Caddyfile`],
      env: { HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    assert.ok(adapted.success, text.decode(adapted.stderr));
    const json = text.decode(adapted.stdout);
    assert.match(json, /"Location":\["https:\/\/ops\.example\.com:443\{http\.request\.uri\}"\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const half = await caddy("--cert", "/etc/ssl/ops.pem");
  assert.equal(half.code, 1);
  assert.match(half.stderr, /caddy needs a certificate for DASHBOARD_DOMAIN and its key/);
});
