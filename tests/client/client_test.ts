import assert from "node:assert/strict";
import {
  backoffAfter,
  backoffDelay,
  ClientClosedError,
  connect,
  decodeMessage,
  HEADERS,
  heartbeatSchema,
  InvalidOptionError,
  InvalidPayloadError,
  InvalidSubjectError,
  InvalidUnitIdError,
  logSchema,
  type Msg,
  NoRespondersError,
  type NunectClient,
  PayloadTooLargeError,
  RequestTimeoutError,
  subjects,
  VERSION,
} from "../../mods/client/mod.ts";
import { type NatsServer, PROJECT_DIR, startNats, until } from "../_kit/mod.ts";

/** Collects messages of a subscription until `n` arrived (rejects after `ms`). */
function collect(client: NunectClient, subject: string, n: number, ms = 5000): Promise<Msg[]> {
  const got: Msg[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`Got ${got.length} of ${n} messages on ${subject}`));
    }, ms);
    const sub = client.subscribe(subject, (m) => {
      got.push(m);
      if (got.length === n) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(got);
      }
    });
  });
}

async function pair(ns: NatsServer, url: string): Promise<[NunectClient, NunectClient]> {
  const a = await connect({ servers: url, unitId: "unit-a", creds: ns.users.ops.creds });
  const b = await connect({ servers: url, unitId: "unit-b", creds: ns.users.ops.creds });
  return [a, b];
}

for (const transport of ["tcp", "ws"] as const) {
  Deno.test(`${transport}: publish adds X-Unit-ID, X-TX-Timestamp (ns) and X-Seq to every payload kind`, async () => {
    await using ns = await startNats();
    const [a, b] = await pair(ns, transport === "tcp" ? ns.url : ns.wsUrl);
    await using _a = a;
    await using _b = b;
    const arrived = collect(b, "app.data", 4);
    await b.flush();
    const before = BigInt(Date.now()) * 1_000_000n;
    a.publish("app.data", { n: 1, s: "x" });
    a.publish("app.data", "plain text");
    a.publish("app.data", new Uint8Array([0, 1, 2, 255]));
    a.publish("app.data", [1, 2], { headers: { "X-Custom": "yes", [HEADERS.unitId]: "spoof" } });
    const msgs = await arrived;
    const after = BigInt(Date.now()) * 1_000_000n;
    assert.deepEqual(msgs[0]!.json(), { n: 1, s: "x" });
    assert.equal(msgs[1]!.string(), "plain text");
    assert.deepEqual([...msgs[2]!.data], [0, 1, 2, 255]);
    assert.deepEqual(msgs[3]!.json(), [1, 2]);
    assert.equal(msgs[3]!.headers?.get("X-Custom"), "yes");
    msgs.forEach((m, i) => {
      assert.equal(m.headers?.get(HEADERS.unitId), "unit-a", "the client's own unit ID wins");
      assert.equal(m.headers?.get(HEADERS.seq), String(i + 1));
      const tx = BigInt(m.headers!.get(HEADERS.txTimestamp));
      assert.ok(tx >= before - 2_000_000n && tx <= after + 2_000_000n, `tx ${tx} in range`);
    });
    assert.equal(a.seq, 4);
  });

  Deno.test(`${transport}: request-reply, RTT and echo through ops.echo.<unit>`, async () => {
    await using ns = await startNats();
    const [a, b] = await pair(ns, transport === "tcp" ? ns.url : ns.wsUrl);
    await using _a = a;
    await using _b = b;
    b.subscribe("svc.upper", (m) => m.respond(new TextEncoder().encode(m.string().toUpperCase())));
    b.serveEcho();
    await b.flush();
    const reply = await a.request("svc.upper", "hello", { timeoutMs: 2000 });
    assert.equal(reply.string(), "HELLO");

    const rtt = await a.rtt();
    assert.ok(Number.isInteger(rtt) && rtt > 0 && rtt < 1_000_000, `rtt ${rtt} µs`);
    const appRtt = await a.echo("unit-b");
    assert.ok(Number.isInteger(appRtt) && appRtt > 0, `echo ${appRtt} µs`);

    const echoed = await a.request(subjects.echo("unit-b"), { probe: 7 }, {
      headers: { "X-Probe": "p" },
    });
    assert.deepEqual(echoed.json(), { probe: 7 }, "reply is the request payload");
    assert.equal(echoed.headers?.get("X-Probe"), "p", "headers are echoed");
    assert.equal(echoed.headers?.get(HEADERS.unitId), "unit-a");
    const tx = BigInt(echoed.headers!.get(HEADERS.txTimestamp));
    const rx = BigInt(echoed.headers!.get(HEADERS.rxTimestamp));
    assert.ok(rx >= tx - 1_000_000n, "X-RX-Timestamp is the receive time");
    await assert.rejects(a.echo("nobody-here"), NoRespondersError);
  });
}

