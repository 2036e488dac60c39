import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { needs, serverHas, startNats, until } from "../_kit/mod.ts";
import { get, type Login, login, testDashboard } from "./_harness.ts";

type App = Awaited<ReturnType<typeof testDashboard>>["app"];

/** POSTs JSON as the logged-in browser (same origin, CSRF token). */
function post(app: App, s: Login, path: string, body: unknown = {}): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: {
      cookie: s.cookie,
      origin: "http://localhost",
      "x-csrf-token": s.csrf,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  }));
}

async function json<T = Record<string, unknown>>(res: Response | Promise<Response>, status = 200) {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return JSON.parse(text) as T;
}

/** Reads Server-Sent Events until `until` matches one; returns every event seen. */
async function events(
  res: Response,
  until: (event: string, data: string) => boolean,
): Promise<{ event: string; data: string }[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: { event: string; data: string }[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = frame.match(/^event: (.*)$/m)?.[1] ?? "message";
      const data = frame.match(/^data: (.*)$/m)?.[1] ?? "";
      seen.push({ event, data });
      if (until(event, data)) {
        await reader.cancel();
        return seen;
      }
    }
  }
  return seen;
}

const opts = { TELEMETRY_HISTORY_MAX_MB: "32" };

Deno.test("console API: streams, messages, search, export, purge, consumers — no consumer added by reading", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, opts);
  const s = await login(d.app);
  const base = "/api/streams/BRIDGE/ORDERS";

  await t.step("create a stream; bad fields come back by name", async () => {
    const bad = await json<{ error: { issues: { path: string }[] } }>(
      post(d.app, s, "/api/streams/BRIDGE", {
        name: "ORDERS",
        subjects: ["orders.>"],
        max_age: "soon",
      }),
      400,
    );
    assert.deepEqual(bad.error.issues.map((i) => i.path), ["max_age"]);
    const row = await json(post(d.app, s, "/api/streams/BRIDGE", {
      name: "ORDERS",
      subjects: ["orders.>"],
      max_age: "1h",
    }));
    assert.equal(row.name, "ORDERS");
    const clash = await json<{ error: { field: string; message: string } }>(
      post(d.app, s, "/api/streams/BRIDGE", { name: "CLASH", subjects: ["orders.eu"] }),
      400,
    );
    assert.equal(clash.error.field, "subjects");
    assert.match(clash.error.message, /subjects overlap/);
  });

  await t.step("publish in the chosen account with that account's credentials", async () => {
    for (let i = 1; i <= 120; i++) {
      const r = await json(post(d.app, s, "/api/publish/BRIDGE", {
        subject: `orders.${i % 2 ? "eu" : "us"}`,
        headers: [["X-Kind", i % 10 ? "sale" : "refund"]],
        payload: JSON.stringify({ i, note: i % 10 ? "ok" : "refund" }),
      }));
      assert.deepEqual([r.stream, r.seq], ["ORDERS", i]);
    }
    const refused = await json<{ error: { message: string } }>(
      post(d.app, s, "/api/publish/BRIDGE", { subject: "$JS.API.STREAM.DELETE.ORDERS" }),
      403,
    );
    assert.match(refused.error.message, /is reserved/);
    // The OPS account has no ORDERS: the publish acted in BRIDGE only.
    await json(get(d.app, s, "/api/streams/OPS/ORDERS"), 404);
  });

  await t.step("browse by sequence and by time, forward and backward; view a message", async () => {
    const first = await json<{ messages: { seq: number; time: string }[]; next: number }>(
      get(d.app, s, `${base}/messages?seq=1`),
    );
    assert.equal(first.messages.length, 50);
    assert.equal(first.next, 51);
    const back = await json<{ messages: { seq: number }[] }>(
      get(d.app, s, `${base}/messages?direction=backward`),
    );
    assert.deepEqual(back.messages.map((m) => m.seq).slice(0, 2), [71, 72]);
    const t60 = (await json<{ time: string }>(get(d.app, s, `${base}/messages/60`))).time;
    const byTime = await json<{ messages: { seq: number }[] }>(
      get(d.app, s, `${base}/messages?time=${encodeURIComponent(t60)}&limit=2`),
    );
    assert.deepEqual(byTime.messages.map((m) => m.seq), [60, 61]);
    const eu = await json<{ messages: { subject: string }[] }>(
      get(d.app, s, `${base}/messages?subject=orders.eu&limit=5`),
    );
    assert.ok(eu.messages.every((m) => m.subject === "orders.eu"));
    const view = await json<{ payload: { json: string }; natsCommands: { get: string } }>(
      get(d.app, s, `${base}/messages/10`),
    );
    assert.equal(view.payload.json, '{\n  "i": 10,\n  "note": "refund"\n}');
    assert.equal(view.natsCommands.get, "nats stream get ORDERS 10");
    await json(get(d.app, s, `${base}/messages/9999`), 404);
    await json(get(d.app, s, `${base}/messages?limit=0`), 400);
  });

  await t.step("search streams progress and matches; export streams NDJSON and CSV", async () => {
    const res = await get(d.app, s, `${base}/search?text=refund&header=X-Kind`);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const seen = await events(res, (e) => e === "done");
    const matches = seen.filter((e) => e.event === "match").map((e) =>
      JSON.parse(e.data).message.seq
    );
    assert.deepEqual(matches, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    assert.equal(JSON.parse(seen.at(-1)!.data).scanned, 120);
    const nd = await get(d.app, s, `${base}/export?format=ndjson&subject=orders.us&limit=3`);
    assert.equal(nd.headers.get("content-type"), "application/x-ndjson");
    assert.match(nd.headers.get("content-disposition") ?? "", /ORDERS\.ndjson/);
    const lines = (await nd.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.seq), [2, 4, 6]);
    const csv = await (await get(d.app, s, `${base}/export?format=csv&fromSeq=1&toSeq=2`)).text();
    assert.equal(csv.split("\r\n")[0], "seq,subject,time,headers,encoding,data");
    assert.equal(csv.trim().split("\r\n").length, 3);
    await json(get(d.app, s, `${base}/export?format=xml`), 400);
  });

  await t.step(
    "after browsing, searching and exporting the stream has the consumers it had",
    async () => {
      const info = await json<
        { consumers: unknown[]; info: { state: { consumer_count: number } } }
      >(
        get(d.app, s, base),
      );
      assert.equal(info.info.state.consumer_count, 0);
      assert.deepEqual(info.consumers, []);
    },
  );

  await t.step("consumers: create, edit, delete", async () => {
    await json(post(d.app, s, `${base}/consumers`, { durable_name: "billing", ack_wait: "30s" }));
    const edited = await json(
      post(d.app, s, `${base}/consumers/billing/edit`, { max_ack_pending: 7 }),
    );
    assert.equal(edited.name, "billing");
    const c = await json<{ info: { config: { max_ack_pending: number } } }>(
      get(d.app, s, `${base}/consumers/billing`),
    );
    assert.equal(c.info.config.max_ack_pending, 7);
    const fixed = await json<{ error: { issues: { path: string }[] } }>(
      post(d.app, s, `${base}/consumers/billing/edit`, { ack_policy: "none" }),
      400,
    );
    assert.deepEqual(fixed.error.issues.map((i) => i.path), ["ack_policy"]);
    await json(post(d.app, s, `${base}/consumers/billing/delete`));
  });

  await t.step("replay: dry run counts, replay publishes", async () => {
    await json(post(d.app, s, "/api/streams/BRIDGE", { name: "REFUNDS", subjects: ["refunds.>"] }));
    const dry = await json(post(d.app, s, `${base}/replay`, {
      criteria: { text: "refund" },
      options: { to: "refunds.all", dryRun: true },
    }));
    assert.deepEqual([dry.matched, dry.published], [12, 0]);
    const run = await json(post(d.app, s, `${base}/replay`, {
      criteria: { text: "refund" },
      options: { to: "refunds.all", ratePerSecond: 10_000 },
    }));
    assert.equal(run.published, 12);
  });

  await t.step("purge: the estimate names what goes; then purge", async () => {
    const est = await json(get(d.app, s, `${base}/purge?subject=orders.eu&keep=10`));
    assert.equal(
      est.description,
      'Purge 50 messages on orders.eu from "ORDERS", keeping the newest 10',
    );
    const done = await json(post(d.app, s, `${base}/purge`, { subject: "orders.eu", keep: 10 }));
    assert.equal(done.purged, 50);
  });

  await t.step(
    "consumer pause: done on servers that have it, else 501 naming the version",
    async () => {
      await json(post(d.app, s, `${base}/consumers`, { durable_name: "w" }));
      const until = new Date(Date.now() + 3_600_000).toISOString();
      if (serverHas("consumer_pause")) {
        const r = await json(post(d.app, s, `${base}/consumers/w/pause`, { until }));
        assert.equal(r.paused, true);
      } else {
        const r = await json<{ error: { requires: string; message: string } }>(
          post(d.app, s, `${base}/consumers/w/pause`, { until }),
          501,
        );
        assert.equal(r.error.requires, "2.11.0");
        assert.match(r.error.message, /requires nats-server ≥ 2\.11\.0/);
      }
    },
  );

  await t.step(
    "dead letters: a terminated message is listed with why, in the API and the page",
    async () => {
      await json(post(d.app, s, "/api/dead-letters/BRIDGE/enable"));
      await json(post(d.app, s, `${base}/consumers`, { durable_name: "strict", ack_wait: "30s" }));
      const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats });
      try {
        const m = await (await jetstream(nc).consumers.get("ORDERS", "strict")).next({
          expires: 5000,
        });
        assert.ok(m, "a message for the consumer");
        if (serverHas("term_reason")) m.term("no such customer");
        else m.term(); // older servers ignore a reason (and then do not terminate)
        type Letters = { letters: { cause: string; reason: string | null; streamSeq: number }[] };
        let listed: Letters["letters"] = [];
        await until(async () => {
          listed = (await json<Letters>(get(d.app, s, "/api/dead-letters?account=BRIDGE"))).letters;
          return listed.length > 0;
        }, "the terminated message among BRIDGE's dead letters");
        const why = serverHas("term_reason") ? "no such customer" : null;
        assert.deepEqual(listed.map((l) => [l.cause, l.reason, l.streamSeq]), [
          ["terminated", why, m.seq],
        ]);
        const page = await (await get(d.app, s, "/dead-letters?account=BRIDGE")).text();
        assert.ok(page.includes(why ? `terminated: ${why}` : ">terminated<"), "why on the page");
      } finally {
        await nc.close();
      }
    },
  );

  await t.step("delete the stream", async () => {
    await json(post(d.app, s, `${base}/delete`));
    await json(get(d.app, s, base), 404);
  });
});

