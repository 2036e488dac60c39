import { useEffect, useState } from "preact/hooks";
import type { ConnectionEvent } from "../mods/monitor/mod.ts";
import { formatBytes, formatTime } from "../components/format.ts";

/** Props of {@linkcode ActivityLog}. */
export interface ActivityLogProps {
  /** Recent events at render time, oldest first. */
  readonly initial: readonly ConnectionEvent[];
  /** The SSE stream of new events (`event: activity`, JSON data, `id` = seq). */
  readonly url: string;
  /** How many rows to keep. */
  readonly max: number;
  /** Whether the server has a SYS connection (else the stream is not available yet). */
  readonly available: boolean;
}

const LABEL: Record<ConnectionEvent["kind"], string> = {
  connect: "CONNECT",
  disconnect: "DISCONNECT",
  auth_error: "AUTH_ERROR",
};

/**
 * The live activity log: draws connects, disconnects and authentication failures as they arrive
 * over Server-Sent Events, newest on top, without reloading the page.
 */
export function ActivityLog(props: ActivityLogProps) {
  const [events, setEvents] = useState<readonly ConnectionEvent[]>(
    [...props.initial].reverse().slice(0, props.max),
  );
  const [live, setLive] = useState(false);

  useEffect(() => {
    if (!props.available) return;
    // Resume after the newest event the server rendered, so nothing between render and
    // subscribe is lost.
    const after = props.initial.reduce((m, e) => Math.max(m, e.seq), 0);
    const source = new EventSource(`${props.url}?after=${after}`);
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    source.addEventListener("activity", (m) => {
      const e = JSON.parse((m as MessageEvent<string>).data) as ConnectionEvent;
      setEvents((prev) =>
        prev.some((p) => p.seq === e.seq) ? prev : [e, ...prev].slice(0, props.max)
      );
    });
    return () => source.close();
  }, []);

  return (
    <div>
      <div class="activity-head">
        <span class={`live ${live ? "on" : ""}`} id="activity-live">
          {live ? "live" : props.available ? "connecting…" : "no SYS connection"}
        </span>
        <span class="muted">{events.length} events</span>
      </div>
      <div class="table-wrap">
        <table id="activity">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Event</th>
              <th>Account</th>
              <th>User</th>
              <th>Name</th>
              <th>Client</th>
              <th>Server</th>
              <th>Reason</th>
              <th class="num">Bytes in · out</th>
            </tr>
          </thead>
          <tbody>
            {events.length === 0
              ? (
                <tr>
                  <td colSpan={9} class="empty">
                    No activity yet. Connects and disconnects appear here as they happen.
                  </td>
                </tr>
              )
              : events.map((e) => (
                <tr key={e.seq} data-kind={e.kind}>
                  <td class="mono">{formatTime(e.time)}</td>
                  <td class={`ev-${LABEL[e.kind]}`}>{LABEL[e.kind]}</td>
                  <td>{e.account}</td>
                  <td>{e.user || "–"}</td>
                  <td class="ev-name wrap">{e.name || "–"}</td>
                  <td>
                    {e.lang ? `${e.lang} ${e.version}` : "–"}{" "}
                    {e.cid ? <span class="muted">#{e.cid}</span> : null}
                    <div class="sub-line mono">{e.host || ""}</div>
                  </td>
                  <td>{e.server}</td>
                  <td>{e.reason ?? ""}</td>
                  <td class="num">
                    {e.kind === "disconnect"
                      ? `${formatBytes(e.inBytes)} · ${formatBytes(e.outBytes)}`
                      : ""}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
