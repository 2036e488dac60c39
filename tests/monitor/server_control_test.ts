// The ≥ 2.10 server actions over $SYS (KICK, LDM, RELOAD, PROFILEZ, IDZ, EXPVARZ), /healthz
// details and the LAMEDUCK event, against the current server; on Debian's 2.9.10 each says which
// release it needs and sends nothing.
import assert from "node:assert/strict";
import { relative } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  compareVersions,
  type ConnectionEvent,
  FeatureUnavailableError,
  MonitorClient,
  ServerActionError,
  ServerControl,
  type ServerRef,
  SysMonitor,
} from "../../mods/monitor/mod.ts";
import {
  firstEvent,
  type NatsServer,
  PROJECT_DIR,
  startCluster,
  startNats,
  until,
} from "../_kit/mod.ts";

const has = (ns: NatsServer, v: string) => compareVersions(ns.version, v) >= 0;

async function serverRef(sys: SysMonitor): Promise<ServerRef> {
  const [v] = await sys.ping("VARZ", { expected: 1 });
  return { id: v!.server!.id, name: v!.server!.name, version: v!.server!.ver };
}

const waitEvent = (sys: SysMonitor, match: (e: ConnectionEvent) => boolean, what: string) =>
  firstEvent<ConnectionEvent>((l) => sys.onEvent(l), match, what, 10_000);

Deno.test("KICK disconnects one client (reason Kicked); LDM sends it the lame-duck notice", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  await using sys = new SysMonitor(nc);
  await sys.ready();
  const control = new ServerControl(nc);
  const app = await connect({
    servers: ns.url,
    ...(await ns.unit("kick-me", { account: "BRIDGE" })).nats,
    name: "kick-me",
  });
  const statuses: string[] = [];
  (async () => {
    for await (const s of app.status()) statuses.push(s.type);
  })();
  try {
    const server = await serverRef(sys);
    const cid = app.info!.client_id;
    if (!has(ns, "2.10.0")) {
      const note = `requires nats-server ≥ 2.10.0 (server "${server.name}" runs 2.9.10)`;
      for (const act of [() => control.kick(server, cid), () => control.ldm(server, cid)]) {
        const e = await act().catch((e: unknown) => e);
        assert.ok(e instanceof FeatureUnavailableError && e.message.endsWith(note), String(e));
      }
      assert.equal(app.isClosed(), false, "nothing was sent");
      return;
    }
    await control.ldm(server, cid);
    await until(() => statuses.includes("ldm"), "the client's ldm status");
    const gone = waitEvent(
      sys,
      (e) => e.kind === "disconnect" && e.name === "kick-me",
      "DISCONNECT",
    );
    await control.kick(server, cid);
    const e = await gone;
    assert.equal(e.reason, "Kicked");
    assert.equal(e.cid, cid);
    await assert.rejects(
      control.kick(server, 999_999),
      (e: unknown) =>
        e instanceof ServerActionError &&
        e.message === `Server "${server.name}" refused KICK: no such client or leafnode id`,
    );
    await assert.rejects(control.kick(server, 0), RangeError);
  } finally {
    await app.close();
    await nc.close();
  }
});

Deno.test("RELOAD applies a changed configuration, and a broken one is refused with the parser's reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-reload-" });
  const conf = `${dir}/reload.conf`;
  const project = relative(dir, `${PROJECT_DIR}/config/nats-server.conf`);
  const write = (extra: string) => Deno.writeTextFile(conf, `include "${project}"\n${extra}\n`);
  try {
    await write("max_payload: 1048576");
    await using ns = await startNats({ configFile: conf });
    const nc = await connect({ servers: ns.url, ...ns.users.sys.nats });
    await using sys = new SysMonitor(nc);
    const control = new ServerControl(nc);
    const mon = new MonitorClient({ url: ns.monitorUrl });
    try {
      const server = await serverRef(sys);
      await write("max_payload: 524288");
      if (!has(ns, "2.10.0")) {
        await assert.rejects(control.reload(server), FeatureUnavailableError);
        assert.equal((await mon.varz()).max_payload, 1048576, "not reloaded");
        return;
      }
      await control.reload(server);
      assert.equal((await mon.varz()).max_payload, 524288);
      await write("max_payload: [unclosed");
      await assert.rejects(control.reload(server), (e: unknown) =>
        e instanceof ServerActionError &&
        /^Server ".+" refused RELOAD: Parse error on line 3: /.test(e.message));
      assert.equal((await mon.varz()).max_payload, 524288, "the running configuration stays");
    } finally {
      await nc.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PROFILEZ, IDZ and EXPVARZ from the server; /healthz details name the failing check", async () => {
  await using ns = await startNats();
  const nc: NatsConnection = await connect({ servers: ns.url, ...ns.users.sys.nats });
  await using sys = new SysMonitor(nc);
  const control = new ServerControl(nc);
  const mon = new MonitorClient({ url: ns.monitorUrl });
  try {
    const server = await serverRef(sys);
    const name = ns.env.NATS_SERVER_NAME!;
    if (!has(ns, "2.10.0")) {
      await assert.rejects(control.profile(server, "heap"), FeatureUnavailableError);
      // A missing feature really is missing: 2.9.10 answers neither IDZ nor EXPVARZ.
      assert.deepEqual(await control.idz(300), []);
      assert.deepEqual(await sys.ping("EXPVARZ", { windowMs: 300 }), []);
      return;
    }
    for (const p of ["heap", "goroutine"] as const) {
      const bytes = await control.profile(server, p);
      assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], `${p}: a gzip-compressed pprof profile`);
    }
    const cpu = await control.profile(server, "cpu", 1);
    assert.deepEqual([cpu[0], cpu[1]], [0x1f, 0x8b]);
    await assert.rejects(control.profile(server, "cpu", 30), RangeError);
    assert.deepEqual((await control.idz()).map((s) => [s.name, s.id]), [[name, server.id]]);
    const [exp] = await sys.ping("EXPVARZ", { expected: 1 });
    assert.ok(exp?.ok && (exp.data.memstats?.HeapInuse ?? 0) > 0, "Go memory statistics");
    assert.ok(exp.ok && exp.data.cmdline?.some((a) => a.endsWith("nats-server")));

    const missing = await mon.healthz({ details: true, account: "OPS", stream: "NOPE" });
    assert.notEqual(missing.status, "ok");
    assert.ok(missing.errors?.some((e) => e.account === "OPS"), JSON.stringify(missing));
    assert.equal((await mon.healthz({ details: true, jsMetaOnly: true })).status, "ok");
  } finally {
    await nc.close();
  }
});

Deno.test("a server entering lame-duck mode is an Activity event (LAMEDUCK; SHUTDOWN on 2.9)", async () => {
  await using cluster = await startCluster(2, { name: "ldm" });
  const [leaving, staying] = cluster.servers as [NatsServer, NatsServer];
  const nc = await connect({ servers: staying.url, ...cluster.users.sys.nats });
  await using sys = new SysMonitor(nc);
  await sys.ready();
  try {
    const kind = has(leaving, "2.10.0") ? "lame_duck" : "shutdown";
    const seen = waitEvent(sys, (e) => e.kind === kind, kind);
    Deno.kill(leaving.pid, "SIGUSR2"); // what `deno task nats ldm` sends
    const e = await seen;
    assert.equal(e.server, "ldm-1");
    assert.equal(e.version, leaving.version);
    assert.equal(sys.stats().serverEvents >= 1, true);
  } finally {
    await nc.close();
  }
});