Deno.test("wildcards: * matches one token, > the rest", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  const star: string[] = [];
  const tail: string[] = [];
  b.subscribe("w.*.x", (m) => void star.push(m.subject));
  b.subscribe("w.>", (m) => void tail.push(m.subject));
  await b.flush();
  for (const s of ["w.1.x", "w.2.x", "w.1.y", "w.1.x.z", "v.1.x"]) a.publish(s, s);
  await a.flush();
  await b.flush();
  assert.deepEqual(star.sort(), ["w.1.x", "w.2.x"]);
  assert.deepEqual(tail.sort(), ["w.1.x", "w.1.x.z", "w.1.y", "w.2.x"]);
});

Deno.test("queue groups: each message reaches exactly one member", async () => {
  await using ns = await startNats();
  const pub = await connect({ servers: ns.url, unitId: "pub", creds: ns.users.ops.creds });
  await using _p = pub;
  const members = await Promise.all(
    [0, 1, 2].map((i) =>
      connect({ servers: ns.url, unitId: `worker-${i}`, creds: ns.users.ops.creds })
    ),
  );
  const seen: number[][] = [[], [], []];
  members.forEach((m, i) =>
    m.subscribe("jobs", (msg) => void seen[i]!.push(msg.json<number>()), {
      queue: "workers",
    })
  );
  await Promise.all(members.map((m) => m.flush()));
  for (let n = 0; n < 90; n++) pub.publish("jobs", n);
  await pub.flush();
  await Promise.all(members.map((m) => m.flush()));
  const all = seen.flat().sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 90 }, (_, n) => n), "each job exactly once");
  assert.ok(seen.filter((s) => s.length > 0).length >= 2, "spread over the group");
  await Promise.all(members.map((m) => m.close()));
});

Deno.test("subscribe without handler is an async iterator; unsubscribe stops delivery", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  const sub = b.subscribe("it.x", { max: 3 });
  await b.flush();
  for (let i = 0; i < 5; i++) a.publish("it.x", i);
  const got: number[] = [];
  for await (const m of sub) got.push(m.json<number>());
  assert.deepEqual(got, [0, 1, 2]);

  let count = 0;
  const sub2 = b.subscribe("it.y", () => void count++);
  await b.flush();
  a.publish("it.y", 1);
  await a.flush();
  await b.flush();
  sub2.unsubscribe();
  await b.flush();
  a.publish("it.y", 2);
  await a.flush();
  await b.flush();
  assert.equal(count, 1);
});

Deno.test("request: a timeout and no responders are distinct typed errors", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  b.subscribe("svc.silent", () => {}); // listens, never answers
  await b.flush();
  await assert.rejects(
    a.request("svc.silent", "x", { timeoutMs: 150 }),
    (e: unknown) =>
      e instanceof RequestTimeoutError && /"svc\.silent" timed out after 150 ms/.test(e.message),
  );
  await assert.rejects(
    a.request("svc.nobody", "x", { timeoutMs: 2000 }),
    (e: unknown) =>
      e instanceof NoRespondersError && /No responders for "svc\.nobody"/.test(e.message),
  );
});

