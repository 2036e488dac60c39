import assert from "node:assert/strict";
import { headers } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import {
  createStream,
  exportMessages,
  exportRecord,
  getMessage,
  REPLAY_HEADER,
  replayMessages,
  ReservedSubjectError,
  type ScanCriteria,
  scanRange,
  type SearchEvent,
  searchMessages,
  type StoredMessage,
  StreamReader,
} from "../../mods/jetstream/mod.ts";
import { ExportWriter } from "../../mods/jetstream/_export_writer.ts";
import { consumerNames, fill, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

/** 300 messages on s.a / s.b / s.c; every 10th carries X-Kind: refund and "refund" in its payload. */
async function seed(t: Awaited<ReturnType<typeof startJs>>) {
  const js = jetstream(t.nc);
  for (let i = 0; i < 300; i++) {
    const h = headers();
    h.set("X-Kind", i % 10 === 0 ? "refund" : "sale");
    await js.publish(
      `s.${"abc"[i % 3]}`,
      JSON.stringify({ i, note: i % 10 === 0 ? "refund" : "ok" }),
      {
        headers: h,
      },
    );
  }
  await js.publish("s.bin", new Uint8Array([0, 1, 2, 255]));
}

async function collect(it: AsyncIterable<SearchEvent>): Promise<SearchEvent[]> {
  const out: SearchEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const matches = (events: SearchEvent[]) =>
  events.flatMap((e) => (e.type === "match" ? [e.message.seq] : []));

Deno.test("search by subject, range, header and payload text, streamed and cancellable", async (t) => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  await seed(js);

  await t.step("payload text", async () => {
    const events = await collect(searchMessages(js.nc, "S", { text: "refund" }));
    assert.deepEqual(matches(events), Array.from({ length: 30 }, (_, i) => i * 10 + 1));
    const start = events[0]!;
    assert.equal(start.type, "start");
    if (start.type === "start") assert.equal(start.endSeq, 301);
    const done = events.at(-1)!;
    assert.deepEqual(done.type === "done" && [done.scanned, done.matched, done.truncated], [
      301,
      30,
      false,
    ]);
    assert.ok(events.some((e) => e.type === "progress"));
  });

  await t.step("subject filter, header value and sequence range together", async () => {
    const events = await collect(searchMessages(js.nc, "S", {
      subject: "s.a",
      header: { name: "x-kind", value: "ref" },
      fromSeq: 50,
      toSeq: 250,
    }));
    // s.a holds i % 3 == 0; refunds are i % 10 == 0: i = 60, 90, …, 240 → seq i + 1.
    assert.deepEqual(matches(events), [61, 91, 121, 151, 181, 211, 241]);
    const done = events.at(-1)!;
    assert.equal(done.type === "done" && done.scanned, 67, "only s.a messages in range are read");
  });

  await t.step("time range", async () => {
    const from = (await getMessage(ctx, "S", 100)).time;
    const to = (await getMessage(ctx, "S", 104)).time;
    const events = await collect(searchMessages(js.nc, "S", { fromTime: from, toTime: to }));
    assert.deepEqual(matches(events), [100, 101, 102, 103, 104]);
  });

  await t.step("limit truncates; bad criteria are named", async () => {
    const events = await collect(searchMessages(js.nc, "S", { text: "refund", limit: 3 }));
    assert.deepEqual(matches(events), [1, 11, 21]);
    const done = events.at(-1)!;
    assert.equal(done.type === "done" && done.truncated, true);
    await assert.rejects(
      collect(searchMessages(js.nc, "S", { fromTime: "yesterday", wat: 1 })),
      /fromTime: expected an RFC 3339 time.*Unrecognized key.*wat/s,
    );
  });

  await t.step("cancel", async () => {
    const ac = new AbortController();
    const it = searchMessages(js.nc, "S", { text: "refund" }, { signal: ac.signal });
    await it.next();
    ac.abort(new Error("stopped by user"));
    await assert.rejects(collect(it), /stopped by user/);
  });

  assert.deepEqual(await consumerNames(js.jsm, "S"), []);
});

Deno.test("export as NDJSON, JSON and CSV, streamed, with progress", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  await seed(js);

  const progress: number[] = [];
  const nd = await exportMessages(js.nc, "S", {}, { onProgress: (p) => progress.push(p.exported) });
  const lines = (await new Response(nd.body).text()).trimEnd().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(lines.length, 301);
  assert.deepEqual(lines[0], {
    seq: 1,
    subject: "s.a",
    time: lines[0].time,
    headers: [["X-Kind", "refund"]],
    encoding: "text",
    data: '{"i":0,"note":"refund"}',
  });
  assert.deepEqual(
    { encoding: lines[300].encoding, data: lines[300].data },
    { encoding: "base64", data: "AAEC/w==" },
  );
  assert.equal(progress.at(-1), 301);

  const json = await exportMessages(js.nc, "S", { subject: "s.b", limit: 5 }, { format: "json" });
  const arr = JSON.parse(await new Response(json.body).text());
  assert.deepEqual(arr.map((r: { seq: number }) => r.seq), [2, 5, 8, 11, 14]);

  const csv = await exportMessages(js.nc, "S", { text: "refund", limit: 2 }, { format: "csv" });
  assert.equal(
    await new Response(csv.body).text(),
    "seq,subject,time,headers,encoding,data\r\n" +
      `1,s.a,${
        lines[0].time
      },"[[""X-Kind"",""refund""]]",text,"{""i"":0,""note"":""refund""}"\r\n` +
      `11,s.b,${
        lines[10].time
      },"[[""X-Kind"",""refund""]]",text,"{""i"":10,""note"":""refund""}"\r\n`,
  );

  const empty = await exportMessages(js.nc, "S", { subject: "none" }, { format: "json" });
  assert.deepEqual(JSON.parse(await new Response(empty.body).text()), []);

  // A download that is abandoned stops the scan.
  const abandoned = await exportMessages(js.nc, "S", {});
  const reader = abandoned.body.getReader();
  await reader.read();
  await reader.cancel();
  assert.deepEqual(await consumerNames(js.jsm, "S"), []);
});

