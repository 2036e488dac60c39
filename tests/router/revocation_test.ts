// Revocations reach routers. A router's leaf server resolves accounts from its bundle's JWTs and
// links its system account to the hub with the router's claims link (a system-account user that
// may receive `$SYS.REQ.CLAIMS.UPDATE` and nothing else, and publish nothing): an account JWT the
// controller pushes on the hub reaches the leaf server too, which then disconnects and refuses a
// revoked unit. The attacks: a revoked unit keeps using a router's local server; a router's
// credentials push claims to the hub or read the hub's system account.
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, ConnectError } from "../../mods/client/mod.ts";
import {
  freePorts,
  type LeafNode,
  startControllerService,
  startLeafNode,
  startNats,
  until,
} from "../_kit/mod.ts";
import { spawnProcess } from "../_kit/program.ts";
import { tiedCommand } from "../_kit/tied.ts";

function authRefused(e: unknown): boolean {
  return e instanceof ConnectError && /Authorization Violation|authentication/i.test(e.message);
}

Deno.test("a unit revoked on the hub is disconnected from a router's leaf server and refused there", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-r1" });
  const unit = await hub.unit("press-7", { role: "app" });
  await using onLeaf = await connect({ servers: leaf.url, ...unit.client, reconnect: false });
  let closed = false;
  onLeaf.closed().then(() => closed = true);

  await (await hub.controller()).revoke("OPS", { unitId: "press-7" }, "test");
  // The leaf server took the OPS account's new JWT from the hub: it closes the connection.
  await until(() => closed, "the router's leaf server to close the revoked unit", 10_000);
  await assert.rejects(connect({ servers: leaf.url, ...unit.client }), authRefused);
  await assert.rejects(connect({ servers: hub.url, ...unit.client }), authRefused);
  // The router itself is unaffected: its own creds still work on its server.
  await using router = await connect({ servers: leaf.url, ...leaf.identity.client });
  assert.ok(router.isConnected);
});

Deno.test("a router's leaf server keeps an update across its restart (bundle JWTs are older)", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-r2" });
  const unit = await hub.unit("press-8", { role: "app" });
  const controller = await hub.controller();
  // A resolver keeps a preloaded JWT unless it holds a newer one, by `iat` in whole seconds: a
  // revocation in the very second of the provisioning ties, and only a republish (next test)
  // mends that. Here the revocation comes a second later, as it does outside tests.
  const provisioned = Math.floor(Date.now() / 1000);
  await until(() => Date.now() >= (provisioned + 1) * 1000, "the second after provisioning", 3000);
  await controller.revoke("OPS", { unitId: "press-8" }, "test");
  await until(
    () =>
      connect({ servers: leaf.url, ...unit.client }).then(
        (c) => c.close().then(() => false),
        authRefused,
      ),
    "the revocation to reach the leaf server",
    10_000,
  );
  // The leaf server starts again from the same leaf.conf (whose preloaded OPS JWT predates the
  // revocation), with the hub out of reach: its resolver directory holds the newer JWT.
  await leaf.stop();
  await hub.stop();
  await using again = await startAgain(hub.bin, leaf);
  await assert.rejects(connect({ servers: again.url, ...unit.client }), authRefused);
});

