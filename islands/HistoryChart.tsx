import { useEffect, useRef, useState } from "preact/hooks";
import { useEventStream } from "./_event_stream.ts";
import uPlot from "uplot";
import { formatBytes, formatCount, formatMicros, formatNanos } from "../components/format.ts";

/** One series as `/api/history/:kind` answers it. */
export interface HistorySeries {
  readonly tier: string;
  readonly stepS: number;
  readonly rate: boolean;
  readonly t: number[];
  readonly v: (number | null)[];
}

/** Props of {@linkcode HistoryChart}. */
export interface HistoryChartProps {
  /** The kind of entity (a new point of it is announced on the `history` topic). */
  readonly kind: string;
  /** The series' URL without `range` (e.g. `/api/history/stream?id=OPS%2Forders&field=bytes`). */
  readonly url: string;
  /** Chart title. */
  readonly title: string;
  /** How values are shown. */
  readonly unit: "bytes" | "count" | "us" | "ns" | "share";
  /** The range shown first. */
  readonly range: string;
  /** The data for `range`, rendered on the server. */
  readonly initial: HistorySeries;
  /** The ranges offered. */
  readonly ranges: readonly string[];
}

function format(unit: HistoryChartProps["unit"], rate: boolean, v: number | null): string {
  if (v === null || v === undefined) return "–";
  const suffix = rate ? "/s" : "";
  switch (unit) {
    case "bytes":
      return `${formatBytes(v)}${suffix}`;
    case "us":
      return formatMicros(v);
    case "ns":
      return formatNanos(v);
    case "share":
      return `${(v * 100).toFixed(1)} %`;
    default:
      return `${
        rate || (v < 10 && !Number.isInteger(v)) ? v.toFixed(v < 10 ? 2 : 0) : formatCount(v)
      }${suffix}`;
  }
}

/**
 * One chart of metric history (uPlot): ranges 15 min … 30 days, the value under the cursor in
 * the legend, a CSV download of exactly the data shown, and live updates: the `history` topic
 * announces each new point, and the chart reads its series again.
 */
export function HistoryChart(props: HistoryChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [range, setRange] = useState(props.range);
  const [series, setSeries] = useState<HistorySeries>(props.initial);
  const [hover, setHover] = useState<string | null>(null);
  const url = `${props.url}&range=${range}`;

  const load = async () => {
    try {
      const res = await fetch(url, { headers: { accept: "application/json" } });
      if (res.ok) setSeries(await res.json());
    } catch { /* keep what is drawn */ }
  };
  useEffect(() => {
    if (range !== props.range) void load();
  }, [url]);
  // A new point of this kind in the tier drawn: read the series again (the page's live stream).
  useEventStream<{ tier: string; kind: string }>("history", (e) => {
    if (e.kind === props.kind && e.tier === series.tier) void load();
  });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [series.t, series.v];
    if (plot.current) {
      plot.current.setData(data);
      return;
    }
    plot.current = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.15)] } },
        axes: [
          { stroke: "#5f6b7a", grid: { stroke: "#eef2f6" } },
          {
            stroke: "#5f6b7a",
            grid: { stroke: "#eef2f6" },
            size: 70,
            values: (_u, ticks) => ticks.map((v) => format(props.unit, series.rate, v)),
          },
        ],
        series: [{}, {
          stroke: "#2f6fde",
          width: 1.5,
          fill: "rgba(47,111,222,0.08)",
          spanGaps: false,
        }],
        hooks: {
          setCursor: [(u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) return setHover(null);
            const t = (u.data[0][i] ?? 0) * 1000;
            setHover(
              `${new Date(t).toLocaleString()}: ${
                format(props.unit, series.rate, u.data[1]![i] ?? null)
              }`,
            );
          }],
        },
      },
      data,
      el,
    );
    return undefined;
  }, [series]);

  useEffect(() => () => plot.current?.destroy(), []);
  const last = [...series.v].reverse().find((v) => v !== null) ?? null;
  return (
    <div class="history-chart" data-url={props.url}>
      <div class="chart-head">
        <strong>{props.title}</strong>
        <span class="chart-value">{hover ?? `now ${format(props.unit, series.rate, last)}`}</span>
        <span class="spacer" />
        {props.ranges.map((r) => (
          <button
            key={r}
            type="button"
            class={r === range ? "range active" : "range"}
            onClick={() => setRange(r)}
          >
            {r}
          </button>
        ))}
        <a class="csv" href={`${url}&format=csv`} download>CSV</a>
      </div>
      <div ref={box} class="chart-box" />
      <div class="chart-foot">
        {series.t.length} points · {series.tier} tier{series.rate ? " · per second" : ""}
      </div>
    </div>
  );
}
