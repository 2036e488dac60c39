import { useState } from "preact/hooks";
import type { ConnectionEvent } from "../mods/monitor/mod.ts";
import { formatBytes, formatTime } from "../components/format.ts";
import { useEventStream } from "./_event_stream.ts";
import { useSelf } from "./_self.ts";

/** Props of {@linkcode ActivityLog}. */
export interface ActivityLogProps {
  /** Recent events at render time, oldest first. */
  readonly initial: readonly ConnectionEvent[];
  /** How many rows to keep. */
  readonly max: number;
  /** Whether the server has a SYS connection (else the stream is not available yet). */
  readonly available: boolean;
}

const LABEL: Record<ConnectionEvent["kind"], string> = {
  connect: "CONNECT",
  disconnect: "DISCONNECT",
  auth_error: "AUTH_ERROR",
  lame_duck: "LAMEDUCK",
  shutdown: "SHUTDOWN",
};

/**
 * The live activity log: draws connects, disconnects and authentication failures as the live
 * `activity` events arrive, newest on top, without reloading the page. Events are told apart by
 * the server's event ID, so a resumed or restarted stream never shows one twice.
 */
export function ActivityLog(props: ActivityLogProps) {
  const [events, setEvents] = useState<readonly ConnectionEvent[]>(
    [...props.initial].reverse().slice(0, props.max),
  );
  // The SYS connection may come up after the page was rendered: its first event says so.
  const [available, setAvailable] = useState(props.available);
  const stream = useEventStream<ConnectionEvent>("activity", (e) => {
    setAvailable(true);
    setEvents((prev) =>
      prev.some((p) => p.id === e.id)
        ? prev
        : [e, ...prev].sort((a, b) => b.time.localeCompare(a.time)).slice(0, props.max)
    );
  });
  const live = stream === "live" && available;
  // The viewer's own browser unit connects with its unit ID as the connection name.
  const self = useSelf();

  return (
    <div>
      <div class="activity-head">
        <span class={`live ${live ? "on" : ""}`} id="activity-live">
          {live ? "live" : available ? "connecting…" : "no SYS connection"}
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
                <tr
                  key={e.id}
                  data-kind={e.kind}
                  class={self !== undefined && e.name === self ? "self" : undefined}
                >
                  <td class="mono">{formatTime(e.time)}</td>
                  <td class={`ev-${LABEL[e.kind]}`}>{LABEL[e.kind]}</td>
                  <td>{e.account}</td>
                  <td>{e.user || "–"}</td>
                  <td class="ev-name wrap">
                    {e.name || "–"}
                    {self !== undefined && e.name === self && (
                      <span class="badge info" title="the connection of this browser">you</span>
                    )}
                  </td>
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
