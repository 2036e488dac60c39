import type { Hono } from "hono";
import { CONNZ_SORTS, CONNZ_STATES, type ConnzOptions } from "../../mods/monitor/mod.ts";
import type { ConnInfo } from "../../mods/monitor/mod.ts";
import { formatBytes, formatCount, formatGoDuration } from "../../components/format.ts";
import { Requires } from "../../components/Requires.tsx";
import { badge, Card, type Column, DataTable, KeyValues, mono } from "../../components/ui.tsx";
import type { AppContext, AppEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { enumParam, intParam, nameParam } from "../query.ts";
import { relayMonitor } from "../proxy.ts";
import { renderPage } from "../render.tsx";

const PAGE_SIZE = 50;

/** Parses the Connections filters from the query string (shared by page and API). */
function connzOptions(c: AppContext): ConnzOptions & { offset: number; limit: number } {
  const q = (n: string) => c.req.query(n);
  const state = enumParam(q("state"), "state", CONNZ_STATES) ?? "open";
  const sort = enumParam(q("sort"), "sort", CONNZ_SORTS) ?? "cid";
  if ((sort === "stop" || sort === "reason") && state !== "closed") {
    throw new HttpError(400, `Invalid sort "${sort}": only with state "closed"`);
  }
  return {
    sort,
    state,
    offset: intParam(q("offset"), "offset") ?? 0,
    limit: intParam(q("limit"), "limit", 5000) ?? PAGE_SIZE,
    acc: nameParam(q("acc"), "account"),
    user: nameParam(q("user"), "user"),
    auth: true,
    subs: q("subs") === "detail" ? "detail" : q("subs") === "true" ? true : undefined,
  };
}

const columns: Column<ConnInfo>[] = [
  {
    label: "CID",
    cell: (r) => <a href={`/connections/${r.cid}`}>{r.cid}</a>,
    sort: "cid",
    num: true,
  },
  {
    label: "Name",
    cell: (r) => (
      <>
        {r.name || <span class="muted">–</span>}
        <div class="sub-line">{r.lang ?? "?"} {r.version ?? ""}</div>
      </>
    ),
    wrap: true,
  },
  { label: "Account", cell: (r) => r.account ?? "–" },
  { label: "User", cell: (r) => r.authorized_user ?? "–" },
  { label: "Address", cell: (r) => <span class="mono">{r.ip}:{r.port}</span> },
  { label: "Uptime", cell: (r) => r.uptime, sort: "uptime" },
  { label: "Idle", cell: (r) => r.idle, sort: "idle" },
  { label: "RTT", cell: (r) => formatGoDuration(r.rtt), sort: "rtt", num: true },
  { label: "Subs", cell: (r) => formatCount(r.subscriptions), sort: "subs", num: true },
  { label: "Msgs in", cell: (r) => formatCount(r.in_msgs), sort: "msgs_from", num: true },
  { label: "Msgs out", cell: (r) => formatCount(r.out_msgs), sort: "msgs_to", num: true },
  { label: "Bytes in", cell: (r) => formatBytes(r.in_bytes), sort: "bytes_from", num: true },
  { label: "Bytes out", cell: (r) => formatBytes(r.out_bytes), sort: "bytes_to", num: true },
  { label: "Pending", cell: (r) => formatBytes(r.pending_bytes), sort: "pending", num: true },
];

const closedColumns: Column<ConnInfo>[] = [
  ...columns.slice(0, 5),
  { label: "Stopped", cell: (r) => r.stop?.slice(0, 19).replace("T", " ") ?? "–", sort: "stop" },
  { label: "Reason", cell: (r) => r.reason ?? "–", sort: "reason" },
  ...columns.slice(8),
];

/**
 * Connections: paged, sortable, filtered by account, user and state; detail with subscriptions.
 *
 * @param app the app
 * @param deps data sources
 */
export function connectionsRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get("/api/connz", (c) => {
    const o = connzOptions(c);
    return relayMonitor(deps.monitor, "/connz", {
      sort: o.sort,
      state: o.state,
      offset: o.offset,
      limit: o.limit,
      user: o.user,
      acc: o.acc,
      auth: true,
      subs: o.subs,
    });
  });
  app.get("/api/connz/:cid", async (c) => c.json(await connection(deps, c.req.param("cid"))));

  app.get("/connections", async (c) => {
    const o = connzOptions(c);
    const connz = await deps.monitor.connz(o);
    const link = (patch: Record<string, string | number | undefined>) => {
      const p = new URLSearchParams();
      const merged = {
        sort: o.sort,
        state: o.state,
        acc: o.acc,
        user: o.user,
        offset: o.offset,
        ...patch,
      };
      for (const [k, v] of Object.entries(merged)) {
        if (v !== undefined && v !== "" && !(k === "offset" && v === 0)) p.set(k, String(v));
      }
      const s = p.toString();
      return `/connections${s ? `?${s}` : ""}`;
    };
    const from = connz.total === 0 ? 0 : o.offset + 1;
    const to = o.offset + connz.connections.length;
    return renderPage(
      c,
      { title: "Connections", settings: deps.settings, version: deps.version },
      (
        <>
          <form class="filters" method="get" action="/connections">
            <label>
              State
              <select name="state">
                {CONNZ_STATES.map((s) => (
                  <option key={s} value={s} selected={s === o.state}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              Account
              <input name="acc" value={o.acc ?? ""} placeholder="any" />
            </label>
            <label>
              User
              <input name="user" value={o.user ?? ""} placeholder="any" />
            </label>
            <input
              type="hidden"
              name="sort"
              value={o.sort === "stop" || o.sort === "reason" ? "cid" : o.sort}
            />
            <button type="submit">Filter</button>
            {(o.acc || o.user || o.state !== "open") && <a href="/connections">Reset</a>}
          </form>
          <div class="pager">
            <span id="conn-count">
              {connz.total === 0
                ? "No connections"
                : `${from}–${to} of ${formatCount(connz.total)}`}
            </span>
            {o.offset > 0 && (
              <a href={link({ offset: Math.max(0, o.offset - o.limit) })}>← Previous</a>
            )}
            {to < connz.total && <a href={link({ offset: o.offset + o.limit })}>Next →</a>}
            <a class="muted" href={`/api${link({}).replace("/connections", "/connz")}`}>JSON</a>
          </div>
          <DataTable
            id="connections"
            columns={o.state === "closed" ? closedColumns : columns}
            rows={connz.connections}
            empty="No connections match these filters."
            sortHref={(key) => link({ sort: key, offset: 0 })}
            sorted={o.sort}
          />
        </>
      ),
    );
  });

  app.get("/connections/:cid", async (c) => {
    const [conn, varz] = await Promise.all([
      connection(deps, c.req.param("cid")),
      deps.monitor.varz(),
    ]);
    const subs = conn.subscriptions_list_detail ?? [];
    return renderPage(
      c,
      { title: `Connection ${conn.cid}`, settings: deps.settings, version: deps.version },
      (
        <>
          <p>
            <a href="/connections">← Connections</a> · <a href={`/api/connz/${conn.cid}`}>JSON</a>
          </p>
          <div class="grid two">
            <Card title="Client">
              <KeyValues
                items={[
                  ["CID", String(conn.cid)],
                  ["Name", conn.name || "–"],
                  ["Account", conn.account ?? "–"],
                  ["User", conn.authorized_user ?? "–"],
                  ["Address", mono(conn.ip, ":", conn.port)],
                  ["Library", `${conn.lang ?? "?"} ${conn.version ?? ""}`],
                  ["Kind", `${conn.kind ?? "Client"} ${conn.type ?? ""}`],
                  [
                    "TLS",
                    conn.tls_version
                      ? `${conn.tls_version} ${conn.tls_cipher_suite ?? ""}`
                      : "none",
                  ],
                  [
                    "State",
                    conn.stop
                      ? badge("none", `closed: ${conn.reason ?? ""}`)
                      : badge("good", "open"),
                  ],
                ]}
              />
            </Card>
            <Card title="Traffic">
              <KeyValues
                items={[
                  ["Connected", conn.start.slice(0, 19).replace("T", " ") + " UTC"],
                  ["Uptime · idle", `${conn.uptime} · ${conn.idle}`],
                  ["RTT", formatGoDuration(conn.rtt)],
                  [
                    "Messages in · out",
                    `${formatCount(conn.in_msgs)} · ${formatCount(conn.out_msgs)}`,
                  ],
                  [
                    "Bytes in · out",
                    `${formatBytes(conn.in_bytes)} · ${formatBytes(conn.out_bytes)}`,
                  ],
                  ["Pending", formatBytes(conn.pending_bytes)],
                  ["Subscriptions", formatCount(conn.subscriptions)],
                ]}
              />
            </Card>
          </div>
          <Requires version={varz.version} features={["kick"]} />
          <h2>Subscriptions</h2>
          <DataTable
            id="connection-subs"
            columns={[
              { label: "Subject", cell: (s) => <span class="mono">{s.subject}</span>, wrap: true },
              { label: "Queue", cell: (s) => s.qgroup ?? "–" },
              { label: "SID", cell: (s) => s.sid, num: true },
              { label: "Messages", cell: (s) => formatCount(s.msgs), num: true },
              { label: "Max", cell: (s) => s.max ? formatCount(s.max) : "–", num: true },
            ]}
            rows={subs}
            empty="This connection has no subscriptions."
          />
        </>
      ),
    );
  });
}

async function connection(deps: Deps, raw: string): Promise<ConnInfo> {
  const cid = intParam(raw, "connection ID", Number.MAX_SAFE_INTEGER);
  if (cid === undefined) throw new HttpError(400, `Invalid connection ID "${raw}"`);
  // Open first; a connection that has gone is still found among the closed ones.
  for (const state of ["open", "closed"] as const) {
    const connz = await deps.monitor.connz({ cid, state, subs: "detail", auth: true });
    const conn = connz.connections.find((x) => x.cid === cid);
    if (conn) return conn;
  }
  throw new HttpError(
    404,
    `Unknown connection "${raw}": no open or recently closed connection has this ID`,
  );
}