Deno.test("heartbeat: schema-valid, clock headers, seq counts up, stop() stops", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  const arrived = collect(b, subjects.all.heartbeat, 3);
  await b.flush();
  const hb = a.startHeartbeat({
    intervalMs: 30,
    kind: "guardian",
    version: "9.9.9",
    host: "host-1",
    clock: () => ({ source: "ntp", quality: "tracking" }),
  });
  const msgs = await arrived;
  hb.stop();
  const seqAtStop = hb.seq;
  msgs.forEach((m, i) => {
    assert.equal(m.subject, "ops.heartbeat.unit-a");
    const d = decodeMessage(heartbeatSchema, m.data);
    assert.ok(d.ok, d.ok ? "" : d.error);
    assert.equal(d.value.seq, i);
    assert.equal(d.value.kind, "guardian");
    assert.equal(d.value.host, "host-1");
    assert.deepEqual(d.value.clock, { source: "ntp", quality: "tracking" });
    assert.equal(m.headers?.get(HEADERS.clockSource), "ntp");
    assert.equal(m.headers?.get(HEADERS.clockQuality), "tracking");
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hb.seq, seqAtStop, "no beats after stop()");
  assert.throws(() => a.startHeartbeat({ intervalMs: 1 }), InvalidOptionError);
  assert.throws(() => a.startHeartbeat({ host: "h".repeat(300) }), InvalidOptionError);
});

Deno.test("logger: publishes logSchema records on ops.log.<level>.<unit> from the minimum level", async () => {
  await using ns = await startNats();
  const a = await connect({
    servers: ns.url,
    unitId: "logger-1",
    logLevel: "info",
    creds: ns.users.ops.creds,
  });
  const b = await connect({ servers: ns.url, unitId: "reader", creds: ns.users.ops.creds });
  await using _a = a;
  await using _b = b;
  const arrived = collect(b, subjects.all.log, 3);
  await b.flush();
  a.logger.debug("not sent");
  a.logger.info("started", { port: 1 });
  a.logger.warn("careful");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  a.logger.error("broken", cyclic);
  const msgs = await arrived;
  assert.deepEqual(msgs.map((m) => m.subject), [
    "ops.log.info.logger-1",
    "ops.log.warn.logger-1",
    "ops.log.error.logger-1",
  ]);
  const records = msgs.map((m) => {
    const d = decodeMessage(logSchema, m.data);
    assert.ok(d.ok, d.ok ? "" : d.error);
    return d.value;
  });
  assert.deepEqual(records[0]!.fields, { port: 1 });
  assert.equal(records[1]!.fields, undefined);
  assert.match(String(records[2]!.fields?.unserialisable), /Fields dropped/);
  a.logger.level = "debug";
  const more = collect(b, "ops.log.debug.logger-1", 1);
  await b.flush();
  a.logger.debug("now sent");
  assert.equal((await more)[0]!.json<{ msg: string }>().msg, "now sent");
});

Deno.test("status: iterator starts with connected, events and iterator end with closed", async () => {
  await using ns = await startNats();
  const a = await connect({ servers: ns.url, unitId: "st", creds: ns.users.ops.creds });
  const seen: string[] = [];
  const iterated = (async () => {
    for await (const s of a.status()) seen.push(s.type);
  })();
  let closedEvents = 0;
  a.on("closed", () => void closedEvents++);
  assert.equal(a.state, "connected");
  await a.close();
  await iterated;
  assert.deepEqual(seen, ["connected", "closed"]);
  assert.equal(closedEvents, 1);
  assert.equal(a.state, "closed");
  assert.throws(() => a.publish("x", 1), ClientClosedError);
});

