/**
 * Chart reads of the metric history (`deno task bench charts`): an hour of the 10 s tier
 * (360 points) of BENCH_STREAMS streams (200), written by the history store as the collector
 * writes it, then read as the dashboard's pages read it (their own functions), by a store with
 * the decoded-frame cache (DASHBOARD_HISTORY_CACHE_MB) and one without, alternating:
 *
 * - the Stream page's Metrics tab: one stream's charts (`entityCharts`: the kind's read, then
 *   the stream's four series);
 * - the History page: the kind's read (`readRange`), its entities and the first one's charts.
 *
 * A new point is written before each read with the cache, so each of those also reads the
 * newest message from JetStream (as a read does that comes before the dashboard's live
 * subscription has brought the cache up to date). Prints the medians, the ratios (cache on
 * against off, the baseline measured in the same run), the first read that fills the cache, the
 * cache's size as it estimates it and the heap's growth while it filled (exact with
 * `--v8-flags=--expose-gc`), and the bytes a point of the streams takes in the stream.
 *
 * Environment: BENCH_STREAMS (200), BENCH_ROUNDS (15).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { frameOf, HistoryStore, historyStream, idsOf, seriesOf } from "../../mods/history/mod.ts";
import type { DashboardServices } from "../../mods/dashboard/mod.ts";
import { readRange } from "../../routes/history.ts";
import { entityCharts } from "../../routes/pages/history.tsx";
import { startNats } from "../../tests/_kit/mod.ts";

const STREAMS = Number(Deno.env.get("BENCH_STREAMS") ?? 200);
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 15);
const POINTS = 360;
const TIER = { name: "10s", stepS: 10, keepS: 86_400 };
const FIELDS = ["last_seq", "messages", "bytes", "max_bytes"];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs the suite. */
export async function bench(): Promise<void> {
  await using ns = await startNats({ env: { NATS_JS_MAX_FILE: "1GB" } });
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const plain = new HistoryStore(nc, { tiers: [TIER], maxBytes: 512 << 20 });
    await plain.ensure();
    const step = TIER.stepS * 1000;
    const frame = (t: number) => {
      const rows: Record<string, Record<string, number>> = {};
      const p = t / step;
      for (let s = 0; s < STREAMS; s++) {
        rows[`OPS/bench_${s}`] = {
          last_seq: p * 10 + s,
          messages: s,
          bytes: 100 * s + (p % 1000),
          consumers: 2,
          max_bytes: 1 << 20,
          max_msgs: -1,
        };
      }
      return frameOf("stream", t, step, rows);
    };
    let next = Date.now() - (Date.now() % step) - POINTS * step;
    const write = () => plain.write(TIER.name, frame(next += step));
    const t0 = performance.now();
    for (let p = 0; p < POINTS; p++) await write();
    const writeMs = performance.now() - t0;
    const info = await (await jetstreamManager(nc)).streams.info(historyStream(TIER.name));
    console.log(
      `charts: ${POINTS} points of ${STREAMS} streams written in ${
        (writeMs / 1000).toFixed(1)
      } s; ${info.state.messages} messages, ${Math.round(info.state.bytes / POINTS)} bytes a point`,
    );

    // Only history() of the services is used by the page functions.
    const services = (store: HistoryStore) => ({ history: () => store }) as DashboardServices;
    const off = services(plain);
    gc?.();
    const heap0 = Deno.memoryUsage().heapUsed;
    const store = new HistoryStore(nc, {
      tiers: [TIER],
      maxBytes: 512 << 20,
      cacheBytes: 64 << 20,
    });
    const on = services(store);
    let t = performance.now();
    const first = await readRange(on, "stream", "1h");
    const fillMs = performance.now() - t;
    gc?.();
    const heapMb = (Deno.memoryUsage().heapUsed - heap0) / 1048576;
    const cache = store.stats().cache;

    const id = `OPS/bench_${Math.floor(STREAMS / 2)}`;
    const metrics = async (s: DashboardServices) => {
      const charts = await entityCharts(s, "stream", id);
      if (charts.length !== FIELDS.length) throw new Error(`No charts of ${id}`);
      return charts[0]!.initial.t.length;
    };
    const page = async (s: DashboardServices) => {
      const read = await readRange(s, "stream", "1h");
      const ids = idsOf(read.frames);
      for (const f of FIELDS) seriesOf(read.frames, ids[0]!, f);
      return read.frames.length;
    };
    const times = { metricsOff: [] as number[], metricsOn: [] as number[] };
    const pages = { off: [] as number[], on: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (
        const [fn, offOut, onOut] of [
          [metrics, times.metricsOff, times.metricsOn],
          [page, pages.off, pages.on],
        ] as const
      ) {
        t = performance.now();
        const a = await fn(off);
        offOut.push(performance.now() - t);
        await write();
        t = performance.now();
        const b = await fn(on);
        onOut.push(performance.now() - t);
        if (a < POINTS - 5 || b < POINTS - 5) {
          throw new Error(`Read ${a} and ${b} points, expected about ${POINTS}`);
        }
      }
    }
    const mOff = median(times.metricsOff);
    const mOn = median(times.metricsOn);
    const pOff = median(pages.off);
    const pOn = median(pages.on);
    console.log(
      `  Stream page Metrics tab (one stream, 1 h): cache off ${mOff.toFixed(1)} ms, on ${
        mOn.toFixed(1)
      } ms (${(mOn / mOff).toFixed(3)}×)\n` +
        `  History page (every stream, 1 h): cache off ${pOff.toFixed(1)} ms, on ${
          pOn.toFixed(1)
        } ms (${(pOn / pOff).toFixed(3)}×)\n` +
        `  medians of ${ROUNDS} rounds, off and on alternating; each read with the cache also ` +
        "reads the point written just before it\n" +
        `  first read with the cache (fills it): ${fillMs.toFixed(1)} ms, ${first.frames.length} ` +
        `points\n` +
        `  cache at ${STREAMS} streams, 1 h: ${cache.messages} messages, estimated ${
          (cache.bytes / 1048576).toFixed(1)
        } MB (${Math.round(cache.bytes / cache.messages)} B a point); heap grew ${
          heapMb.toFixed(1)
        } MB while it filled${gc ? "" : " (without --expose-gc: garbage included)"}`,
    );
  } finally {
    await nc.close();
  }
}
