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

/** One chart of an entity's history, with its first range's data. */
export type EntityChart = Omit<HistoryChartProps, "kind" | "range" | "ranges"> & {
  readonly field: string;
};

/** The charts of entity `id` of `kind` from frames read for one range. */
function chartsOf(
  kind: Kind,
  id: string,
  read: Awaited<ReturnType<typeof readRange>>,
): EntityChart[] {
  return CHARTS[kind].map(([field, title, unit]) => ({
    field,
    title,
    unit,
    url: `/api/history/${kind}?id=${encodeURIComponent(id)}&field=${field}`,
    initial: {
      tier: read.tier,
      stepS: read.stepS,
      rate: FIELDS[kind][field] === "counter",
      ...seriesOf(read.frames, id, field),
    },
  }));
}

/**
 * The charts of one entity over the last hour, for its own page's Metrics tab (a stream, a
 * consumer): empty while the history cannot be read or holds nothing of it yet.
 *
 * @param services the dashboard's services
 * @param kind the entity's kind
 * @param id its ID in the history (`ACCOUNT/STREAM`, `ACCOUNT/STREAM/CONSUMER`)
 * @returns its charts
 */
export async function entityCharts(
  services: Parameters<typeof readRange>[0],
  kind: Kind,
  id: string,
): Promise<EntityChart[]> {
  const read = await readRange(services, kind, "1h").catch(() => undefined);
  if (read === undefined || !idsOf(read.frames).includes(id)) return [];
  return chartsOf(kind, id, read);
}

/**
 * Charts of one entity, two a row, each with its ranges and live updates.
 *
 * @param props the kind, the range drawn first, the charts
 * @returns the grid
 */
export function ChartGrid(
  props: { kind: Kind; range: HistoryRange; charts: readonly EntityChart[] },
) {
  return (
    <div class="grid two">
      {props.charts.map((ch) => (
        <Card key={ch.field}>
          <Island
            component={HistoryChart}
            props={{
              kind: props.kind,
              url: ch.url,
              title: ch.title,
              unit: ch.unit,
              range: props.range,
              initial: ch.initial,
              ranges: RANGES,
            }}
          />
        </Card>
      ))}
    </div>
  );
}
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
    const read = await readRange(c.var.services, kind, range);
    const ids = idsOf(read.frames);
    const id = q.id && ids.includes(q.id) ? q.id : q.id ?? ids[0] ?? null;
    const charts = id === null ? [] : chartsOf(kind, id, read);
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
        : <ChartGrid kind={kind} range={range} charts={charts} />}
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