Deno.test("replay: dry run counts, replay is rate-limited, headers name the original", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  await createStream(ctx, { name: "OUT", subjects: ["out.>"] });
  await seed(js);

  assert.equal((await replayMessages(ctx, "S", { subject: "s.a" }, { dryRun: true })).matched, 100);
  const dry = await replayMessages(ctx, "S", { text: "refund" }, { dryRun: true });
  assert.deepEqual([dry.matched, dry.published, dry.dryRun], [30, 0, true]);
  assert.equal((await js.jsm.streams.info("OUT")).state.messages, 0);

  const r = await replayMessages(ctx, "S", { text: "refund" }, {
    to: "out.refunds",
    ratePerSecond: 300,
  });
  assert.deepEqual([r.matched, r.published], [30, 30]);
  // 30 messages at 300/s take at least ~100 ms: the limiter held them back.
  assert.ok(r.ms >= 90, `replay took ${r.ms} ms`);
  const copy = await getMessage(ctx, "OUT", 1);
  assert.equal(copy.subject, "out.refunds");
  assert.deepEqual(copy.headers, [["X-Kind", "refund"], [REPLAY_HEADER, "S:1"]]);

  // Into the same stream: the range was fixed at the start, so copies are not replayed again.
  const again = await replayMessages(ctx, "S", { subject: "s.c" }, { ratePerSecond: 100_000 });
  assert.equal(again.published, 100);
  assert.equal((await js.jsm.streams.info("S")).state.messages, 401);

  await assert.rejects(replayMessages(ctx, "S", {}, { to: "$KV.x.y" }), ReservedSubjectError);
  await assert.rejects(replayMessages(ctx, "S", {}, { ratePerSecond: 0 }), /ratePerSecond/);
  assert.deepEqual(await consumerNames(js.jsm, "S"), []);
});

