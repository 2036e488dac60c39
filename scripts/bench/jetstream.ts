/**
 * JetStream console benchmark, against baselines measured in the same run on the same server and
 * connection: on a stream of 1,000,000 messages,
 *
 * - a page of 50 at sequence 500,000 and at a time in the middle (`browseMessages`) against raw
 *   nats.js direct-getting the same 50 (`jsm.direct.getBatch`) — target ≤ 1.2×;
 * - NDJSON export (`exportMessages`, bytes drained) and a payload search (`searchMessages`, a word
 *   in one message of 1,000) against a raw nats.js ordered consumer reading the whole stream —
 *   targets ≥ 0.8× and ≥ 0.7× its throughput;
 *
 * and on a KV bucket of 1,000,000 keys, the first page of 50 keys (`listKeys`) against raw nats.js
 * listing the same 50 (`kv.keys()`, stopped after 50) — target ≤ 1.2×.
 *
 * Contenders alternate (page races interleave one request of each; scans alternate whole runs,
 * best of three each), so both see the same load on this shared machine; scans also print the
 * client's CPU time per message, which the load barely changes. The server is the
 * kit's `nats-server` (batched direct get needs ≥ 2.11; on older servers the console falls back to
 * single gets and the raw baseline is not available: both are reported). Run by
 * `deno task bench jetstream`.
 *
 * Environment: BENCH_JS_MESSAGES (1000000), BENCH_JS_KEYS (1000000), BENCH_JS_ROUNDS (3).
 *
 * @module
 */
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import {
  browseMessages,
  exportMessages,
  listKeys,
  searchMessages,
} from "../../mods/jetstream/mod.ts";
import { natsServerVersion, serverHas, startNats } from "../../tests/_kit/mod.ts";

const MESSAGES = Number(Deno.env.get("BENCH_JS_MESSAGES") ?? 1_000_000);
const KEYS = Number(Deno.env.get("BENCH_JS_KEYS") ?? 1_000_000);
const ROUNDS = Number(Deno.env.get("BENCH_JS_ROUNDS") ?? 3);
const PAGE_SAMPLES = 40;
const STREAM = "BENCH";
const NEEDLE = "needle-7f3a";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

const fmt = (n: number, d = 2) => n.toLocaleString("en", { maximumFractionDigits: d });
/** A ratio with two significant digits however small (0.0026×, 1.1×). */
const times = (r: number) => `${Number(r.toPrecision(2))}×`;

/**
 * Publishes n messages, acknowledged a window at a time (unacknowledged publishes can outrun a
 * loaded server, which then drops some).
 */
async function fillStream(nc: NatsConnection, n: number): Promise<void> {
  const js = jetstream(nc);
  const enc = new TextEncoder();
  for (let at = 0; at < n; at += 2000) {
    const acks = [];
    for (let i = at; i < Math.min(n, at + 2000); i++) {
      const body = i % 1000 === 500
        ? `{"i":${i},"note":"${NEEDLE}"}`
        : `{"i":${i},"note":"ok","pad":"${"x".repeat(40)}"}`;
      acks.push(js.publish(`bench.${i % 1000}`, enc.encode(body)));
    }
    await Promise.all(acks);
  }
}

async function fillBucket(nc: NatsConnection, n: number): Promise<void> {
  // Acknowledged publishes, a window at a time: a bucket's per-key index makes the server slower
  // to store than a plain stream, and unacknowledged publishes would outrun it.
  const js = jetstream(nc);
  for (let at = 0; at < n; at += 2000) {
    const acks = [];
    for (let i = at; i < Math.min(n, at + 2000); i++) {
      acks.push(js.publish(`$KV.big.key.${String(i).padStart(7, "0")}`, `v${i}`));
    }
    await Promise.all(acks);
  }
}

/** A contender of a race: what is timed, and what runs untimed after each run. */
interface Contender {
  readonly run: () => Promise<unknown>;
  readonly cleanup?: () => Promise<unknown>;
}

