import assert from "node:assert/strict";
import { certificateInfo, readCertifiedKey } from "../../mods/tls/mod.ts";
import { PROJECT_DIR, runProgram } from "../_kit/mod.ts";

const ENV = {
  DASHBOARD_DOMAIN: "ops.certs.test",
  DASHBOARD_BIND: "127.0.0.1",
  // what `deno task certs` finds in .env after `config init`
  DASHBOARD_ADMIN_PASSWORD: "certs-test-password",
  DASHBOARD_SECRET: "certs-test-secret-certs-test-secret-0001",
};

Deno.test("deno task certs: a local CA and a server certificate for the configured names, under the certs permission set; the CA is kept on a renewal; nothing outside the project is written", async () => {
  const rel = `.data/test-certs-${crypto.randomUUID().slice(0, 8)}`;
  const dir = `${PROJECT_DIR}/${rel}`;
  try {
    const run = (args: string[]) =>
      runProgram({
        permissionSet: "certs",
        entry: "mods/tls/main.ts",
        args: ["--no-env", ...args],
        env: ENV,
      });
    const first = await run(["--dir", rel, "--name", "10.9.8.7", "--days", "30"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Made a new local CA: /m);
    assert.match(first.stdout, /certutil -d sql:\$HOME\/\.pki\/nssdb/);
    assert.doesNotMatch(first.stdout + first.stderr, /-----BEGIN|PRIVATE KEY/);

    const ca = certificateInfo(await Deno.readTextFile(`${dir}/ca.pem`));
    assert.equal(ca.ca, true);
    const server = await readCertifiedKey(`${dir}/server.pem`, `${dir}/server.key`, [
      "DASHBOARD_TLS_CERT",
      "DASHBOARD_TLS_KEY",
    ]);
    for (const name of ["ops.certs.test", "localhost", "127.0.0.1", "10.9.8.7"]) {
      assert.ok(server.info.names.includes(name), `${name} in ${server.info.names}`);
    }
    assert.equal(server.info.issuer, ca.subject);
    const days = (server.info.notAfter - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, String(days));

    // A renewal keeps the CA: the clients that trust it go on trusting the new certificate.
    const second = await run(["--dir", rel]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Kept the local CA: /m);
    assert.deepEqual(certificateInfo(await Deno.readTextFile(`${dir}/ca.pem`)), ca);

    // The permission set writes only .env and .data of the project.
    const outside = await Deno.makeTempDir({ prefix: "nunect-certs-outside-" });
    try {
      const refused = await run(["--dir", outside]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /NotCapable|Requires write access/);
      assert.deepEqual([...Deno.readDirSync(outside)], []);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }

    // A bad value is named, with what to give instead.
    const bad = await run(["--dir", rel, "--days", "soon"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Invalid --days "soon": expected a whole number >= 1/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
