import assert from "node:assert/strict";
import { certificateError } from "../../mods/client/certificates.ts";
import {
  CertificateError,
  type CertificateReason,
  connect,
  type ConnectOptions,
  UnsupportedTransportError,
} from "../../mods/client/mod.ts";
import {
  needs,
  serverHas,
  startNats,
  type TestCertificates,
  testCertificates,
} from "../_kit/mod.ts";

/** Asserts that connecting fails with a CertificateError of this kind whose message matches. */
async function refused(
  options: ConnectOptions,
  certificate: CertificateError["certificate"],
  reason: CertificateReason,
  message: RegExp,
): Promise<void> {
  await assert.rejects(
    connect({ ...options, reconnect: false, timeoutMs: 5000 }),
    (e: unknown) => {
      assert.ok(e instanceof CertificateError, `a CertificateError, got ${e}`);
      assert.equal(e.certificate, certificate, e.message);
      assert.equal(e.reason, reason, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

async function withCertificates(fn: (certs: TestCertificates) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tls-" });
  try {
    await fn(await testCertificates(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function tlsVersionSeen(monitorUrl: string, name: string): Promise<string | undefined> {
  const connz = await (await fetch(`${monitorUrl}/connz`)).json() as {
    connections: { name?: string; tls_version?: string }[];
  };
  return connz.connections.find((x) => x.name === name)?.tls_version;
}

Deno.test("tls:// and wss:// in Deno: the server is verified against the given CA; untrusted, expired and wrong-name certificates are named", async () => {
  await withCertificates(async (certs) => {
    await using ns = await startNats({
      env: { NATS_TLS_CERT: certs.cert, NATS_TLS_KEY: certs.key },
    });
    const tcp = `tls://127.0.0.1:${ns.port}`;
    const wss = `wss://127.0.0.1:${ns.wsPort}`;
    const ca = await Deno.readTextFile(certs.ca);
    for (
      const [url, tls] of [[tcp, { ca }], [tcp, { caFile: certs.ca }], [wss, {
        caFile: certs.ca,
      }]] as const
    ) {
      await using c = await connect({
        servers: url,
        unitId: "tls-unit",
        tls,
        creds: ns.users.ops.creds,
      });
      c.serveEcho();
      await c.flush();
      assert.ok((await c.echo()) > 0);
      if (url === tcp) {
        assert.ok(await tlsVersionSeen(ns.monitorUrl, "tls-unit"), "TLS on the wire");
      }
    }
    for (const url of [tcp, wss]) {
      const host = url.replace(/^\w+:\/\//, "");
      await refused(
        { servers: url, unitId: "no-ca", creds: ns.users.ops.creds },
        "server",
        "untrusted",
        new RegExp(`Untrusted server certificate of "${host}": .*pass its CA as tls\\.ca`),
      );
      await refused(
        {
          servers: url,
          unitId: "other-ca",
          tls: { caFile: certs.otherCa },
          creds: ns.users.ops.creds,
        },
        "server",
        "untrusted",
        new RegExp(`not signed by the CA in tls\\.caFile "${certs.otherCa}"`),
      );
    }
    await refused(
      {
        servers: tcp,
        unitId: "no-file",
        tls: { caFile: `${certs.ca}.missing` },
        creds: ns.users.ops.creds,
      },
      "ca",
      "unreadable",
      /^Unreadable tls\.caFile ".*\.missing": /,
    );
    const notPem = certs.cert.replace(/\.pem$/, ".txt");
    await Deno.writeTextFile(notPem, "subjectAltName=DNS:localhost\n");
    await refused(
      {
        servers: tcp,
        unitId: "not-pem",
        tls: { caFile: notPem },
        creds: ns.users.ops.creds,
      },
      "ca",
      "unreadable",
      /not a PEM file/,
    );
  });
});

Deno.test("tls:// in Deno: an expired server certificate and one for another name are named", async () => {
  await withCertificates(async (certs) => {
    const cases = [
      [certs.expiredCert, "expired", /Expired server certificate of "127\.0\.0\.1:\d+"/],
      [certs.wrongNameCert, "name-mismatch", /is not valid for that name.*elsewhere\.example/],
    ] as const;
    for (const [cert, reason, message] of cases) {
      await using ns = await startNats({ env: { NATS_TLS_CERT: cert, NATS_TLS_KEY: certs.key } });
      await refused(
        {
          servers: `tls://127.0.0.1:${ns.port}`,
          unitId: "bad-server-cert",
          tls: { caFile: certs.ca },
          creds: ns.users.ops.creds,
        },
        "server",
        reason,
        message,
      );
    }
  });
});

Deno.test("mTLS in Deno: wss:// presents the client certificate; missing and foreign ones are named; tls:// needs handshakeFirst", async () => {
  await withCertificates(async (certs) => {
    await using ns = await startNats({
      env: { NATS_TLS_CERT: certs.cert, NATS_TLS_KEY: certs.key },
      clientCa: certs.ca,
    });
    const wss = `wss://127.0.0.1:${ns.wsPort}`;
    const tcp = `tls://127.0.0.1:${ns.port}`;
    const mine = { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey };
    {
      await using c = await connect({
        servers: wss,
        unitId: "mtls-ws",
        tls: mine,
        creds: ns.users.ops.creds,
      });
      c.serveEcho();
      await c.flush();
      assert.ok((await c.echo()) > 0, "round trip over wss:// with a client certificate");
    }
    await refused(
      { servers: wss, unitId: "mtls-none", tls: { caFile: certs.ca }, creds: ns.users.ops.creds },
      "client",
      "required",
      /Client certificate required by "127\.0\.0\.1:\d+": .*pass tls\.certFile and tls\.keyFile/,
    );
    await refused(
      {
        servers: tcp,
        unitId: "mtls-none-tcp",
        tls: { caFile: certs.ca },
        creds: ns.users.ops.creds,
      },
      "client",
      "required",
      /Client certificate required by/,
    );
    await refused(
      {
        servers: wss,
        unitId: "mtls-foreign",
        tls: { ...mine, certFile: certs.otherClientCert },
        creds: ns.users.ops.creds,
      },
      "client",
      "rejected",
      new RegExp(`Client certificate tls\\.certFile "${certs.otherClientCert}" rejected by`),
    );
    await refused(
      {
        servers: wss,
        unitId: "mtls-key",
        tls: { ...mine, keyFile: certs.key },
        creds: ns.users.ops.creds,
      },
      "client",
      "key-mismatch",
      new RegExp(
        `tls\\.certFile "${certs.clientCert}" does not match tls\\.keyFile "${certs.key}"`,
      ),
    );
    await assert.rejects(
      connect({ servers: tcp, unitId: "mtls-tcp", tls: mine, creds: ns.users.ops.creds }),
      (e: unknown) =>
        e instanceof UnsupportedTransportError && /tls\.handshakeFirst/.test(e.message),
    );
    await assert.rejects(
      connect({ servers: wss, unitId: "no-key", tls: { certFile: certs.clientCert } }),
      /a client certificate needs its key/,
    );
  });
});

Deno.test({
  name: needs("tls_handshake_first", "mTLS in Deno over tls:// with tls.handshakeFirst"),
  ignore: !serverHas("tls_handshake_first"),
  fn: async () => {
    await withCertificates(async (certs) => {
      await using ns = await startNats({
        env: { NATS_TLS_CERT: certs.cert, NATS_TLS_KEY: certs.key },
        clientCa: certs.ca,
        handshakeFirst: true,
      });
      const tcp = `tls://127.0.0.1:${ns.port}`;
      const mine = { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey };
      {
        await using c = await connect({
          servers: tcp,
          unitId: "mtls-first",
          tls: { ...mine, handshakeFirst: true },
          creds: ns.users.ops.creds,
        });
        c.serveEcho();
        await c.flush();
        assert.ok((await c.echo()) > 0, "round trip over tls:// with a client certificate");
        assert.ok(await tlsVersionSeen(ns.monitorUrl, "mtls-first"), "TLS on the wire");
      }
      await refused(
        {
          servers: tcp,
          unitId: "mtls-first-foreign",
          tls: { ...mine, certFile: certs.otherClientCert, handshakeFirst: true },
          creds: ns.users.ops.creds,
        },
        "client",
        "rejected",
        new RegExp(`Client certificate tls\\.certFile "${certs.otherClientCert}" rejected by`),
      );
    });
  },
});

Deno.test("certificate errors as Node's OpenSSL and npm ws report them are named the same way", () => {
  // Captured from Node 20.20 and 22.23 (transport-node and ws) against the kit's servers.
  const server = "tls://127.0.0.1:4222";
  const tls = { caFile: "/etc/ca.pem", certFile: "/etc/client.pem", keyFile: "/etc/client.key" };
  const node = (code: string, message: string) => Object.assign(new Error(message), { code });
  const cases: [Error, typeof tls | undefined, CertificateReason, RegExp][] = [
    [
      node("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"),
      tls,
      "untrusted",
      /not signed by the CA in tls\.caFile "\/etc\/ca\.pem" \(unable to verify the first/,
    ],
    [
      node("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
      undefined,
      "untrusted",
      /pass its CA/,
    ],
    [
      node("CERT_HAS_EXPIRED", "certificate has expired"),
      tls,
      "expired",
      /Expired server certificate of "127\.0\.0\.1:4222"/,
    ],
    [
      node(
        "ERR_TLS_CERT_ALTNAME_INVALID",
        "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
      ),
      tls,
      "name-mismatch",
      /not valid for that name/,
    ],
    [
      node(
        "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
        "803C27BD127F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42\n",
      ),
      tls,
      "rejected",
      /Client certificate tls\.certFile "\/etc\/client\.pem" rejected by "127\.0\.0\.1:4222": .* \(sslv3 alert bad certificate\)$/,
    ],
    [
      node(
        "ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE",
        "C0DCA8AE367F0000:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 42\n",
      ),
      { caFile: "/etc/ca.pem" } as typeof tls,
      "required",
      /Client certificate required by/,
    ],
    [
      new Error("error:05800074:x509 certificate routines::key values mismatch", {
        cause: node(
          "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
          "error:05800074:x509 certificate routines::key values mismatch",
        ),
      }),
      tls,
      "key-mismatch",
      /tls\.certFile "\/etc\/client\.pem" does not match tls\.keyFile "\/etc\/client\.key"/,
    ],
  ];
  for (const [err, given, reason, message] of cases) {
    const e = certificateError(err, { server, tls: given });
    assert.ok(e, `recognised: ${err.message}`);
    assert.equal(e.reason, reason, err.message);
    assert.match(e.message, message);
    assert.equal(e.cause, err);
  }
  assert.equal(certificateError(new Error("connection refused"), { server, tls }), undefined);
});