Deno.test("console API: KV put, history, revert, watch; object upload and download; services", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, opts);
  const s = await login(d.app);

  await t.step("KV", async () => {
    await json(post(d.app, s, "/api/kv/ENGINE", { bucket: "cfg", history: 5 }));
    const kv = "/api/kv/ENGINE/cfg";
    const r1 = await json(post(d.app, s, `${kv}/put?key=app.mode`, { value: "green" }));
    const r2 = await json(post(d.app, s, `${kv}/put?key=app.mode`, { value: "blue" }));
    assert.ok((r2.revision as number) > (r1.revision as number));
    const keys = await json<{ keys: { key: string; revision: number }[] }>(
      get(d.app, s, `${kv}/keys`),
    );
    assert.deepEqual(keys.keys.map((k) => [k.key, k.revision]), [["app.mode", r2.revision]]);
    const hist = await json<{ revision: number; value: { text: string } }[]>(
      get(d.app, s, `${kv}/history?key=app.mode`),
    );
    assert.deepEqual(hist.map((h) => h.value.text), ["blue", "green"]);
    await json(post(d.app, s, `${kv}/revert?key=app.mode`, { revision: r1.revision }));
    const now = await json<{ value: { text: string } }>(get(d.app, s, `${kv}/entry?key=app.mode`));
    assert.equal(now.value.text, "green");
    await json(get(d.app, s, `${kv}/entry`), 400);

    const watch = await get(d.app, s, `${kv}/watch?filter=app.>`);
    const change = events(watch, (e) => e === "change");
    // The watch subscribes once the stream starts; publish until it sees one.
    const nc = await connect({ servers: ns.url, ...(await ns.console("ENGINE")).nats });
    const js = jetstream(nc);
    let seen: { event: string; data: string }[] = [];
    const stop = setInterval(() => void js.publish("$KV.cfg.app.live", "1").catch(() => {}), 50);
    try {
      seen = await change;
    } finally {
      clearInterval(stop);
      await nc.close();
    }
    const u = JSON.parse(seen.at(-1)!.data);
    assert.equal(u.key, "app.live");
    assert.equal(u.operation, "PUT");
  });

  await t.step("objects", async () => {
    await json(post(d.app, s, "/api/objects/ENGINE", { bucket: "files" }));
    const content = new Uint8Array(300_000).map((_, i) => i % 251);
    const up = await d.app.request("/api/objects/ENGINE/files/upload?name=data.bin", {
      method: "POST",
      headers: { cookie: s.cookie, origin: "http://localhost", "x-csrf-token": s.csrf },
      body: content,
    });
    const info = await json<{ size: number }>(up);
    assert.equal(info.size, content.length);
    const down = await get(d.app, s, "/api/objects/ENGINE/files/download?name=data.bin");
    assert.deepEqual(new Uint8Array(await down.arrayBuffer()), content);
    const list = await json<{ objects: { name: string }[] }>(
      get(d.app, s, "/api/objects/ENGINE/files"),
    );
    assert.deepEqual(list.objects.map((o) => o.name), ["data.bin"]);
  });

  await t.step("services: list and call", async () => {
    const { Svcm } = await import("@nats-io/services");
    const nc = await connect({ servers: ns.url, ...(await ns.console("PROVISION")).nats });
    try {
      const svc = await new Svcm(nc as never).add({ name: "echo", version: "1.0.0" });
      svc.addEndpoint("say", {
        subject: "echo.say",
        handler: (_e, m) => void m.respond(`said ${m.string()}`),
      });
      const list = await json<{ services: { account: string; name: string }[] }>(
        get(d.app, s, "/api/services"),
      );
      assert.ok(list.services.some((x) => x.account === "PROVISION" && x.name === "echo"));
      const reply = await json<{ payload: { text: string } }>(
        post(d.app, s, "/api/services/PROVISION/call", {
          service: "echo",
          endpoint: "say",
          payload: "hi",
        }),
      );
      assert.equal(reply.payload.text, "said hi");
      await svc.stop();
    } finally {
      await nc.close();
    }
  });
});

