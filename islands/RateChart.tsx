import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { formatBytes, formatRate } from "../components/format.ts";
import type { RateSeries } from "../mods/dashboard/mod.ts";

/** Props of {@linkcode RateChart}. */
export interface RateChartProps {
  /** What to draw: message rates, byte rates, or CPU. */
  readonly kind: "msgs" | "bytes";
  /** History at render time. */
  readonly initial: RateSeries;
  /** Where newer history comes from (JSON {@linkcode RateSeries}). */
  readonly url: string;
  /** Refresh interval in ms. */
  readonly pollMs: number;
}

/** The chart spans the sampler's history (300 samples of 2 s). */
const WINDOW_S = 600;

function columns(kind: RateChartProps["kind"], s: RateSeries): uPlot.AlignedData {
  return kind === "msgs" ? [s.t, s.inMsgs, s.outMsgs] : [s.t, s.inBytes, s.outBytes];
}

/**
 * In and out rates over the last minutes (uPlot). Draws the series it is given and refreshes them
 * from `url`; the numbers above the chart are the latest sample.
 */
export function RateChart(props: RateChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [series, setSeries] = useState(props.initial);
  const plot = useRef<uPlot | null>(null);
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
            { stroke: "#5f6b7a", grid: { stroke: "#eef2f6" } },
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
    const timer = setInterval(async () => {
      try {
        const res = await fetch(props.url, { headers: { accept: "application/json" } });
        if (!res.ok) return;
        const next = await res.json() as RateSeries;
        setSeries(next);
        plot.current?.setData(columns(props.kind, next));
      } catch { /* keep the last picture */ }
    }, props.pollMs);
    return () => {
      clearInterval(timer);
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
