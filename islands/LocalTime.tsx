import { useEffect, useState } from "preact/hooks";
import { formatNanos } from "../components/format.ts";

/** Props of {@linkcode LocalTime}. */
export interface LocalTimeProps {
  /** Dashboard server time at render, ms since the epoch. */
  readonly serverNow: number;
  /** Where to read the server time (JSON `{ now }`) to estimate this browser's offset. */
  readonly url: string;
  /** The dashboard host's clock as its guardian reports it, if there is one. */
  readonly host:
    | { unitId: string; source: string; quality: string; offsetNs: number | null }
    | null;
}

/**
 * The local time status box: this browser's clock, the dashboard server's clock, the browser's
 * offset from it (half the request's round trip corrected), and the host's sync state.
 */
export function LocalTime(props: LocalTimeProps) {
  const [now, setNow] = useState(props.serverNow);
  const [offsetMs, setOffsetMs] = useState<number | null>(null);
  const [rttMs, setRttMs] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const tick = setInterval(() => setNow(Date.now()), 250);
    const probe = async () => {
      try {
        const t0 = Date.now();
        const p0 = performance.now();
        const res = await fetch(props.url, { headers: { accept: "application/json" } });
        const { now: server } = await res.json() as { now: number };
        const rtt = performance.now() - p0;
        setRttMs(rtt);
        setOffsetMs(t0 + rtt / 2 - server);
      } catch { /* keep the last estimate */ }
    };
    void probe();
    const every = setInterval(probe, 10_000);
    return () => {
      clearInterval(tick);
      clearInterval(every);
    };
  }, []);
  const level = offsetMs === null
    ? "none"
    : Math.abs(offsetMs) < 50
    ? "good"
    : Math.abs(offsetMs) < 500
    ? "warn"
    : "bad";
  return (
    <div class="time-box" id="local-time">
      <div>
        <div class="muted">This browser (UTC)</div>
        <div class="big">{new Date(now).toISOString().slice(11, 23)}</div>
      </div>
      <div>
        <div class="muted">Offset from dashboard server</div>
        <div class="big">
          <span class={`badge ${level}`}>
            {offsetMs === null
              ? "measuring…"
              : `${offsetMs >= 0 ? "+" : ""}${offsetMs.toFixed(0)} ms`}
          </span>
        </div>
        <div class="muted">
          {rttMs === null ? "" : `±${(rttMs / 2).toFixed(0)} ms (half the round trip)`}
        </div>
      </div>
      <div>
        <div class="muted">Dashboard host clock</div>
        {props.host
          ? (
            <div>
              <strong>{props.host.source}</strong> · {props.host.quality} · offset{" "}
              {formatNanos(props.host.offsetNs)}
              <div class="muted">reported by {props.host.unitId}</div>
            </div>
          )
          : <div class="muted">No guardian reports this host's clock yet.</div>}
      </div>
    </div>
  );
}
