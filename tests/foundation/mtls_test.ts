import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import {
  type Credentials,
  freePorts,
  type NatsServer,
  PROJECT_DIR,
  spawnProcess,
  startNats,
  testCertificates,
  until,
} from "../_kit/mod.ts";

/** The hub's /leafz: the account and name of each connected leaf node. */
async function leafs(hub: NatsServer): Promise<{ account: string; name: string }[]> {
  const leafz = await (await hub.fetchMonitor("/leafz")).json() as {
    leafs?: { account: string; name: string }[];
  };
  return leafz.leafs ?? [];
}

/** A leaf nats-server linked to `hub` as `user`, presenting `tls.cert` (if any). */
function startLeaf(
  dir: string,
  hub: NatsServer,
  name: string,
  user: Credentials,
  tls: { cert?: string; key?: string; ca: string },
) {
  const [port] = freePorts(1);
  const conf = `${dir}/${name}.conf`;
  const files = [
    ...(tls.cert
      ? [`cert_file: ${JSON.stringify(tls.cert)}`, `key_file: ${JSON.stringify(tls.key)}`]
      : []),
    `ca_file: ${JSON.stringify(tls.ca)}`,
  ].join("\n    ");
  Deno.writeTextFileSync(
    conf,
    `server_name: ${name}\nhost: 127.0.0.1\nport: ${port}\nleafnodes {\n  remotes: [ {\n` +
      `    url: "tls://${user.user}:${user.pass}@127.0.0.1:${hub.leafPort}"\n` +
      `    tls { ${files} }\n  } ]\n}\n`,
  );
  return {
    url: `nats://127.0.0.1:${port}`,
    proc: spawnProcess(
      new Deno.Command(hub.bin, { args: ["-c", conf], stdout: "piped", stderr: "piped" }),
    ),
  };
}

/**
 * The router's leaf node as deployed: the project's config/leaf.tls.conf, linked to `hub` as
 * `user` and presenting `tls.cert`; local programs log in as `local`.
 */
function startRouterLeaf(
  hub: NatsServer,
  name: string,
  user: Credentials,
  tls: { cert: string; key: string; ca: string },
) {
  const [port, httpPort] = freePorts(2);
  const local = { user: "guardian", pass: "leaf-local-password-1" };
  const env = {
    NATS_SERVER_NAME: name,
    NATS_HOST: "127.0.0.1",
    NATS_PORT: String(port),
    NATS_HTTP_PORT: String(httpPort),
    NATS_GUARDIAN_USER: local.user,
    NATS_GUARDIAN_PASSWORD: local.pass,
    NATS_LEAF_REMOTE_URL: JSON.stringify([
      `tls://${user.user}:${user.pass}@127.0.0.1:${hub.leafPort}`,
    ]),
    NATS_LEAF_TLS_CERT: tls.cert,
    NATS_LEAF_TLS_KEY: tls.key,
    NATS_TLS_CA: tls.ca,
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    local,
    proc: spawnProcess(
      new Deno.Command(hub.bin, {
        args: ["-c", `${PROJECT_DIR}/config/leaf.tls.conf`],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }),
    ),
  };
}

/**
 * A hub whose leaf listener checks certificates (`mode`), one router linking with its certificate
 * through config/leaf.tls.conf, and leaf nodes that must be refused; asserts the router's
 * telemetry crosses and only it is linked.
 */
async function leafTrial(
  mode: "verify" | "verify_and_map",
  refusedKinds: RegExp,
  refusals: number,
) {
  const dir = await Deno.makeTempDir({ prefix: "nunect-mtls-" });
  try {
    const certs = await testCertificates(dir);
    await using hub = await startNats({
      env: {
        NATS_TLS_CERT: certs.cert,
        NATS_TLS_KEY: certs.key,
        NATS_TLS_CLIENT_CA: certs.ca,
        NATS_LEAF_TLS_VERIFY: mode,
      },
    });
    const guardian = hub.users.guardian;
    // For verify_and_map, the certificate's DNS name is the hub user the link is.
    const [router, stranger] = await Promise.all(
      [["router", guardian.user], ["stranger", "nobody"]].map(([file, name]) =>
        certs.authority.issue({
          file: file!,
          commonName: file!,
          names: [name!],
          usage: "client",
          days: 1,
        })
      ),
    );
    const leaf = startRouterLeaf(hub, "router-07", guardian, { ...router!, ca: certs.ca });
    const refused = [
      startLeaf(dir, hub, "foreign", guardian, {
        cert: certs.otherClientCert,
        key: certs.clientKey,
        ca: certs.ca,
      }),
      startLeaf(dir, hub, "no-cert", guardian, { ca: certs.ca }),
      ...(mode === "verify_and_map"
        ? [startLeaf(dir, hub, "stranger", guardian, { ...stranger!, ca: certs.ca })]
        : []),
    ];
    try {
      await until(
        async () => (await leafs(hub)).some((l) => l.name === "router-07"),
        "the router's leaf node on the hub",
      );
      // The hub applies the guardian user's permissions to the link: telemetry goes up.
      const ops = await connect({ servers: hub.url, ...hub.users.ops, tls: { caFile: certs.ca } });
      const sub = ops.subscribe("ops.heartbeat.router-07", { max: 1 });
      await ops.flush();
      const local = await connect({ servers: leaf.url, ...leaf.local });
      await until(async () => {
        local.publish("ops.heartbeat.router-07", "beat");
        await local.flush();
        return sub.getReceived() > 0;
      }, "a heartbeat through the certificate-checked link");
      await local.close();
      await ops.close();

      // Each of the others tried (the hub logged its refusal) and none is linked.
      await until(
        async () => ((await hub.log()).match(refusedKinds) ?? []).length >= refusals,
        "the refused links in the hub's log",
      );
      assert.deepEqual((await leafs(hub)).map((l) => [l.name, l.account]), [["router-07", "OPS"]]);
    } finally {
      await Promise.all([leaf, ...refused].map((l) => l.proc.stop()));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("leaf nodes with NATS_LEAF_TLS_VERIFY=verify: a certificate from NATS_TLS_CLIENT_CA is required besides the user's password", async () => {
  await leafTrial("verify", /TLS leafnode handshake error/g, 2);
});

Deno.test("leaf nodes with NATS_LEAF_TLS_VERIFY=verify_and_map: the certificate must also name the hub user", async () => {
  await leafTrial("verify_and_map", /TLS leafnode handshake error|authentication error/g, 3);
});
