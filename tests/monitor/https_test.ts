import assert from "node:assert/strict";
import { certificatesView } from "../../mods/dashboard/mod.ts";
import {
  listenerCertificates,
  MonitorClient,
  MonitorUnreachableError,
  serverFeatures,
} from "../../mods/monitor/mod.ts";
import { certificateInfo } from "../../mods/tls/mod.ts";
import { startNats, testCertificates } from "../_kit/mod.ts";

Deno.test("monitoring over HTTPS (NATS_HTTPS_PORT): verified against NATS_TLS_CA, plain HTTP off", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-https-monitor-" });
  try {
    const certs = await testCertificates(dir);
    await using ns = await startNats({
      env: {
        NATS_TLS_CERT: certs.cert,
        NATS_TLS_KEY: certs.key,
        NATS_HTTPS_PORT: "-1",
        NATS_TLS_CA: certs.ca,
      },
    });
    assert.match(ns.monitorUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await Deno.readTextFile(certs.ca);
    const mon = new MonitorClient({ url: ns.monitorUrl, ca, timeoutMs: 5000 });
    try {
      const varz = await mon.varz();
      assert.notEqual(
        varz.https_port ?? 0,
        0,
        "https_port is on (-1: the configured any-free-port)",
      );
      assert.equal(varz.tls_required, true);
      // The server's log names one monitor listener: HTTPS.
      const log = await ns.log();
      assert.match(log, /Starting https monitor on/);
      assert.doesNotMatch(log, /Starting http monitor on/);

      // Where the server reports certificate ends (2.12.4+), every TLS listener is listed and
      // HTTPS monitoring shares the client port's certificate; older servers are named.
      const end = certificateInfo(await Deno.readTextFile(certs.cert)).notAfter;
      const view = certificatesView({ now: Date.now(), dashboard: null, varz: [varz] });
      const reports = serverFeatures(varz.version).find((f) => f.feature === "tls_cert_not_after")!;
      if (reports.available) {
        assert.deepEqual(
          listenerCertificates(varz).map((c) => [c.listener, c.notAfter]),
          [["client", end], ["monitoring", end], ["websocket", end], ["leafnode", end]],
        );
        assert.equal(view.worst, "expiring", "the test certificate ends within a day");
        assert.deepEqual(view.unreported, []);
      } else {
        assert.deepEqual(listenerCertificates(varz), []);
        assert.deepEqual(view.unreported, [{
          server: varz.server_name,
          version: varz.version,
          requires: "2.12.4",
        }]);
      }
    } finally {
      mon.close();
    }

    // Without the CA the listener is not trusted, and the error says what to set.
    const untrusted = new MonitorClient({ url: ns.monitorUrl, timeoutMs: 5000 });
    await assert.rejects(untrusted.varz(), (e: unknown) => {
      assert.ok(e instanceof MonitorUnreachableError, String(e));
      assert.match(e.message, /not trusted: set NATS_TLS_CA to the CA that signed NATS_TLS_CERT/);
      return true;
    });
    // Plain HTTP on the port gets no monitoring data.
    const plain = await fetch(`http://127.0.0.1:${ns.httpPort}/varz`);
    assert.equal(plain.status, 400);
    assert.match(await plain.text(), /HTTP request to an HTTPS server/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
