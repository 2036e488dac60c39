import { useEffect, useRef, useState } from "preact/hooks";
import { applyUnitsEvent } from "../mods/dashboard/units.ts";
import type {
  UnitCredential,
  UnitsDelta,
  UnitsQuery,
  UnitsReset,
  UnitsView,
} from "../mods/dashboard/mod.ts";
import type { UnitSort, UnitState } from "../mods/monitor/mod.ts";
import { formatAgo, formatMicros, formatNanos, rttLevel } from "../components/format.ts";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode UnitsTables}. */
export interface UnitsTablesProps {
  /** The table at render time. */
  readonly initial: UnitsView;
  /** CSRF token for the "Forget" buttons. */
  readonly csrf: string;
  /** Each unit's active credential by key, or null while the controller does not answer. */
  readonly credentials: Readonly<Record<string, UnitCredential>> | null;
}

/** A unit's credential: its public key, linked to its account's users. */
function Credential(p: { credential: UnitCredential | undefined; known: boolean }) {
  const c = p.credential;
  if (!p.known) return <span class="muted">?</span>;
  if (c === undefined) return <span class="muted">none</span>;
  return (
    <a
      href={`/accounts/${encodeURIComponent(c.account)}#users`}
      title={`${c.publicKey} (${c.role ?? "unit"}${c.timeMaster ? ", time master" : ""})`}
      class="mono"
    >
      {c.publicKey.slice(0, 10)}…
    </a>
  );
}

function Rtt({ us }: { us: number | null | undefined }) {
  const level = rttLevel(us);
  return level === "none"
    ? <span class="muted">–</span>
    : <span class={`rtt-cell ${level}`}>{formatMicros(us)}</span>;
}

const QUALITY_LEVEL: Record<string, string> = {
  locked: "good",
  tracking: "good",
  acquiring: "warn",
  freerun: "bad",
};

/** The query string of a page of units (defaults left out). */
function pageQuery(q: UnitsQuery, patch: Partial<UnitsQuery> = {}): string {
  const merged = { ...q, ...patch };
  const p = new URLSearchParams();
  if (merged.offset > 0) p.set("offset", String(merged.offset));
  if (merged.limit !== 100) p.set("limit", String(merged.limit));
  if (merged.sort !== "unit") p.set("sort", merged.sort);
  if (merged.dir !== "asc") p.set("dir", merged.dir);
  if (merged.q !== "") p.set("q", merged.q);
  const text = p.toString();
  return text === "" ? "" : `?${text}`;
}

/** A column heading that sorts by `sort` (again: the other way round). */
function SortBy(p: { q: UnitsQuery; sort: UnitSort; children: string; num?: boolean }) {
  const active = p.q.sort === p.sort;
  const dir = active && p.q.dir === "asc" ? "desc" : "asc";
  return (
    <th class={p.num ? "num" : undefined}>
      <a href={`/units${pageQuery(p.q, { sort: p.sort, dir, offset: 0 })}`}>
        {p.children}
        {active ? (p.q.dir === "asc" ? " ▲" : " ▼") : ""}
      </a>
    </th>
  );
}

/**
 * The Units tables (RTT and time sync) of one page of units, updated by the live `units`
 * deltas: RTT green below 50 ms, yellow below 200 ms, red above; stale units (three missed
 * heartbeats) highlighted. A page shows at most `limit` units (paged, sorted, filtered on the
 * server), so the page stays fast at 10,000 units; when an event cannot say what the page now
 * holds, the page fetches itself again, at most once a second.
 */