Deno.test("bad input: typed errors naming the value, and nothing is sent", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  const spy: string[] = [];
  b.subscribe(">", (m) => void spy.push(m.subject));
  await b.flush();

  for (
    const [unitId, why] of [
      ["a.b", /"a\.b": dots are not allowed/],
      ["*", /wildcards are not allowed/],
      ["", /it is empty/],
      ["a b", /white space is not allowed/],
    ] as const
  ) {
    await assert.rejects(
      connect({ servers: ns.url, unitId, creds: ns.users.ops.creds }),
      (e: unknown) => e instanceof InvalidUnitIdError && why.test(e.message),
    );
  }
  for (
    const [subject, why] of [
      ["a b", /"a b": white space/],
      ["a..b", /"a\.\.b": token 2 is empty/],
      ["", /it is empty/],
      ["a.", /token 2 is empty/],
      ["a.*", /wildcards are only allowed when subscribing/],
    ] as const
  ) {
    assert.throws(
      () => a.publish(subject, 1),
      (e: unknown) => e instanceof InvalidSubjectError && why.test(e.message),
    );
    await assert.rejects(a.request(subject, 1), InvalidSubjectError);
  }
  assert.throws(() => b.subscribe("a b"), InvalidSubjectError);
  assert.throws(() => b.subscribe("a.>.b"), InvalidSubjectError);
  assert.throws(() => b.subscribe("ok", () => {}, { queue: "q q" }), InvalidOptionError);

  const cyclic: Record<string, unknown> = {};
  cyclic.me = cyclic;
  assert.throws(
    () => a.publish("x.y", cyclic),
    (e: unknown) =>
      e instanceof InvalidPayloadError &&
      /Invalid payload for "x\.y": cannot serialise/.test(e.message),
  );
  assert.throws(() => a.publish("x.y", { n: 1n }), InvalidPayloadError);
  assert.throws(() => a.publish("x.y", () => 1), /a function has no JSON form/);
  await assert.rejects(a.request("x.y", cyclic), InvalidPayloadError);

  const max = a.info!.max_payload;
  assert.throws(
    () => a.publish("x.big", new Uint8Array(max + 1)),
    (e: unknown) =>
      e instanceof PayloadTooLargeError && new RegExp(`"x\\.big".*allows ${max}`).test(e.message),
  );
  // Exactly at the limit without headers is still too large once the standard headers are added.
  assert.throws(() => a.publish("x.big", new Uint8Array(max)), PayloadTooLargeError);

  await assert.rejects(
    connect({ servers: "http://127.0.0.1:1", unitId: "u" }),
    (e: unknown) => e instanceof InvalidOptionError && /"http:\/\/127\.0\.0\.1:1"/.test(e.message),
  );
  await assert.rejects(
    connect({ servers: [ns.url, ns.wsUrl], unitId: "u" }),
    /cannot be mixed/,
  );
  await assert.rejects(
    connect({ servers: ns.url, unitId: "u", user: "x", pass: "y", token: "t" }),
    /user, token given, at most one method/,
  );
  await assert.rejects(connect({ servers: ns.url, unitId: "u", nkeySeed: "SAxx" }), /"SU"/);
  await assert.rejects(connect({ servers: ns.url, unitId: "u", creds: "nope" }), /\.creds file/);
  await assert.rejects(connect({ servers: [], unitId: "u" }), InvalidOptionError);

  await a.flush();
  await b.flush();
  assert.deepEqual(spy, [], "nothing reached the server");
  assert.equal(a.seq, 0, "no sequence number was used");
});

Deno.test("50 concurrent clients publish, echo and are all seen", async () => {
  await using ns = await startNats();
  const watcher = await connect({ servers: ns.url, unitId: "watcher", creds: ns.users.ops.creds });
  await using _w = watcher;
  const units = new Set<string>();
  watcher.subscribe("fleet.hello", (m) => void units.add(m.headers!.get(HEADERS.unitId)));
  watcher.serveEcho();
  await watcher.flush();
  const clients = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      connect({
        servers: i % 2 === 0 ? ns.url : ns.wsUrl,
        unitId: `fleet-${i}`,
        creds: ns.users.ops.creds,
      })),
  );
  await Promise.all(clients.map(async (c) => {
    c.publish("fleet.hello", { unit: c.unitId });
    await c.echo("watcher");
  }));
  await watcher.flush();
  assert.equal(units.size, 50);
  const connz = await (await fetch(`${ns.monitorUrl}/connz?limit=100`)).json();
  assert.ok(connz.num_connections >= 51, `server sees ${connz.num_connections} connections`);
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("VERSION equals the version in deno.json", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
  assert.equal(VERSION, denoJson.version);
});

