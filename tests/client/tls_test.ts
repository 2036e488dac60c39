import assert from "node:assert/strict";
import { connect, ConnectError } from "../../mods/client/mod.ts";
import { startNats, testCertificates } from "../_kit/mod.ts";

Deno.test("tls://: the Deno transport upgrades to TLS, verifies the server against the given CA", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
  try {
    const certs = await testCertificates(dir);
    await using ns = await startNats({
      env: { NATS_TLS_CERT: certs.cert, NATS_TLS_KEY: certs.key },
    });
    const url = `tls://127.0.0.1:${ns.port}`;
    const ca = await Deno.readTextFile(certs.ca);
    for (const tls of [{ ca }, { caFile: certs.ca }]) {
      await using c = await connect({ servers: url, unitId: "tls-unit", tls, ...ns.users.ops });
      c.serveEcho();
      await c.flush();
      assert.ok((await c.echo()) > 0);
      const connz = await (await fetch(`${ns.monitorUrl}/connz`)).json() as {
        connections: { name?: string; tls_version?: string }[];
      };
      const mine = connz.connections.find((x) => x.name === "tls-unit");
      assert.ok(mine?.tls_version, `the server sees TLS: ${JSON.stringify(mine)}`);
    }
    await assert.rejects(
      connect({ servers: url, unitId: "tls-unit", ...ns.users.ops }),
      (e: unknown) => e instanceof ConnectError,
      "a server certificate from an unknown CA is refused",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
