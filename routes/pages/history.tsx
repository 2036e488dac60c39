import { z } from "zod";
import { Island } from "../../components/Island.tsx";
import { formatBytes, formatSeconds, formatTime } from "../../components/format.ts";
import { Badge, Card, DataTable } from "../../components/ui.tsx";
import { HistoryChart, type HistoryChartProps } from "../../islands/HistoryChart.tsx";
import {
  FIELDS,
  idsOf,
  type Kind,
  KINDS,
  seriesOf,
  type TierRetention,
} from "../../mods/history/mod.ts";
import { HISTORY_RANGES, type HistoryRange, readRange } from "../history.ts";
import { param } from "../query.ts";
import { page, type Route } from "../route.ts";

/** The charts of each kind: field, title and unit (counters are drawn as rates). */
const CHARTS: { readonly [K in Kind]: readonly [string, string, HistoryChartProps["unit"]][] } = {
  server: [
    ["in_msgs", "Messages in", "count"],
    ["out_msgs", "Messages out", "count"],
    ["in_bytes", "Bytes in", "bytes"],
    ["out_bytes", "Bytes out", "bytes"],
    ["connections", "Connections", "count"],
    ["slow_consumers", "Slow consumers", "count"],
    ["js_storage_bytes", "JetStream storage", "bytes"],
    ["mem_bytes", "Memory", "bytes"],
  ],
  account: [
    ["in_msgs", "Messages in", "count"],
    ["out_msgs", "Messages out", "count"],
    ["in_bytes", "Bytes in", "bytes"],
    ["out_bytes", "Bytes out", "bytes"],
    ["connections", "Connections", "count"],
    ["js_storage_bytes", "JetStream storage", "bytes"],
  ],
  stream: [
    ["last_seq", "Throughput (messages stored)", "count"],
    ["messages", "Messages", "count"],
    ["bytes", "Bytes", "bytes"],
    ["max_bytes", "Byte limit (-1: none)", "bytes"],
  ],
  consumer: [
    ["num_pending", "Pending (lag)", "count"],
    ["num_ack_pending", "Ack pending", "count"],
    ["delivered_stream_seq", "Delivered", "count"],
    ["redelivered", "Redelivered", "count"],
  ],
  unit: [
    ["rtt_native_us", "Native RTT", "us"],
    ["rtt_app_us", "App RTT", "us"],
    ["clock_offset_ns", "Clock offset", "ns"],
    ["clock_quality", "Clock quality (3 locked … 0 freerun)", "count"],
    ["heartbeat_age_s", "Seconds since heartbeat", "count"],
  ],
};

const RANGES = Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]];
const query = z.object({
  kind: param.oneOf(KINDS as unknown as [Kind, ...Kind[]]),
  id: param.name(),
  range: param.oneOf(RANGES),
});

/**
 * History: charts of one server, account, stream, consumer or unit from the metric history
 * (ranges 15 min … 30 days, hover values, CSV per chart, live updates); `/api/history` is the
 * page's data: the entities of the kind and the first range of each chart.
 */
export const historyPageRoutes: readonly Route[] = page({
  path: "/history",
  title: "History",
  nav: true,
  live: ["history"],
  needs: ["units"],
  query,
  twin: { path: "/api/history", title: "the History page: entities of a kind and their charts" },
  load: async (c, q) => {
    const kind: Kind = q.kind ?? "server";
    const range: HistoryRange = q.range ?? "1h";
    const { tier, stepS, frames } = await readRange(c.var.services, kind, range);
    const ids = idsOf(frames);
    const id = q.id && ids.includes(q.id) ? q.id : q.id ?? ids[0] ?? null;
    const charts = id === null ? [] : CHARTS[kind].map(([field, title, unit]) => ({
      field,
      title,
      unit,
      url: `/api/history/${kind}?id=${encodeURIComponent(id)}&field=${field}`,
      initial: {
        tier,
        stepS,
        rate: FIELDS[kind][field] === "counter",
        ...seriesOf(frames, id, field),
      },
    }));
    // What each tier holds; unknown (empty table) while the streams cannot be read.
    const retention = await c.var.services.history()?.retention().catch(() => []) ?? [];
    return { kind, range, id, ids, charts, retention };
  },
  render: ({ kind, range, id, ids, charts, retention }) => (
    <>
      <form method="get" action="/history" class="filters">
        <label>
          Kind{" "}
          <select name="kind">
            {KINDS.map((k) => <option key={k} value={k} selected={k === kind}>{k}</option>)}
          </select>
        </label>
        <label>
          {kind}{" "}
          <select name="id">
            {ids.map((i) => <option key={i} value={i} selected={i === id}>{i}</option>)}
          </select>
        </label>
        <input type="hidden" name="range" value={range} />
        <button type="submit">Show</button>
      </form>
      {id === null
        ? (
          <Card>
            <p class="muted">
              No history for any {kind}{" "}
              yet: the history collector writes a point every step (HISTORY_TIERS); `deno task
              start` runs it.
            </p>
          </Card>
        )
        : (
          <div class="grid two">
            {charts.map((ch) => (
              <Card key={ch.field}>
                <Island
                  component={HistoryChart}
                  props={{
                    kind,
                    url: ch.url,
                    title: ch.title,
                    unit: ch.unit,
                    range,
                    initial: ch.initial,
                    ranges: RANGES,
                  }}
                />
              </Card>
            ))}
          </div>
        )}
      <Card title="Retention">
        <DataTable<TierRetention>
          id="retention"
          columns={RETENTION_COLUMNS}
          rows={retention}
          empty="The history streams cannot be read yet."
        />
        <p class="muted">
          Each tier is one stream with its share of HISTORY_MAX_MB; the oldest points go first.
          Points are stored as brotli-compressed JSON, and the limit counts those bytes (on every
          nats-server version: JetStream's own S2 compression would save disk but not lengthen
          retention).
        </p>
      </Card>
    </>
  ),
});

const RETENTION_COLUMNS = [
  { label: "Tier", cell: (r: TierRetention) => `a point every ${formatSeconds(r.stepS)}` },
  { label: "Keep (HISTORY_TIERS)", cell: (r: TierRetention) => formatSeconds(r.keepS) },
  { label: "Limit", num: true, cell: (r: TierRetention) => formatBytes(r.maxBytes) },
  { label: "Stored", num: true, cell: (r: TierRetention) => formatBytes(r.bytes) },
  { label: "Oldest point", cell: (r: TierRetention) => formatTime(r.oldest) },
  {
    label: "Holds at the current rate",
    cell: (r: TierRetention) =>
      r.holdsS === null
        ? <span class="muted">not known yet</span>
        : r.holdsS >= r.keepS
        ? <Badge level="good">{formatSeconds(r.keepS)}</Badge>
        : (
          <Badge level="warn">
            {formatSeconds(r.holdsS)}: raise HISTORY_MAX_MB
          </Badge>
        ),
  },
];