Deno.test("export records written as bytes equal JSON.stringify of exportRecord", () => {
  const enc = new TextEncoder();
  const payloads = [
    enc.encode(""),
    enc.encode('{"a":"b\\\\c","q":"\\"x\\""}'),
    enc.encode("line 1\nline 2\r\n\ttab"),
    enc.encode("grüße, 日本, 🎉"),
    new Uint8Array([0, 1, 2, 255]), // binary
    new Uint8Array([0xc3, 0x28]), // invalid UTF-8
    enc.encode("bell \u0007 is a control character"),
  ];
  const w = new ExportWriter();
  payloads.forEach((data, i) => {
    const m = {
      seq: i + 1,
      subject: `s.${i}`,
      time: "2025-01-31T12:00:00.123456789Z",
      headers: i % 2 ? [["X-A", 'v"1'] as const] : [],
      data,
    };
    w.record(m);
    const got = new TextDecoder().decode(w.take());
    assert.equal(got, JSON.stringify(exportRecord(m)), `payload ${i}`);
    assert.deepEqual(JSON.parse(got), exportRecord(m));
  });
});

/** The CSV line of a record as RFC 4180 has it (the oracle for the byte writer's CSV). */
function csvOracle(m: StoredMessage): string {
  const q = (v: string) => /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  const r = exportRecord(m);
  return [
    m.seq,
    q(m.subject),
    m.time,
    q(JSON.stringify(m.headers)),
    r.encoding,
    q(r.data as string),
  ]
    .join(",") + "\r\n";
}

Deno.test("export from the wire: subjects, headers and payloads that need escaping", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  const enc = new TextEncoder();
  const cases: [string, [string, string][], Uint8Array][] = [
    ["s.plain", [], enc.encode("hello")],
    ['s.q"uo\\te', [["X-Q", 'say "hi"']], enc.encode('{"a":"b\\\\c"}')],
    ["s.comma,x", [["X-U", "grüße"]], enc.encode("a,b\r\nc\td")],
    ["s.grüße", [], enc.encode("日本 🎉")],
    ["s.bin", [["X-A", "1"], ["X-A", "2"]], new Uint8Array([0, 1, 2, 255])],
    ["s.bad", [], new Uint8Array([0xc3, 0x28])],
    ["s.del", [], enc.encode("del \u007f")],
    ["s.empty", [], new Uint8Array(0)],
  ];
  const pub = jetstream(js.nc);
  for (const [subject, hs, data] of cases) {
    const h = headers();
    for (const [k, v] of hs) h.append(k, v);
    await pub.publish(subject, data, hs.length ? { headers: h } : {});
  }
  // The oracle: each message read the plain way (one get, every field a string).
  const reader = new StreamReader(js.nc, "S");
  const plain = [];
  for (let seq = 1; seq <= cases.length; seq++) plain.push((await reader.get(seq))!);
  assert.deepEqual(plain.map((m) => m.subject), cases.map(([s]) => s));

  const text = async (format: "ndjson" | "json" | "csv") =>
    await new Response((await exportMessages(js.nc, "S", {}, { format })).body).text();
  assert.equal(
    await text("ndjson"),
    plain.map((m) => JSON.stringify(exportRecord(m)) + "\n").join(""),
  );
  assert.deepEqual(JSON.parse(await text("json")), plain.map(exportRecord));
  assert.equal(
    await text("csv"),
    "seq,subject,time,headers,encoding,data\r\n" + plain.map(csvOracle).join(""),
  );
  // Lazily read messages (what scans get) have the same fields as plain ones.
  const lazy: StoredMessage[] = [];
  await reader.read({ lazy: true }, (m) => void lazy.push(m));
  assert.deepEqual(
    lazy.map((m) => JSON.parse(JSON.stringify(m))),
    JSON.parse(JSON.stringify(plain)),
  );
  assert.deepEqual(
    lazy.map((m) => [m.seq, m.subject, m.time, m.headers]),
    plain.map((m) => [
      m.seq,
      m.subject,
      m.time,
      m.headers,
    ]),
  );
});

