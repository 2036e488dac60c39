import assert from "node:assert/strict";
import { createUser } from "@nats-io/nkeys";
import { connect, ConnectError, type NunectClient } from "../../mods/client/mod.ts";
import { foreignCreds, startNats, startNatsWithAuthorization, until } from "../_kit/mod.ts";

/** Proves the connection works: a request to itself through the server. */
async function roundTrip(client: NunectClient): Promise<void> {
  client.serveEcho();
  await client.flush();
  assert.ok((await client.echo()) > 0);
}

function authFailure(e: unknown): boolean {
  return e instanceof ConnectError && /Authorization Violation|authorization/i.test(e.message);
}

Deno.test("auth: user and password, wrong password refused", async () => {
  await using ns = await startNatsWithAuthorization(
    'users: [ { user: "ops", password: "0ps-pa55word" } ]',
  );
  for (const url of [ns.url, ns.wsUrl]) {
    await using c = await connect({
      servers: url,
      unitId: "userpass",
      user: "ops",
      pass: "0ps-pa55word",
    });
    await roundTrip(c);
    await assert.rejects(
      connect({ servers: url, unitId: "userpass", user: "ops", pass: "wrong" }),
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

Deno.test("auth: operator mode (the project's server), .creds and JWT + seed; foreign and denied users fail", async () => {
  await using ns = await startNats();
  const alice = await ns.unit("alice");
  const jwt = /-----BEGIN NATS USER JWT-----\s*(\S+)/.exec(alice.creds)![1]!;
  const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(alice.creds)![1]!;
  for (const url of [ns.url, ns.wsUrl]) {
    await using viaCreds = await connect({ servers: url, ...alice.client });
    await roundTrip(viaCreds);
    await using viaJwt = await connect({ servers: url, unitId: "alice", jwt, nkeySeed: seed });
    await roundTrip(viaJwt);
  }
  await assert.rejects(
    connect({ servers: ns.url, unitId: "mallory", creds: await foreignCreds("mallory") }),
    authFailure,
  );
  // A unit that may not publish outside its own subjects gets a permission error, not a hang.
  await using n = await connect({ servers: ns.url, ...(await ns.unit("narrow")).client });
  const errors: Error[] = [];
  n.on("error", (e) => void errors.push(e.error!));
  n.publish("denied.x", 1);
  await n.flush().catch(() => {});
  await until(
    () => errors.some((e) => /Permissions Violation/i.test(e.message)),
    "the permissions violation reported as an error event",
  );
});