Deno.test("console API: login, CSRF and accounts guard every action", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns, opts);
  const anonymous = await d.app.request("/api/streams", {
    headers: { accept: "application/json" },
  });
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const s = await login(d.app);
  const noCsrf = await d.app.request("/api/publish/BRIDGE", {
    method: "POST",
    headers: { cookie: s.cookie, origin: "http://localhost", "content-type": "application/json" },
    body: JSON.stringify({ subject: "x", payload: "y" }),
  });
  assert.equal(noCsrf.status, 403);
  await noCsrf.body?.cancel();
  const foreign = await d.app.request("/api/publish/BRIDGE", {
    method: "POST",
    headers: {
      cookie: s.cookie,
      origin: "https://evil.example",
      "x-csrf-token": s.csrf,
      "content-type": "application/json",
    },
    body: JSON.stringify({ subject: "x", payload: "y" }),
  });
  assert.equal(foreign.status, 403);
  await foreign.body?.cancel();
  // The console has no SYS credentials to act with: SYS is not one of its accounts.
  const sys = await json<{ error: { message: string } }>(
    post(d.app, s, "/api/publish/SYS", { subject: "x", payload: "y" }),
    404,
  );
  assert.match(sys.error.message, /Account "SYS" not found among the console's accounts/);
  // A publish in BRIDGE reaches BRIDGE's subscribers only.
  const engine = await connect({ servers: ns.url, ...(await ns.console("ENGINE")).nats });
  const bridge = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats });
  try {
    const inEngine = engine.subscribe("secret.>");
    const inBridge = bridge.subscribe("secret.>", { max: 1 });
    await engine.flush();
    await bridge.flush();
    await json(post(d.app, s, "/api/publish/BRIDGE", { subject: "secret.x", payload: "1" }));
    for await (const m of inBridge) assert.equal(m.string(), "1");
    await engine.flush();
    assert.equal(inEngine.getReceived(), 0);
  } finally {
    await engine.close();
    await bridge.close();
  }
});

Deno.test({
  name: needs("consumer_reset", "console API: consumer reset"),
  ignore: !serverHas("consumer_reset"),
  fn: async () => {
    await using ns = await startNats();
    await using d = await testDashboard(ns, opts);
    const s = await login(d.app);
    await json(post(d.app, s, "/api/streams/BRIDGE", { name: "R", subjects: ["r.>"] }));
    await json(post(d.app, s, "/api/streams/BRIDGE/R/consumers", { durable_name: "w" }));
    const r = await json(post(d.app, s, "/api/streams/BRIDGE/R/consumers/w/reset", { seq: 1 }));
    assert.equal(r.name, "w");
  },
});
