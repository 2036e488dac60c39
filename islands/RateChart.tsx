import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { formatAxisTime, formatBytes, formatRate } from "../components/format.ts";
import type { RatePoint, RateSeries } from "../mods/dashboard/mod.ts";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode RateChart}. */
export interface RateChartProps {
  /** What to draw: message rates or byte rates. */
  readonly kind: "msgs" | "bytes";
  /** History at render time. */
  readonly initial: RateSeries;
}

/** A `rates` event: the whole history (first event, after a restart) or one new point. */
type RatesEvent = { reset: true; series: RateSeries } | { point: RatePoint };

/** The chart spans the sampler's history (300 samples of 2 s). */
const WINDOW_S = 600;

function columns(kind: RateChartProps["kind"], s: RateSeries): uPlot.AlignedData {
  return kind === "msgs" ? [s.t, s.inMsgs, s.outMsgs] : [s.t, s.inBytes, s.outBytes];
}

/** Points kept, as many as the sampler keeps. */
const CAPACITY = 300;

function append(s: RateSeries, p: RatePoint): RateSeries {
  const last = s.t[s.t.length - 1];
  if (last !== undefined && p.t <= last) return s;
  const keep = (a: number[], v: number) => [...a.slice(Math.max(0, a.length + 1 - CAPACITY)), v];
  return {
    t: keep(s.t, p.t),
    inMsgs: keep(s.inMsgs, p.inMsgs),
    outMsgs: keep(s.outMsgs, p.outMsgs),
    inBytes: keep(s.inBytes, p.inBytes),
    outBytes: keep(s.outBytes, p.outBytes),
    cpu: keep(s.cpu, p.cpu),
    mem: keep(s.mem, p.mem),
    connections: keep(s.connections, p.connections),
  };
}

/**
 * In and out rates over the last ten minutes (uPlot), time in UTC. Draws the history it is
 * given and the live `rates` points; the numbers above the chart are the latest point.
 */
export function RateChart(props: RateChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [series, setSeries] = useState(props.initial);
  const plot = useRef<uPlot | null>(null);
  useEventStream<RatesEvent>("rates", (e) => {
    const next = "reset" in e ? e.series : append(series, e.point);
    setSeries(next);
    plot.current?.setData(columns(props.kind, next));
  });
  const fmt = props.kind === "msgs" ? formatRate : (n: number) => `${formatBytes(n)}/s`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const make = () =>
      new uPlot(
        {
          width: Math.max(280, el.clientWidth),
          height: 190,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          // Times are seconds since the epoch, shown in UTC like every time of the dashboard.
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
          scales: {
            // Always the sampler's whole window, so a young history does not stretch.
            x: {
              time: true,
              auto: false,
              range: (_u, _min, max) => {
                const end = Number.isFinite(max) ? max : Date.now() / 1000;
                return [end - WINDOW_S, end];
              },
            },
            y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
          },
          axes: [
            {
              stroke: "#5f6b7a",
              grid: { stroke: "#eef2f6" },
              values: (_u, ticks) => ticks.map(formatAxisTime),
            },
            {
              stroke: "#5f6b7a",
              grid: { stroke: "#eef2f6" },
              size: 70,
              values: (_u, ticks) =>
                ticks.map((v) => props.kind === "msgs" ? formatRate(v) : formatBytes(v)),
            },
          ],
          series: [
            {},
            { label: "in", stroke: "#0f766e", width: 2, fill: "rgba(15,118,110,0.08)" },
            { label: "out", stroke: "#2563eb", width: 2 },
          ],
        },
        columns(props.kind, series),
        el,
      );
    plot.current = make();
    const onResize = () =>
      plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 190 });
    globalThis.addEventListener("resize", onResize);
    return () => {
      globalThis.removeEventListener("resize", onResize);
      plot.current?.destroy();
    };
  }, []);

  const last = (a: number[]) => a.length > 0 ? a[a.length - 1] : undefined;
  const inNow = last(props.kind === "msgs" ? series.inMsgs : series.inBytes);
  const outNow = last(props.kind === "msgs" ? series.outMsgs : series.outBytes);
  return (
    <div class="rate-chart">
      <div class="chart-title">
        <h2>{props.kind === "msgs" ? "Messages" : "Bytes"}</h2>
        <span class="muted">
          <span class="legend-in">in {inNow === undefined ? "–" : fmt(inNow)}</span> ·{" "}
          <span class="legend-out">out {outNow === undefined ? "–" : fmt(outNow)}</span>
        </span>
      </div>
      <div class="chart" ref={box} />
    </div>
  );
}