Deno.test("a router cut off during a revocation takes it as its claims link comes up", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-r4" });
  const unit = await hub.unit("press-10", { role: "app" });
  const controller = await hub.controller();
  await leaf.stop();
  await controller.revoke("OPS", { unitId: "press-10" }, "test");
  assert.ok((await controller.lookupAccount("OPS")).inSync, "the hub has the revocation");
  {
    // Back from its bundle (whose OPS JWT predates the revocation), linked again with no
    // controller service running: it missed the update, and the revoked unit still gets in there.
    await using _again = await startAgain(hub.bin, leaf);
    await until(leaf.linked, "the router's links again");
    await using stale = await connect({ servers: leaf.url, ...unit.client, reconnect: false });
    assert.ok(stale.isConnected);
  }
  await until(async () => !(await leaf.linked()), "the hub to drop the router's links");
  // The controller service, as the supervisor runs it (`deno task identity serve`, its permission
  // set), with its periodic resend an hour away: only the link's connect event can bring the
  // update now (at start it saw no claims link and sent nothing).
  await using service = await startControllerService(hub, { NATS_CLAIMS_RESEND_S: "3600" });
  assert.doesNotMatch(service.output().stdout, /sent again/);
  await using again = await startAgain(hub.bin, leaf);
  await until(
    () =>
      connect({ servers: again.url, ...unit.client, reconnect: false }).then(
        (c) => c.close().then(() => false),
        authRefused,
      ),
    "the leaf server to refuse the revoked unit",
    30_000,
  );
  await until(
    () =>
      /account JWTs sent again \(claims link of router router-r4 connected\)/.test(
        service.output().stdout,
      ),
    "the controller to report the resend",
  );
  const out = await service.stop();
  assert.doesNotMatch(out.stderr, /failed/, "the controller service reported a failure");
});

