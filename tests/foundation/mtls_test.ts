import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { provisionRouter } from "../../mods/controller/mod.ts";
import {
  freePorts,
  type NatsServer,
  spawnProcess,
  startNats,
  testCertificates,
  testIdentity,
  until,
} from "../_kit/mod.ts";

/** The hub's /leafz: the account and name of each connected leaf node. */
async function leafs(hub: NatsServer): Promise<{ account: string; name: string }[]> {
  const leafz = await (await hub.fetchMonitor("/leafz")).json() as {
    leafs?: { account: string; name: string }[];
  };
  return leafz.leafs ?? [];
}

/**
 * A leaf nats-server linked to `hub` with the router's `.creds` (operator mode: the link
 * authenticates as the router's user), presenting `tls.cert` (if any); local clients need no
 * login, as on a router.
 */
function startLeaf(
  dir: string,
  hub: NatsServer,
  name: string,
  creds: string,
  tls: { cert?: string; key?: string; ca: string },
) {
  const [port] = freePorts(1);
  const conf = `${dir}/${name}.conf`;
  const credsFile = `${dir}/${name}.creds`;
  Deno.writeTextFileSync(credsFile, creds, { mode: 0o600 });
  const files = [
    ...(tls.cert
      ? [`cert_file: ${JSON.stringify(tls.cert)}`, `key_file: ${JSON.stringify(tls.key)}`]
      : []),
    `ca_file: ${JSON.stringify(tls.ca)}`,
  ].join("\n    ");
  Deno.writeTextFileSync(
    conf,
    `server_name: ${name}\nhost: 127.0.0.1\nport: ${port}\nleafnodes {\n  remotes: [ {\n` +
      `    url: "tls://127.0.0.1:${hub.leafPort}"\n` +
      `    credentials: ${JSON.stringify(credsFile)}\n` +
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
 * A hub whose leaf listener checks certificates (`mode`), one router linking with its certificate
 * and its bundle's `.creds`, and leaf nodes that must be refused; asserts the router's
 * telemetry crosses and only it is linked.
 */
async function leafTrial(
  mode: "verify",
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
        // The kit's controller connects over TLS and trusts this CA.
        NATS_TLS_CA: certs.ca,
      },
    });
    // The router's bundle (deno task identity provision router-07 on a TLS hub): its leaf.conf
    // checks the hub with hub-ca.pem and presents router-07.crt, which the operator put there.
    const [localPort, localHttp] = freePorts(2);
    const bundle = await provisionRouter(await hub.controller(), {
      unitId: "router-07",
      hubLeafUrl: `tls://127.0.0.1:${hub.leafPort}`,
      installDir: dir,
      stateDir: `${dir}/state`,
      local: { host: "127.0.0.1", port: localPort!, httpPort: localHttp! },
      replace: true,
      tls: { hubCa: await Deno.readTextFile(certs.ca), clientCertificate: true },
    }, "test");
    const creds = bundle.files["router-07.creds"]!;
    const router = await certs.authority.issue({
      file: "router",
      commonName: "router",
      names: ["router-07"],
      usage: "client",
      days: 1,
    });
    for (const [file, text] of Object.entries(bundle.files)) {
      await Deno.writeTextFile(`${dir}/${file}`, text, { mode: 0o600 });
    }
    await Deno.copyFile(router.cert, `${dir}/router-07.crt`);
    await Deno.copyFile(router.key, `${dir}/router-07.key`);
    const leaf = {
      url: `nats://127.0.0.1:${localPort}`,
      proc: spawnProcess(
        new Deno.Command(hub.bin, {
          args: ["-c", `${dir}/leaf.conf`],
          stdout: "piped",
          stderr: "piped",
        }),
      ),
    };
    const refused = [
      startLeaf(dir, hub, "foreign", creds, {
        cert: certs.otherClientCert,
        key: certs.clientKey,
        ca: certs.ca,
      }),
      startLeaf(dir, hub, "no-cert", creds, { ca: certs.ca }),
    ];
    try {
      await until(
        async () => (await leafs(hub)).some((l) => l.name === "router-07"),
        "the router's leaf node on the hub",
      );
      // The hub applies the guardian user's permissions to the link: telemetry goes up.
      const ops = await connect({
        servers: hub.url,
        ...hub.users.ops.nats,
        tls: { caFile: certs.ca },
      });
      const sub = ops.subscribe("ops.heartbeat.router-07", { max: 1 });
      await ops.flush();
      // On the router, the guardian logs in with the bundle's credentials too.
      let local: NatsConnection | undefined;
      await until(async () => {
        local = await connect({
          servers: leaf.url,
          ...testIdentity(creds, "OPS", "router-07").nats,
        }).catch(() => undefined);
        return local !== undefined;
      }, "the router's own leaf node");
      await until(async () => {
        local!.publish("ops.heartbeat.router-07", "beat");
        await local!.flush();
        return sub.getReceived() > 0;
      }, "a heartbeat through the certificate-checked link");
      await local!.close();
      await ops.close();

      // Each of the others tried (the hub logged its refusal) and none is linked.
      await until(
        async () => ((await hub.log()).match(refusedKinds) ?? []).length >= refusals,
        "the refused links in the hub's log",
      );
      // Only the router's: its OPS link and its claims link (system account), both with the
      // certificate.
      assert.deepEqual(
        (await leafs(hub)).map((l) => [l.name, l.account]).sort(),
        [["router-07", hub.accounts.OPS], ["router-07", hub.accounts.SYS]].sort(),
      );
    } finally {
      await Promise.all([leaf, ...refused].map((l) => l.proc.stop()));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("leaf nodes with NATS_LEAF_TLS_VERIFY=verify: a certificate from NATS_TLS_CLIENT_CA is required besides the router's credentials", async () => {
  await leafTrial("verify", /TLS leafnode handshake error/g, 2);
});

// verify_and_map is refused by the configuration (tests/config/tls_config_test.ts): in operator
// mode the login is the router's .creds, and nats-server does not let a certificate's names select
// a JWT user (a stranger's certificate would link).