Deno.test("drain: handlers finish what arrived, then the client is closed", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  const done: number[] = [];
  b.subscribe("slow.work", async (m) => {
    await new Promise((r) => setTimeout(r, 5));
    done.push(m.json<number>());
  });
  await b.flush();
  for (let i = 0; i < 10; i++) a.publish("slow.work", i);
  await a.flush();
  await b.flush();
  await b.drain();
  assert.equal(b.state, "closed");
  assert.equal(done.length, 10);
  await assert.rejects(b.flush(), ClientClosedError);
});

Deno.test("a handler that throws or rejects is reported as an error event, delivery goes on", async () => {
  await using ns = await startNats();
  const [a, b] = await pair(ns, ns.url);
  await using _a = a;
  await using _b = b;
  const errors: string[] = [];
  b.on("error", (e) => void errors.push(e.error!.message));
  const seen: number[] = [];
  b.subscribe("h.x", (m) => {
    const n = m.json<number>();
    seen.push(n);
    if (n === 1) throw new Error("sync boom");
  });
  b.subscribe("h.y", async () => {
    await Promise.resolve();
    throw new Error("async boom");
  });
  await b.flush();
  for (const n of [1, 2]) a.publish("h.x", n);
  a.publish("h.y", 0);
  await a.flush();
  await b.flush();
  await until(() => errors.length === 2, "both handler errors reported");
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(errors.sort(), ["async boom", "sync boom"]);
});

Deno.test("reconnect backoff: quick after a blip, gentle in a long outage, always jittered", async () => {
  const policy = { initialMs: 500, factor: 2, maxMs: 10_000, jitterMs: 1000 };
  assert.equal(backoffDelay(1, policy, 0), 500);
  assert.equal(backoffDelay(3, policy, 0), 2000);
  assert.equal(backoffDelay(60, policy, 0), 10_000);
  assert.equal(backoffDelay(60, policy, 0.5), 10_500);
  const waits = new Set(Array.from({ length: 20 }, () => backoffDelay(1, policy)));
  assert.ok(waits.size > 1, "random jitter");
  // Asked again and again while waiting (nats.js's dial loop), the wait follows the outage.
  assert.equal(backoffAfter(0, policy, 0), 500);
  assert.equal(backoffAfter(400, policy, 0), 500);
  assert.equal(backoffAfter(1600, policy, 0), 2000, "500 and 1000 ms have passed");
  assert.equal(backoffAfter(3_600_000, policy, 0), 10_000);
  await assert.rejects(
    connect({ servers: "nats://127.0.0.1:1", unitId: "u", reconnectMaxWaitMs: 10 }),
    /reconnectMaxWaitMs 10: must not be below reconnectTimeWaitMs 500/,
  );
});

Deno.test("retry: waits by the backoff, stops when told, gives up after its attempts", async () => {
  const { retry } = await import("../../mods/client/mod.ts");
  const waits: number[] = [];
  let n = 0;
  const value = await retry(
    () => ++n < 3 ? Promise.reject(new Error(`no ${n}`)) : Promise.resolve(n),
    {
      backoff: { initialMs: 1, factor: 2, maxMs: 3 },
      onError: (_e, _attempt, wait) => waits.push(wait),
    },
  );
  assert.equal(value, 3);
  assert.deepEqual(waits, [1, 2]);
  await assert.rejects(
    retry(() => Promise.reject(new Error("refused")), {
      backoff: { initialMs: 1, factor: 1, maxMs: 1 },
      onError: (e) => {
        throw new Error(`fatal: ${(e as Error).message}`);
      },
    }),
    /fatal: refused/,
  );
  let tries = 0;
  await assert.rejects(
    retry(() => Promise.reject(new Error(`try ${++tries}`)), {
      backoff: { initialMs: 1, factor: 1, maxMs: 1 },
      attempts: 3,
    }),
    /try 3/,
  );
});
