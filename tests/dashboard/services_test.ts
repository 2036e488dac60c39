import assert from "node:assert/strict";
import { startNats, until } from "../_kit/mod.ts";
import { testDashboard } from "./_harness.ts";

/**
 * The project's server configuration (operator mode, the test server's identity), with or without
 * JetStream, in a directory of its own.
 */
async function serverConfig(dir: string, jetstream: boolean): Promise<string> {
  const file = `${dir}/nats-server.conf`;
  await Deno.writeTextFile(
    file,
    [
      "server_name: $NATS_SERVER_NAME",
      "host: $NATS_HOST",
      "port: $NATS_PORT",
      "http_port: $NATS_HTTP_PORT",
      "websocket { host: $NATS_HOST, port: $NATS_WS_PORT, no_tls: true }",
      jetstream ? "jetstream { store_dir: $NATS_DATA_DIR }" : "",
      "operator: $NATS_OPERATOR_JWT",
      "resolver { type: full, dir: $NATS_RESOLVER_DIR, allow_delete: false }",
    ].join("\n"),
  );
  return file;
}

Deno.test("services: units kept in memory while JetStream is off move into it when it answers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-jsoff-" });
  try {
    await using ns = await startNats({ configFile: await serverConfig(dir, false) });
    await using d = await testDashboard(ns, {}, {
      backoff: { initialMs: 20, factor: 1, maxMs: 20 },
    });
    assert.equal(d.units.stats().bucket, null, "no JetStream: units in memory");
    await serverConfig(dir, true);
    await ns.restart();
    await until(
      () => d.services.units()?.stats().bucket === "nunect_units",
      "the units registry in the KV bucket",
    );
    assert.equal(d.services.units()?.stats().historyStream, "nunect_telemetry");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
