import { z } from "zod";
import { findConnection } from "../../mods/dashboard/mod.ts";
import {
  type ConnInfo,
  CONNZ_SORTS,
  CONNZ_STATES,
  type ConnzOptions,
  serverFeatures,
} from "../../mods/monitor/mod.ts";
import { connzSchema } from "../../mods/monitor/schemas.ts";
import { formatBytes, formatCount, formatGoDuration } from "../../components/format.ts";
import { Requires } from "../../components/Requires.tsx";
import { badge, Card, type Column, DataTable, KeyValues, mono } from "../../components/ui.tsx";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { page, type Route } from "../route.ts";
import { needInScope } from "../scope.ts";

const PAGE_SIZE = 50;

/** The Connections filters, shared by the page and /api/connz. */
const connzQuery = z.object({
  state: param.oneOf(CONNZ_STATES),
  sort: param.oneOf(CONNZ_SORTS),
  offset: param.int(),
  limit: param.int(5000),
  acc: param.name(),
  user: param.name(),
  subs: param.oneOf(["true", "detail"]),
}).superRefine((q, ctx) => {
  if ((q.sort === "stop" || q.sort === "reason") && q.state !== "closed") {
    ctx.addIssue({ code: "custom", path: ["sort"], message: 'only with state "closed"' });
  }
}).transform((q): ConnzOptions & { offset: number; limit: number } => ({
  sort: q.sort ?? "cid",
  state: q.state ?? "open",
  offset: q.offset ?? 0,
  limit: q.limit ?? PAGE_SIZE,
  acc: q.acc,
  user: q.user,
  auth: true,
  subs: q.subs === "detail" ? "detail" : q.subs === "true" ? true : undefined,
}));

/**
 * The filter with the account's key in place of a name the user typed (operator mode).
 *
 * @param c the request
 * @param q the filter
 * @returns the filter for nats-server
 */
function withAccountKey<Q extends { acc?: string }>(c: AppContext, q: Q): Q {
  return q.acc ? { ...q, acc: c.var.services.accountKey(q.acc) } : q;
}

const cidParam = z.object({ cid: param.int(Number.MAX_SAFE_INTEGER) });

/**
 * The connz query an account-scoped user may make: nats-server filters by the account (`acc`),
 * its first account unless it named another of its own; another account is refused.
 */
function scopedConnz<Q extends { acc?: string }>(c: AppContext, q: Q): Q {
  const scope = c.var.principal.scope;
  if (scope === null) return q;
  if (q.acc === undefined) return { ...q, acc: scope[0] };
  needInScope(c, q.acc, `account "${q.acc}"`);
  return q;
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
 * Connections: paged, sortable, filtered by account, user and state; one connection's detail
 * with its subscriptions.
 */
export const connectionsRoutes: readonly Route[] = [
  ...page({
    path: "/connections",
    response: connzSchema,
    title: "Connections",
    nav: true,
    scope: "account",
    query: connzQuery,
    twin: {
      path: "/api/connz",
      title: "nats-server /connz (sort, state, acc, user, offset, limit, subs)",
      // Operator mode: nats-server knows accounts by key; a name typed in the filter is looked up.
      relay: (c, q) => c.var.services.monitor.relay("connz", withAccountKey(c, scopedConnz(c, q))),
    },
    load: async (c, q) => {
      const connz = await c.var.services.monitor.connz(withAccountKey(c, scopedConnz(c, q)));
      return {
        ...connz,
        connections: connz.connections.map((r) => ({
          ...r,
          account: r.account && c.var.services.accountName(r.account),
        })),
      };
    },
    render: (connz, _c, o) => {
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
      return (
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
      );
    },
  }),
  ...page({
    path: "/connections/:cid",
    title: "Connection",
    scope: "account",
    twin: { path: "/api/connz/:cid", title: "one connection with its subscriptions" },
    load: async (c) => {
      const { cid } = parseParams(cidParam, c.req.param());
      const services = c.var.services;
      const [conn, version] = await Promise.all([
        findConnection(services.monitor, cid ?? 0),
        services.serverVersion(),
      ]);
      const account = conn.account && services.accountName(conn.account);
      needInScope(c, account, `connection "${cid}"`);
      return { ...conn, account, serverVersion: version };
    },
    heading: (conn) => `Connection ${conn.cid}`,
    render: ({ serverVersion: version, ...conn }) => {
      const subs = conn.subscriptions_list_detail ?? [];
      return (
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
                  [
                    "User",
                    conn.name_tag
                      ? `${conn.name_tag} (${conn.authorized_user})`
                      : conn.authorized_user ?? "–",
                  ],
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
          {conn.stop === undefined && (
            serverFeatures(version).some((f) => f.feature === "kick" && f.available)
              ? (
                <p id="client-actions">
                  <a href={`/connections/${conn.cid}/kick`}>Disconnect…</a> ·{" "}
                  <a href={`/connections/${conn.cid}/ldm`}>Ask it to move to another server…</a>
                </p>
              )
              : <Requires version={version} features={["kick"]} />
          )}
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
      );
    },
  }),
];