Deno.test("a scan over many batches reads every message once, in order, across gaps", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  const pub = jetstream(js.nc);
  for (let i = 1; i <= 60; i++) await pub.publish(`s.${i % 2 ? "odd" : "even"}`, String(i));
  // Gaps on and beside the boundaries of batches of 7 counted from 3: 10, 17, 24, …
  const gone = [9, 10, 16, 17, 18, 24, 31, 38, 39, 40, 41, 42, 43, 44, 45];
  for (const seq of gone) await js.jsm.streams.deleteMessage("S", seq, false);
  const scan = async (c: ScanCriteria, batchSize: number) => {
    const seqs: number[] = [];
    let scanned = 0;
    for await (
      const b of scanRange(
        js.nc,
        "S",
        { startSeq: 3, endSeq: 57, total: null },
        c,
        undefined,
        batchSize,
      )
    ) {
      seqs.push(...b.messages.map((m) => m.seq));
      scanned = b.scanned;
    }
    return { seqs, scanned };
  };
  const expected = Array.from({ length: 55 }, (_, i) => i + 3).filter((s) => !gone.includes(s));
  for (const size of [1, 7, 55, 100]) {
    assert.deepEqual(
      await scan({}, size),
      { seqs: expected, scanned: expected.length },
      `batches of ${size}`,
    );
  }
  const odd = expected.filter((s) => s % 2 === 1);
  assert.deepEqual((await scan({ subject: "s.odd" }, 4)).seqs, odd);
  assert.deepEqual(
    (await scan({ text: "5" }, 7)).seqs,
    expected.filter((s) => String(s).includes("5")),
  );
  // An export stopped by its limit in the middle of a batch ends there.
  const { body } = await exportMessages(js.nc, "S", { fromSeq: 3, limit: 12 }, {
    format: "ndjson",
  });
  const lines = (await new Response(body).text()).trimEnd().split("\n").map((l) =>
    JSON.parse(l).seq
  );
  assert.deepEqual(lines, expected.slice(0, 12));
  assert.deepEqual(await consumerNames(js.jsm, "S"), []);
});

Deno.test("exports across batches of 1,000: a JSON array whose first match is in a later batch, a limit inside a batch", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  await createStream(ctx, { name: "S", subjects: ["s.>"] });
  // Batches cover 1–1000, 1001–2000, 2001–2100; matches are 1501, 1601, …, 2001.
  await fill(
    js.nc,
    2100,
    (i) => `s.${i % 3}`,
    (i) => (i >= 1500 && i % 100 === 0 ? "needle" : "hay"),
  );
  const text = async (criteria: ScanCriteria, format: "ndjson" | "json" | "csv") =>
    await new Response((await exportMessages(js.nc, "S", criteria, { format })).body).text();
  const all = (await text({}, "ndjson")).trimEnd().split("\n").map((l) => JSON.parse(l).seq);
  assert.deepEqual(all, Array.from({ length: 2100 }, (_, i) => i + 1));
  const seqs = (json: string) => JSON.parse(json).map((r: { seq: number }) => r.seq);
  assert.deepEqual(seqs(await text({ text: "needle" }, "json")), [
    1501,
    1601,
    1701,
    1801,
    1901,
    2001,
  ]);
  assert.deepEqual(seqs(await text({ text: "needle", limit: 3 }, "json")), [1501, 1601, 1701]);
  const csv = (await text({ text: "needle", limit: 6 }, "csv")).split("\r\n");
  assert.deepEqual(csv.slice(1, -1).map((l) => Number(l.split(",")[0])), [
    1501,
    1601,
    1701,
    1801,
    1901,
    2001,
  ]);
  assert.deepEqual(await consumerNames(js.jsm, "S"), []);
});
