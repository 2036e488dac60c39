import assert from "node:assert/strict";
import {
  CertificateFileError,
  certificateInfo,
  expiryState,
  HttpsServer,
  LocalCa,
  readCertifiedKey,
} from "../../mods/tls/mod.ts";
import { testCertificates, until } from "../_kit/mod.ts";

/** fetch over TLS trusting only `caFile`; the error message when it fails. */
async function get(url: string, caFile: string): Promise<string> {
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(caFile)] });
  try {
    const res = await fetch(url, { client } as RequestInit);
    return await res.text();
  } catch (e) {
    return `failed: ${(e as Error).cause ?? (e as Error).message}`;
  } finally {
    client.close();
  }
}

Deno.test("certificates: the local CA issues what TLS clients accept; bad files are named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
  try {
    const certs = await testCertificates(dir);
    const pair = await readCertifiedKey(certs.cert, certs.key, ["DASHBOARD_TLS_CERT", "X_KEY"]);
    assert.deepEqual(pair.info.names, ["localhost", "127.0.0.1"]);
    assert.equal(pair.info.issuer, "CN=nunect test CA");
    assert.equal(certificateInfo(await Deno.readTextFile(certs.ca)).ca, true);
    const expired = certificateInfo(await Deno.readTextFile(certs.expiredCert));
    assert.equal(expiryState(expired.notAfter, Date.now()).status, "expired");
    assert.equal(expiryState(pair.info.notAfter, Date.now()).status, "expiring"); // one day left

    await assert.rejects(
      readCertifiedKey(certs.clientCert, certs.key, ["DASHBOARD_TLS_CERT", "DASHBOARD_TLS_KEY"]),
      (e: unknown) =>
        e instanceof CertificateFileError && e.path === certs.key &&
        /^Private key DASHBOARD_TLS_KEY=".*" does not belong to the certificate DASHBOARD_TLS_CERT=/
          .test(e.message),
    );
    await assert.rejects(
      readCertifiedKey(`${dir}/missing.pem`, certs.key, ["DASHBOARD_TLS_CERT", "K"]),
      {
        message: /^Cannot read the certificate DASHBOARD_TLS_CERT=".*missing\.pem": no such file$/,
      },
    );
    await assert.rejects(
      readCertifiedKey(certs.key, certs.key, ["DASHBOARD_TLS_CERT", "K"]),
      { message: /^Invalid certificate DASHBOARD_TLS_CERT=".*": not a PEM certificate$/ },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "HTTPS server: HTTP/2, and a replaced certificate is served without a restart while " +
    "an open event stream keeps flowing; a half-written renewal is refused",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
    const logs: string[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    try {
      const certs = await testCertificates(dir);
      // What the server reads; the renewal comes from another CA so a client can tell them apart.
      const live = await Deno.makeTempDir({ dir, prefix: "live-" });
      await Deno.copyFile(certs.cert, `${live}/cert.pem`);
      await Deno.copyFile(certs.key, `${live}/key.pem`);
      const otherCa = (await LocalCa.open(`${dir}/other`))!;
      const renewed = await otherCa.issue({
        file: "server",
        commonName: "localhost",
        names: ["localhost", "127.0.0.1"],
        usage: "server",
        days: 30,
      });
      const served: string[] = [];
      await using server = await HttpsServer.start({
        hostname: "127.0.0.1",
        port: 0,
        certFile: `${live}/cert.pem`,
        keyFile: `${live}/key.pem`,
        variables: ["DASHBOARD_TLS_CERT", "DASHBOARD_TLS_KEY"],
        log: (l) => logs.push(l),
        onCertificate: (info) => served.push(info.issuer),
        handler: (req) => {
          if (new URL(req.url).pathname !== "/events") return new Response("hello");
          let timerId: ReturnType<typeof setInterval> | undefined;
          const body = new ReadableStream<Uint8Array>({
            start(ctl) {
              timerId = setInterval(() => {
                try {
                  ctl.enqueue(new TextEncoder().encode(`data: ${ticks}\n\n`));
                } catch {
                  clearInterval(timerId);
                }
              }, 50);
            },
            cancel() {
              clearInterval(timerId);
            },
          });
          return new Response(body, { headers: { "content-type": "text/event-stream" } });
        },
      });
      const base = `https://127.0.0.1:${server.addr.port}`;
      assert.equal(await get(`${base}/`, certs.ca), "hello");
      assert.match(await get(`${base}/`, otherCa.certFile), /^failed: .*UnknownIssuer/);

      // HTTP/2 is offered by ALPN.
      const conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: server.addr.port,
        caCerts: [await Deno.readTextFile(certs.ca)],
        alpnProtocols: ["h2", "http/1.1"],
      });
      assert.equal((await conn.handshake()).alpnProtocol, "h2");
      conn.close();

      // An event stream opened before the renewal.
      const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(certs.ca)] });
      const stream = (await fetch(`${base}/events`, { client } as RequestInit)).body!.getReader();
      const next = async () => new TextDecoder().decode((await stream.read()).value);
      assert.match(await next(), /^data: \d+/);

      // Half a renewal (the new certificate, the old key): refused, the old pair stays.
      await Deno.writeTextFile(`${live}/cert.pem.tmp`, await Deno.readTextFile(renewed.cert));
      await Deno.rename(`${live}/cert.pem.tmp`, `${live}/cert.pem`);
      await until(
        () =>
          logs.some((l) => /^TLS certificate not reloaded: Private key DASHBOARD_TLS_KEY=/.test(l)),
        "the refused half renewal in the log",
      );
      assert.equal(await get(`${base}/`, certs.ca), "hello");

      // The key arrives: the new certificate is served to new connections.
      await Deno.writeTextFile(`${live}/key.pem.tmp`, await Deno.readTextFile(renewed.key));
      await Deno.rename(`${live}/key.pem.tmp`, `${live}/key.pem`);
      await until(
        async () => await get(`${base}/`, otherCa.certFile) === "hello",
        "the renewed certificate on a new connection",
      );
      assert.match(await get(`${base}/`, certs.ca), /^failed: .*UnknownIssuer/);
      assert.deepEqual(served, ["CN=nunect test CA", "CN=other CA"]);
      assert.equal(server.certificate.issuer, "CN=other CA");
      assert.ok(logs.some((l) => l.startsWith("TLS certificate reloaded from ")), logs.join("\n"));

      // The stream opened before the renewal still delivers, on the old certificate's connection.
      const before = ticks;
      let after = -1;
      while (after <= before) after = Number(/data: (\d+)/.exec(await next())?.[1]);
      assert.ok(after > before);
      await stream.cancel();
      client.close();
      assert.equal(await server.reload(), "unchanged");
    } finally {
      clearInterval(timer);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
