import assert from "node:assert/strict";
import { connect, ConnectError } from "../../mods/client/mod.ts";
import { startNats } from "../_kit/mod.ts";

/** A throw-away CA and a server certificate for 127.0.0.1, made with openssl. */
async function makeCerts(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    assert.ok(out.success, `openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  };
  await run(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=nunect test CA",
  );
  await run(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
  );
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}

Deno.test("tls://: the Deno transport upgrades to TLS, verifies the server against the given CA", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
  try {
    const certs = await makeCerts(dir);
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
