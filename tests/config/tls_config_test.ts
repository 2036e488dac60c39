import assert from "node:assert/strict";
import {
  ConfigError,
  loadConfig,
  monitorUrl,
  natsTlsOptions,
  serverConfigFile,
  serverEnv,
  serverSections,
  setEnvValues,
  variableNames,
} from "../../mods/config/mod.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const secrets = Object.fromEntries(
  variableNames(serverSections).filter((n) => n.endsWith("_PASSWORD")).map((n) => [
    n,
    "a-fresh-secret-0123456789",
  ]),
);
const dashboardSecrets = {
  DASHBOARD_ADMIN_PASSWORD: "a-fresh-admin-password",
  DASHBOARD_SECRET: "a-fresh-secret-a-fresh-secret-a-fresh-secret",
};
const tls = { NATS_TLS_CERT: "/etc/nunect/server.pem", NATS_TLS_KEY: "/etc/nunect/server.key" };

/** The names of the variables a configuration is refused for. */
function refused(sections: Parameters<typeof loadConfig>[0], vars: Record<string, string>) {
  try {
    loadConfig(sections, env(vars));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.name);
    throw e;
  }
  return [];
}

Deno.test("HTTPS monitoring: https_port with the TLS certificate, plain http off", () => {
  const config = loadConfig(
    serverSections,
    env({ ...secrets, ...tls, NATS_HTTPS_PORT: "8444", NATS_HTTP_PORT: "8222" }),
  );
  const e = serverEnv(config, "/p");
  assert.equal(e.NATS_HTTPS_LISTEN, '"127.0.0.1:8444"');
  assert.equal(e.NATS_HTTP_LISTEN, '"127.0.0.1:0"', "nats-server refuses both: http is off");
  const dashboard = loadConfig(["dashboard"], env(dashboardSecrets));
  assert.equal(monitorUrl({ ...config, ...dashboard }), "https://127.0.0.1:8444");
  const plain = loadConfig(serverSections, env({ ...secrets, ...tls }));
  assert.equal(serverEnv(plain, "/p").NATS_HTTPS_LISTEN, '"127.0.0.1:0"');
  assert.equal(serverEnv(plain, "/p").NATS_HTTP_LISTEN, '"127.0.0.1:8222"');
  assert.deepEqual(refused(serverSections, { ...secrets, NATS_HTTPS_PORT: "8444" }), [
    "NATS_HTTPS_PORT",
  ]);
});

Deno.test("client certificates: verify switches per listener, a CA to check against", () => {
  const config = loadConfig(
    serverSections,
    env({
      ...secrets,
      ...tls,
      NATS_TLS_CLIENT_CA: "/etc/nunect/clients.pem",
      NATS_TLS_VERIFY: "verify",
      NATS_LEAF_TLS_VERIFY: "verify",
    }),
  );
  const e = serverEnv(config, "/p");
  assert.equal(e.NATS_TLS_CLIENT_CA, '"/etc/nunect/clients.pem"');
  assert.deepEqual(
    [e.NATS_TLS_VERIFY_ON, e.NATS_WS_TLS_VERIFY_ON, e.NATS_LEAF_TLS_VERIFY_ON],
    ["true", "false", "true"],
  );
  assert.equal(serverConfigFile(config, "/p"), "/p/config/nats-server.tls.conf");
  const first = loadConfig(
    serverSections,
    env({ ...secrets, ...tls, NATS_TLS_HANDSHAKE_FIRST: "auto" }),
  );
  assert.equal(serverConfigFile(first, "/p"), "/p/config/nats-server.tls_first.conf");
  assert.equal(serverEnv(first, "/p").NATS_TLS_HANDSHAKE_FIRST, "auto");

  assert.deepEqual(refused(serverSections, { ...secrets, NATS_TLS_VERIFY: "verify" }), [
    "NATS_TLS_VERIFY",
    "NATS_TLS_CLIENT_CA",
  ]);
  assert.deepEqual(refused(serverSections, { ...secrets, ...tls, NATS_WS_TLS_VERIFY: "yes" }), [
    "NATS_WS_TLS_VERIFY",
  ]);
  assert.deepEqual(refused(serverSections, { ...secrets, NATS_TLS_HANDSHAKE_FIRST: "auto" }), [
    "NATS_TLS_HANDSHAKE_FIRST",
  ]);
  // A program that connects as a unit to a server that verifies clients needs a certificate,
  // and over nats:// Deno presents one only when TLS comes first.
  const verifying = {
    ...secrets,
    ...tls,
    NATS_TLS_CLIENT_CA: "/ca.pem",
    NATS_TLS_VERIFY: "verify",
  };
  assert.deepEqual(refused([...serverSections, "unit"], verifying), ["NATS_TLS_CLIENT_CERT"]);
  assert.deepEqual(
    refused([...serverSections, "unit"], {
      ...verifying,
      NATS_TLS_CLIENT_CERT: "/c.pem",
      NATS_TLS_CLIENT_KEY: "/c.key",
    }),
    ["NATS_TLS_HANDSHAKE_FIRST"],
  );
  assert.deepEqual(
    refused([...serverSections, "unit"], {
      ...verifying,
      NATS_TLS_CLIENT_CERT: "/c.pem",
      NATS_TLS_CLIENT_KEY: "/c.key",
      NATS_TLS_HANDSHAKE_FIRST: "auto",
    }),
    [],
  );
  assert.deepEqual(refused(["natsTls"], { NATS_TLS_CLIENT_CERT: "/c.pem" }), [
    "NATS_TLS_CLIENT_KEY",
  ]);
});

