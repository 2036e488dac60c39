import assert from "node:assert/strict";
import { createUser } from "@nats-io/nkeys";
import { connect, ConnectError, type NunectClient } from "../../mods/client/mod.ts";
import { startNats, startNatsWithAuthorization, startOperatorNats, until } from "../_kit/mod.ts";

/** Proves the connection works: a request to itself through the server. */
async function roundTrip(client: NunectClient): Promise<void> {
  client.serveEcho();
  await client.flush();
  assert.ok((await client.echo()) > 0);
}

function authFailure(e: unknown): boolean {
  return e instanceof ConnectError && /Authorization Violation|authorization/i.test(e.message);
}

Deno.test("auth: user and password (project accounts), wrong password refused", async () => {
  await using ns = await startNats();
  for (const url of [ns.url, ns.wsUrl]) {
    await using c = await connect({ servers: url, unitId: "userpass", ...ns.users.ops });
    await roundTrip(c);
    await assert.rejects(
      connect({ servers: url, unitId: "userpass", user: ns.users.ops.user, pass: "wrong" }),
      authFailure,
    );
  }
});

Deno.test("auth: token, wrong token refused", async () => {
  await using ns = await startNatsWithAuthorization('token: "t0k3n-s3cret"');
  for (const url of [ns.url, ns.wsUrl]) {
    await using c = await connect({ servers: url, unitId: "tok", token: "t0k3n-s3cret" });
    await roundTrip(c);
    await assert.rejects(connect({ servers: url, unitId: "tok", token: "nope" }), authFailure);
  }
});

Deno.test("auth: NKey seed, unknown key refused", async () => {
  const user = createUser();
  await using ns = await startNatsWithAuthorization(
    `users: [ { nkey: ${user.getPublicKey()} } ]`,
  );
  const seed = new TextDecoder().decode(user.getSeed());
  for (const url of [ns.url, ns.wsUrl]) {
    await using c = await connect({ servers: url, unitId: "nk", nkeySeed: seed });
    await roundTrip(c);
    await using _b = await connect({ servers: url, unitId: "nk2", nkeySeed: user.getSeed() });
    const stranger = new TextDecoder().decode(createUser().getSeed());
    await assert.rejects(connect({ servers: url, unitId: "nk", nkeySeed: stranger }), authFailure);
  }
});

Deno.test("auth: operator mode, JWT + seed and .creds contents; untrusted and denied users fail", async () => {
  await using op = await startOperatorNats();
  const alice = await op.createUser("alice");
  for (const url of [op.url, op.wsUrl]) {
    await using viaCreds = await connect({
      servers: url,
      unitId: "alice-creds",
      creds: alice.creds,
    });
    await roundTrip(viaCreds);
    await using viaJwt = await connect({
      servers: url,
      unitId: "alice-jwt",
      jwt: alice.jwt,
      nkeySeed: alice.seed,
    });
    await roundTrip(viaJwt);
  }
  const mallory = await op.createForeignUser("mallory");
  await assert.rejects(
    connect({ servers: op.url, unitId: "mallory", creds: mallory.creds }),
    authFailure,
  );
  // A user that may not publish to ops.echo.* gets a permission error, not a hang.
  const narrow = await op.createUser("narrow", { pubAllow: ["allowed.>"], subAllow: ["_INBOX.>"] });
  await using n = await connect({ servers: op.url, unitId: "narrow", creds: narrow.creds });
  const errors: Error[] = [];
  n.on("error", (e) => void errors.push(e.error!));
  n.publish("denied.x", 1);
  await n.flush().catch(() => {});
  await until(
    () => errors.some((e) => /Permissions Violation/i.test(e.message)),
    "the permissions violation reported as an error event",
  );
});