/** Times each contender `samples` times, interleaved; returns the median ms of each. */
async function race(
  contenders: Record<string, Contender | (() => Promise<unknown>)>,
  samples: number,
) {
  const entries = Object.entries(contenders).map(([k, c]) =>
    [k, typeof c === "function" ? { run: c } : c] as const
  );
  const times: Record<string, number[]> = Object.fromEntries(entries.map(([k]) => [k, []]));
  for (const [, c] of entries) {
    await c.run(); // warm-up
    await c.cleanup?.();
  }
  for (let i = 0; i < samples; i++) {
    for (const [name, c] of entries) {
      const t0 = performance.now();
      await c.run();
      times[name]!.push(performance.now() - t0);
      await c.cleanup?.();
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/**
 * Best-of-ROUNDS throughput (messages/s) of each scan, runs alternating, and the least CPU time
 * this process spent per message (µs, user + system): on a loaded machine throughput follows the
 * load, while the client's own cost per message barely moves.
 */
async function scans(contenders: Record<string, () => Promise<number>>) {
  const best: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const n = await fn();
      const rate = n / ((performance.now() - t0) / 1000);
      const used = process.cpuUsage(c0);
      best[name] = Math.max(best[name] ?? 0, rate);
      cpu[name] = Math.min(cpu[name] ?? Infinity, (used.user + used.system) / n);
    }
  }
  return { best, cpu };
}

/** Runs the suite and prints figures and ratios. */
export async function bench(): Promise<void> {
  const version = natsServerVersion();
  const batched = serverHas("batch_direct_get");
  console.log(
    `JetStream console (nats-server ${version}; ${fmt(MESSAGES, 0)} messages, ${
      fmt(KEYS, 0)
    } keys)`,
  );
  await using ns = await startNats({
    env: { NATS_JS_MAX_FILE: "4GB", NATS_JS_MAX_MEMORY: "256MB" },
  });
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "bench-jetstream" });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: STREAM, subjects: ["bench.>"], allow_direct: true });
    let t0 = performance.now();
    await fillStream(nc, MESSAGES);
    console.log(`  filled the stream in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    // Pages of 50.
    const mid = Math.floor(MESSAGES / 2);
    const midTime = (await jsm.direct.getMessage(STREAM, { seq: mid }))!.timestamp;
    const take50 = async (opts: Record<string, unknown>) => {
      const it = await jsm.direct.getBatch(STREAM, { ...opts, batch: 50 } as never);
      let n = 0;
      for await (const _ of it) n++;
      if (n !== 50) throw new Error(`raw direct get returned ${n} messages`);
    };
    const page = async (at: { seq: number } | { time: string }) => {
      const p = await browseMessages(nc, STREAM, { at });
      if (p.messages.length !== 50) throw new Error(`console page had ${p.messages.length}`);
    };
    const bySeq = await race({
      console: () => page({ seq: mid }),
      ...(batched ? { raw: () => take50({ seq: mid }) } : {}),
    }, PAGE_SAMPLES);
    const byTime = await race({
      console: () => page({ time: midTime }),
      ...(batched ? { raw: () => take50({ start_time: new Date(midTime) }) } : {}),
    }, PAGE_SAMPLES);
    const ratio = (
      a?: number,
      b?: number,
    ) => (a && b ? `${fmt(a / b)}×` : "n/a (no batched direct get)");
    console.log(
      `  page of 50 at seq ${fmt(mid, 0)}: console ${fmt(bySeq.console!, 3)} ms, raw direct get ${
        bySeq.raw ? fmt(bySeq.raw, 3) + " ms" : "n/a"
      } → ${ratio(bySeq.console, bySeq.raw)} (target ≤ 1.2×)`,
    );
    console.log(
      `  page of 50 at the middle time: console ${fmt(byTime.console!, 3)} ms, raw direct get ${
        byTime.raw ? fmt(byTime.raw, 3) + " ms" : "n/a"
      } → ${ratio(byTime.console, byTime.raw)} (target ≤ 1.2×)`,
    );

    // Whole-stream scans.
    const ordered = async () => {
      const c = await js.consumers.get(STREAM);
      const it = await c.consume();
      let n = 0;
      let bytes = 0;
      for await (const m of it) {
        n++;
        bytes += m.data.length + m.subject.length;
        if (m.info.pending === 0) break;
      }
      if (bytes === 0) throw new Error("ordered consumer read nothing");
      return n;
    };
    const exportNdjson = async () => {
      const { body } = await exportMessages(nc, STREAM, {}, { format: "ndjson" });
      let lines = 0;
      for await (const chunk of body) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      }
      return lines;
    };
    const search = async () => {
      let scanned = 0;
      let matched = 0;
      for await (const e of searchMessages(nc, STREAM, { text: NEEDLE, limit: MESSAGES })) {
        if (e.type === "done") [scanned, matched] = [e.scanned, e.matched];
      }
      if (matched !== Math.floor(MESSAGES / 1000)) throw new Error(`search found ${matched}`);
      return scanned;
    };
    // The console's pages above and one export and search: no consumer is ever created.
    await exportNdjson();
    await search();
    const consumers = (await jsm.streams.info(STREAM)).state.consumer_count;
    console.log(
      `  consumers after the console's pages, export and search: ${consumers} (must be 0)`,
    );
    const { best: rates, cpu } = await scans({ ordered, export: exportNdjson, search });
    const perMsg = (name: string) => `client CPU ${fmt(cpu[name]!)} µs/msg`;
    console.log(
      `  raw nats.js ordered consumer: ${fmt(rates.ordered!, 0)} msgs/s, ${perMsg("ordered")}`,
    );
    console.log(
      `  NDJSON export: ${fmt(rates.export!, 0)} msgs/s → ${
        fmt(rates.export! / rates.ordered!)
      }× (target ≥ 0.8×), ${perMsg("export")}`,
    );
    console.log(
      `  payload search: ${fmt(rates.search!, 0)} msgs/s → ${
        fmt(rates.search! / rates.ordered!)
      }× (target ≥ 0.7×), ${perMsg("search")}`,
    );
    await jsm.streams.delete(STREAM);

    // KV first page.
    const kv = await new Kvm(nc).create("big", { history: 1 });
    t0 = performance.now();
    await fillBucket(nc, KEYS);
    console.log(`  filled the bucket in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    const ctx = { account: "OPS", nc };
    const rawKeys = async () => {
      const it = await kv.keys();
      let n = 0;
      for await (const _ of it) if (++n === 50) break;
      if (n !== 50) throw new Error(`kv.keys gave ${n}`);
    };
    const consoleKeys = async () => {
      const p = await listKeys(ctx, "big");
      if (p.keys.length !== 50) throw new Error(`listKeys gave ${p.keys.length}`);
    };
    // kv.keys() reads through an ordered consumer that outlives the 50 keys taken: it is deleted
    // after each run (untimed), so it does not flood the connection the next run measures on.
    const dropConsumers = async () => {
      for await (const c of jsm.consumers.list("KV_big")) {
        await jsm.consumers.delete("KV_big", c.name).catch(() => {});
      }
    };
    const keys = await race({
      console: consoleKeys,
      raw: { run: rawKeys, cleanup: dropConsumers },
    }, 10);
    console.log(
      `  KV first page of 50 of ${fmt(KEYS, 0)} keys: console ${
        fmt(keys.console!, 3)
      } ms, raw kv.keys() ${fmt(keys.raw!, 3)} ms → ${
        times(keys.console! / keys.raw!)
      } (target ≤ 1.2×)`,
    );
  } finally {
    await nc.close();
  }
}

if (import.meta.main) await bench();