Deno.test("programs' TLS options: nothing unless NATS_TLS_* asks, so a plain server stays reachable", () => {
  const t = (vars: Record<string, string>) =>
    natsTlsOptions(loadConfig(["natsTls"], env(vars)).natsTls);
  assert.equal(t({}), undefined);
  assert.deepEqual(t({ NATS_TLS_CA: "/ca.pem" }), { caFile: "/ca.pem" });
  assert.deepEqual(
    t({
      NATS_TLS_CLIENT_CERT: "/c.pem",
      NATS_TLS_CLIENT_KEY: "/c.key",
      NATS_TLS_HANDSHAKE_FIRST: "auto",
    }),
    { certFile: "/c.pem", keyFile: "/c.key", handshakeFirst: true },
  );
});

Deno.test("dashboard TLS: a certificate pair, a redirect only with TLS, trusted proxies checked", () => {
  const ok = loadConfig(
    ["dashboard"],
    env({
      ...dashboardSecrets,
      DASHBOARD_TLS_CERT: "/c.pem",
      DASHBOARD_TLS_KEY: "/c.key",
      DASHBOARD_REDIRECT_PORT: "80",
      DASHBOARD_TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8,::1",
    }),
  ).dashboard;
  assert.equal(ok.redirectPort, 80);
  assert.equal(ok.hstsMaxAgeS, 31_536_000);
  assert.deepEqual(ok.trustedProxies, ["127.0.0.1", "10.0.0.0/8", "::1"]);
  const dashboard = (vars: Record<string, string>) =>
    refused(["dashboard"], { ...dashboardSecrets, ...vars });
  assert.deepEqual(dashboard({ DASHBOARD_TLS_CERT: "/c.pem" }), ["DASHBOARD_TLS_KEY"]);
  assert.deepEqual(dashboard({ DASHBOARD_REDIRECT_PORT: "80" }), ["DASHBOARD_REDIRECT_PORT"]);
  assert.deepEqual(
    dashboard({
      DASHBOARD_TLS_CERT: "/c.pem",
      DASHBOARD_TLS_KEY: "/c.key",
      DASHBOARD_REDIRECT_PORT: "4280",
    }),
    ["DASHBOARD_REDIRECT_PORT"],
  );
  try {
    loadConfig(["dashboard"], env({ ...dashboardSecrets, DASHBOARD_TRUSTED_PROXIES: "nginx" }));
    assert.fail("expected a ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /DASHBOARD_TRUSTED_PROXIES: expected a comma-separated list .*; got "nginx"/,
    );
  }
});

Deno.test("verify_and_map is refused: in operator mode a certificate never replaces credentials", () => {
  try {
    loadConfig(serverSections, env({ ...secrets, ...tls, NATS_LEAF_TLS_VERIFY: "verify_and_map" }));
    assert.fail("expected a ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /NATS_LEAF_TLS_VERIFY: expected off or verify .*verify_and_map/);
  }
});

Deno.test("setEnvValues changes lines in place and appends the missing ones", () => {
  const text = "# comment\nA=1\nB=\n# tail\n";
  assert.deepEqual(setEnvValues(text, { B: "two", C: "3", A: "1" }), {
    text: "# comment\nA=1\nB=two\n# tail\nC=3\n",
    changed: ["B", "C"],
  });
  assert.deepEqual(setEnvValues("A=1\n", { A: "1" }), { text: "A=1\n", changed: [] });
});