Deno.test("a router's credentials cannot push claims to the hub or read its system account", async () => {
  await using hub = await startNats();
  await using leaf = await startLeafNode(hub, { unitId: "router-r3" });
  const linkCreds = await Deno.readTextFile(`${leaf.dir}/router-r3.link.creds`);
  const leafConf = await Deno.readTextFile(`${leaf.dir}/leaf.conf`);
  // The thief took the router's files; its own server uses them below.
  await leaf.stop();
  await until(
    async () => ((await (await fetch(`${hub.monitorUrl}/leafz`)).json()).leafnodes ?? 0) === 0,
    "the hub to drop the router's links",
  );
  // The claims link is a leaf node login only: as a client it is refused.
  await assert.rejects(
    connect({ servers: hub.url, unitId: "router-r3", creds: linkCreds }),
    authRefused,
  );
  // The router's unit creds at the hub: no publish to $SYS subjects (they are OPS subjects there).
  await using asRouter = await connect({ servers: hub.url, ...leaf.identity.client });
  await assert.rejects(
    asRouter.nc.request("$SYS.REQ.CLAIMS.UPDATE", "x", { timeout: 3000 }),
    /Permissions Violation|no responders|timeout/i,
  );

  // A thief's own leaf server with the claims link: a local system-account client there sees
  // claims updates from the hub, nothing else of it, and nothing it publishes leaves the router.
  const [port, httpPort] = freePorts(2);
  const dir = await Deno.makeTempDir({ prefix: "nunect-thief-" });
  await using _dir = { [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
  await Deno.writeTextFile(`${dir}/link.creds`, linkCreds);
  await Deno.writeTextFile(
    `${dir}/thief.conf`,
    `server_name: thief
host: 127.0.0.1
port: ${port}
http: "127.0.0.1:${httpPort}"
accounts { SYS { users: [{ user: sys, password: sys }] } }
system_account: SYS
leafnodes { remotes: [{ url: "nats-leaf://127.0.0.1:${hub.leafPort}", credentials: "${dir}/link.creds", account: SYS }] }
`,
  );
  await using thief = spawnProcess(
    tiedCommand(hub.bin, {
      args: ["-c", `${dir}/thief.conf`],
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  await until(() => healthy(`http://127.0.0.1:${httpPort}`), "the thief's server to start");
  await using local = await natsConnect({
    servers: `127.0.0.1:${port}`,
    user: "sys",
    pass: "sys",
  });
  const seen: string[] = [];
  // Interest in claims updates (a resolver's), and in the hub's events and requests about OPS
  // (the thief's server has no OPS account: whatever arrives there came from the hub).
  const opsKey = (await (await hub.controller()).account("OPS")).publicKey;
  for (
    const subject of [
      "$SYS.REQ.CLAIMS.UPDATE",
      `$SYS.ACCOUNT.${opsKey}.>`,
      `$SYS.REQ.ACCOUNT.${opsKey}.>`,
    ]
  ) {
    local.subscribe(subject, {
      callback: (_e, m) => {
        seen.push(m.subject);
      },
    });
  }
  await local.flush();
  const sysLinks = async (url: string) =>
    ((await (await fetch(`${url}/leafz?subs=1`)).json()).leafs ?? []) as {
      name?: string;
      account: string;
      in_msgs: number;
      out_msgs: number;
      subscriptions_list?: string[];
    }[];
  const sysKey = (await hub.controller().then((c) => c.account("SYS"))).publicKey;
  // nats-server 2.9 names no leaf node in /leafz: there the thief's is the only link left.
  const isThief = (l: { name?: string; account: string }) =>
    l.account === sysKey && (l.name === "thief" || l.name === undefined);
  await until(
    async () =>
      (await sysLinks(hub.monitorUrl)).some((l) =>
        isThief(l) && (l.subscriptions_list ?? []).includes("$SYS.REQ.CLAIMS.UPDATE")
      ),
    "the thief's claims link with its interest in claims updates",
  ).catch((e) => {
    throw new Error(`${e.message}\n${thief.output().stderr.slice(-2000)}`);
  });
  const thiefLink = async () => (await sysLinks(hub.monitorUrl)).find(isThief)!;
  // What the thief publishes into its system account (a claims update replaying the OPS JWT of
  // its bundle, a server ping, OPS's connections) stays on its server.
  const opsJwt = leafConf.match(new RegExp(`${opsKey}: (eyJ\\S+)`))?.[1];
  assert.ok(opsJwt !== undefined);
  local.publish("$SYS.REQ.CLAIMS.UPDATE", opsJwt);
  local.publish("$SYS.REQ.SERVER.PING", "");
  local.publish(`$SYS.REQ.ACCOUNT.${opsKey}.CONNZ`, "");
  await local.flush();
  seen.length = 0; // its own publishes, delivered to itself
  const thiefOut = (await sysLinks(`http://127.0.0.1:${httpPort}`))[0]!;
  assert.equal(thiefOut.out_msgs, 0, "the thief's server sent messages over the claims link");

  // A unit connects on the hub (a $SYS.ACCOUNT.….CONNECT event there), then a claims update: the
  // update reaches the thief, the event never does.
  await using dashboardSys = await natsConnect({ servers: hub.url, ...hub.users.sys.nats });
  const events = dashboardSys.subscribe("$SYS.ACCOUNT.*.CONNECT");
  await dashboardSys.flush();
  const unit = await hub.unit("press-9", { role: "app" });
  await using _u = await connect({ servers: hub.url, ...unit.client });
  for await (const _m of events) break;
  await (await hub.controller()).revoke("OPS", { unitId: "press-9" }, "test");
  await until(() => seen.includes("$SYS.REQ.CLAIMS.UPDATE"), "the claims update at the thief");
  assert.deepEqual([...new Set(seen)], ["$SYS.REQ.CLAIMS.UPDATE"]);
  assert.equal((await thiefLink()).in_msgs, 0, "the hub took messages from the claims link");
});

/** The router's leaf server again, from its bundle's directory, on the same ports. */
async function startAgain(bin: string, leaf: LeafNode) {
  const process = spawnProcess(
    tiedCommand(bin, {
      args: ["-c", `${leaf.dir}/leaf.conf`],
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }),
  );
  await until(() => healthy(leaf.monitorUrl), "the leaf server to start again");
  return { url: leaf.url, [Symbol.asyncDispose]: () => process.stop().then(() => {}) };
}

/** Whether a nats-server's monitoring port answers /healthz. */
async function healthy(monitorUrl: string): Promise<boolean> {
  try {
    const r = await fetch(`${monitorUrl}/healthz`);
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}
