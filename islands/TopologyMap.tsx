import { useEffect, useState } from "preact/hooks";
import type { TopologyView } from "../mods/dashboard/mod.ts";
import { formatAgo, formatMicros, rttLevel } from "../components/format.ts";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode TopologyMap}. */
export interface TopologyMapProps {
  /** The view at render time. */
  readonly initial: TopologyView;
}

const UNITS_SHOWN = 8;
const COLUMN = 190;

/**
 * The topology, live from the `topology` events: the hub's servers on top, every leaf node
 * below linked to the hub server it is linked to, the link's round-trip time on the line (green
 * below 50 ms, yellow below 200 ms, red above; a cut-off leaf node dashed and red), and the
 * units on each leaf node under it; then the same as a table with outages.
 */
export function TopologyMap(props: TopologyMapProps) {
  const [view, setView] = useState(props.initial);
  const [received, setReceived] = useState(() => Date.now());
  const [, tick] = useState(0);
  useEventStream<TopologyView>("topology", (v) => {
    setView(v);
    setReceived(Date.now());
  });
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const now = view.now + (Date.now() - received);
  const { hubs, leaves, units } = view;
  const width = Math.max(640, COLUMN * Math.max(leaves.length, hubs.length));
  const hubX = (hub: string) => (width / (hubs.length + 1)) * (hubs.indexOf(hub) + 1);
  const leafX = (i: number) => (width / (leaves.length + 1)) * (i + 1);
  const moved = new Map(units.filter((u) => u.previous && u.leaf).map((u) => [u.unitId, u]));
  const tallest = Math.min(UNITS_SHOWN + 1, Math.max(1, ...leaves.map((l) => l.units.length)));
  const height = 230 + tallest * 16;
  return (
    <div>
      <div class="table-wrap">
        <svg
          id="topology-map"
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-label="hub, leaf nodes and units"
        >
          {leaves.length === 0 && (
            <text x={width / 2} y={height / 2} text-anchor="middle" class="muted">
              No leaf nodes linked to the hub yet
            </text>
          )}
          {leaves.map((l, i) =>
            hubs.includes(l.hub) && (
              <g key={`link-${l.name}`} data-link={l.name}>
                <line
                  x1={hubX(l.hub)}
                  y1={58}
                  x2={leafX(i)}
                  y2={152}
                  class={`topo-link ${l.up ? rttLevel(l.rttUs) : "down"}`}
                />
                <text
                  x={(hubX(l.hub) + leafX(i)) / 2 + 6}
                  y={105}
                  class="topo-rtt"
                  data-rtt-us={l.rttUs ?? ""}
                >
                  {l.up ? formatMicros(l.rttUs) : "cut off"}
                </text>
              </g>
            )
          )}
          {hubs.map((h) => (
            <g key={`hub-${h}`} data-hub={h}>
              <circle cx={hubX(h)} cy={40} r={18} class="topo-hub" />
              <text x={hubX(h)} y={16} text-anchor="middle" class="topo-label">{h}</text>
            </g>
          ))}
          {leaves.map((l, i) => (
            <g key={`leaf-${l.name}`} data-leaf={l.name} data-up={String(l.up)}>
              <rect
                x={leafX(i) - 60}
                y={152}
                width={120}
                height={30}
                rx={6}
                class={`topo-leaf ${l.up ? "" : "down"}`}
              />
              <text x={leafX(i)} y={172} text-anchor="middle" class="topo-label">{l.name}</text>
              {l.units.slice(0, UNITS_SHOWN).map((u, k) => (
                <text
                  key={u}
                  x={leafX(i)}
                  y={202 + k * 16}
                  text-anchor="middle"
                  class="topo-unit"
                  data-unit={u}
                >
                  {u}
                  {moved.get(u)?.leaf === l.name ? ` ← ${moved.get(u)!.previous}` : ""}
                </text>
              ))}
              {l.units.length > UNITS_SHOWN && (
                <text
                  x={leafX(i)}
                  y={202 + UNITS_SHOWN * 16}
                  text-anchor="middle"
                  class="muted"
                >
                  +{l.units.length - UNITS_SHOWN} more
                </text>
              )}
            </g>
          ))}
        </svg>
      </div>
      <h2>Leaf nodes</h2>
      <div class="table-wrap">
        <table id="topology-leaves">
          <thead>
            <tr>
              <th>Leaf node</th>
              <th>Hub server</th>
              <th>State</th>
              <th class="num">Link RTT</th>
              <th>Units</th>
              <th class="num">Subscriptions</th>
              <th class="num">Outages</th>
              <th>Last outage</th>
            </tr>
          </thead>
          <tbody>
            {leaves.length === 0
              ? (
                <tr>
                  <td colSpan={8} class="empty">
                    No leaf nodes yet. Routers appear here once their leaf node links to the hub.
                  </td>
                </tr>
              )
              : leaves.map((l) => (
                <tr key={l.name} data-leaf={l.name} class={l.up ? "" : "stale"}>
                  <td>{l.name}</td>
                  <td>{l.hub}</td>
                  <td>
                    {l.up ? "linked" : "cut off"} {l.up ? "since" : ""} {formatAgo(l.sinceMs, now)}
                  </td>
                  <td class="num">
                    {l.up && l.rttUs !== null
                      ? <span class={`rtt-cell ${rttLevel(l.rttUs)}`}>{formatMicros(l.rttUs)}</span>
                      : <span class="muted">–</span>}
                  </td>
                  <td class="wrap">{l.units.join(", ") || "–"}</td>
                  <td class="num">{l.subscriptions}</td>
                  <td class="num">{l.outages}</td>
                  <td>
                    {l.lastOutage
                      ? `${(l.lastOutage.durationMs / 1000).toFixed(1)} s, ${
                        formatAgo(l.lastOutage.toMs, now)
                      }`
                      : "–"}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