export function UnitsTables(props: UnitsTablesProps) {
  const [view, setView] = useState(props.initial);
  // "x ago" against the server's clock (its time at the last event plus the time passed here),
  // so a skewed browser clock does not distort it.
  const [received, setReceived] = useState(() => Date.now());
  const [, tick] = useState(0);
  const refetch = useRef<{ timer?: ReturnType<typeof setTimeout>; last: number }>({ last: 0 });
  const scheduleRefetch = (q: UnitsQuery) => {
    const r = refetch.current;
    if (r.timer !== undefined) return;
    r.timer = setTimeout(async () => {
      r.last = Date.now();
      try {
        const res = await fetch(`/api/units${pageQuery(q)}`, { credentials: "same-origin" });
        if (res.ok) {
          setView(await res.json());
          setReceived(Date.now());
        }
      } finally {
        r.timer = undefined;
      }
    }, Math.max(0, r.last + 1000 - Date.now()));
  };
  useEventStream<UnitsReset | UnitsDelta>("units", (e) => {
    setView((v) => {
      const applied = applyUnitsEvent(v, e);
      if (applied.refetch) scheduleRefetch(v.query);
      return applied.view;
    });
    setReceived(Date.now());
  });
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const now = view.now + (Date.now() - received);
  const units = view.units;
  const q = view.query;
  const first = units.length === 0 ? 0 : q.offset + 1;
  const last = q.offset + units.length;
  const pager = (
    <p class="pager" id="units-pager">
      {first}–{last} of {view.total} units{q.q !== "" ? ` matching "${q.q}"` : ""} · {q.offset > 0
        ? (
          <a href={`/units${pageQuery(q, { offset: Math.max(0, q.offset - q.limit) })}`}>
            previous
          </a>
        )
        : <span class="muted">previous</span>} · {last < view.total
        ? <a href={`/units${pageQuery(q, { offset: q.offset + q.limit })}`}>next</a>
        : <span class="muted">next</span>}
      <form method="get" action="/units" class="inline">
        <input type="hidden" name="sort" value={q.sort} />
        <input type="hidden" name="dir" value={q.dir} />
        <input name="q" value={q.q} placeholder="unit or host" aria-label="Filter units" />
        <button type="submit" class="small">Filter</button>
      </form>
    </p>
  );
  const forget = (u: UnitState) =>
    u.stale && (
      <form method="post" action={`/units/${encodeURIComponent(u.key)}/forget`} class="inline">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit" class="small">Forget</button>
      </form>
    );
  return (
    <div>
      {pager}
      <h2>Round-trip times</h2>
      <div class="table-wrap">
        <table id="units-rtt">
          <thead>
            <tr>
              <SortBy q={q} sort="unit">Unit</SortBy>
              <th>Account</th>
              <th>Credential</th>
              <SortBy q={q} sort="kind">Kind</SortBy>
              <SortBy q={q} sort="host">Host</SortBy>
              <th>Version</th>
              <SortBy q={q} sort="native" num>Native RTT</SortBy>
              <SortBy q={q} sort="app" num>App RTT</SortBy>
              <th>Target</th>
              <SortBy q={q} sort="seen">Last seen</SortBy>
              <SortBy q={q} sort="state">State</SortBy>
            </tr>
          </thead>
          <tbody>
            {units.length === 0
              ? (
                <tr>
                  <td colSpan={11} class="empty">
                    No units yet. Guardians, clients and browsers appear here with their first
                    heartbeat.
                  </td>
                </tr>
              )
              : units.map((u) => (
                <tr key={u.key} class={u.stale ? "stale" : undefined} data-unit={u.key}>
                  <td class="mono">{u.unitId}</td>
                  <td data-col="account">{u.account}</td>
                  <td data-col="credential">
                    <Credential
                      credential={props.credentials?.[u.key]}
                      known={props.credentials !== null}
                    />
                  </td>
                  <td>{u.heartbeat?.kind ?? "–"}</td>
                  <td>{u.heartbeat?.host || "–"}</td>
                  <td>{u.heartbeat?.version ?? "–"}</td>
                  <td class="num" data-col="native">
                    <Rtt us={u.rtt?.nativeRttUs} />
                  </td>
                  <td class="num" data-col="app">
                    <Rtt us={u.rtt?.appRttUs} />
                  </td>
                  <td class="mono">{u.rtt?.target ?? "–"}</td>
                  <td>{formatAgo(u.lastSeen, now)}</td>
                  <td>
                    {u.stale
                      ? <span class="badge bad">stale</span>
                      : <span class="badge good">live</span>} {forget(u)}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <h2>Time sync</h2>
      <div class="table-wrap">
        <table id="units-time">
          <thead>
            <tr>
              <SortBy q={q} sort="unit">Unit</SortBy>
              <th>Source</th>
              <SortBy q={q} sort="quality">Quality</SortBy>
              <SortBy q={q} sort="offset" num>Offset</SortBy>
              <th class="num">Freq</th>
              <th>PTP</th>
              <th>NTP</th>
              <th class="num">Clock skew</th>
              <th>Reported</th>
            </tr>
          </thead>
          <tbody>
            {units.length === 0
              ? (
                <tr>
                  <td colSpan={9} class="empty">No clock reports yet.</td>
                </tr>
              )
              : units.map((u) => {
                const t = u.time;
                const source = t?.source ?? u.heartbeat?.clock.source;
                const quality = t?.quality ?? u.heartbeat?.clock.quality;
                return (
                  <tr key={u.key} class={u.stale ? "stale" : undefined} data-unit={u.key}>
                    <td class="mono">{u.unitId}</td>
                    <td data-col="source">{source ?? "–"}</td>
                    <td data-col="quality">
                      {quality
                        ? <span class={`badge ${QUALITY_LEVEL[quality] ?? "none"}`}>{quality}</span>
                        : "–"}
                    </td>
                    <td class="num">{formatNanos(t?.offsetNs)}</td>
                    <td class="num">
                      {t?.freqPpm === null || t?.freqPpm === undefined
                        ? "–"
                        : `${t.freqPpm.toFixed(3)} ppm`}
                    </td>
                    <td>
                      {t?.ptp
                        ? `${t.ptp.portState} · GM ${
                          t.ptp.gmPresent ? t.ptp.gmIdentity : "none"
                        } · ${formatNanos(t.ptp.masterOffsetNs)}`
                        : "–"}
                    </td>
                    <td>
                      {t?.ntp
                        ? `${
                          t.ntp.referenceName || t.ntp.referenceId
                        } · stratum ${t.ntp.stratum} · ${formatNanos(t.ntp.offsetNs)}`
                        : "–"}
                    </td>
                    <td
                      class="num"
                      title="receipt time minus the heartbeat's own time (skew plus one-way latency)"
                    >
                      {u.skewMs === null
                        ? "–"
                        : `${u.skewMs >= 0 ? "+" : ""}${u.skewMs.toFixed(0)} ms`}
                    </td>
                    <td>{u.timeAt ? formatAgo(u.timeAt, now) : "–"}</td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
      {view.stats && (
        <p class="muted" id="units-stats">
          {view.stats.units} of at most {view.stats.maxUnits} units ({view.stats.staleUnits}{" "}
          stale) · {view.stats.received} messages received · {view.stats.droppedTotal}{" "}
          malformed dropped ({view.stats.dropped.timestamp} with a timestamp beyond ±24 h,{" "}
          {view.stats.dropped.signature} not signed by their unit) · {view.stats.evicted}{" "}
          stale units evicted and {view.stats.refused} messages of new units refused at the limit ·
          {" "}
          {view.stats.truncatedLogs} log records cut
          {view.stats.bucket ? ` · stored in KV "${view.stats.bucket}"` : " · in memory only"}
        </p>
      )}
    </div>
  );
}
