import { z } from "zod";
import { subszSchema } from "../../mods/monitor/schemas.ts";
import type { Subsz, SubszOptions } from "../../mods/monitor/mod.ts";
import { formatCount } from "../../components/format.ts";
import { DataTable, Stat } from "../../components/ui.tsx";
import type { AppContext } from "../context.ts";
import { param } from "../query.ts";
import { page, type Route } from "../route.ts";

/** The Subscriptions filters, shared by the page and /api/subsz. */
const subszQuery = z.object({
  test: param.name(),
  acc: param.name(),
  offset: param.int(),
  limit: param.int(5000),
}).transform((q): SubszOptions & { offset: number; limit: number } => ({
  subs: true,
  test: q.test,
  acc: q.acc,
  offset: q.offset ?? 0,
  limit: q.limit ?? 100,
}));

/** The filter with the account's key in place of a name the user typed (operator mode). */
function withKey<Q extends { acc?: string }>(c: AppContext, q: Q): Q {
  return q.acc ? { ...q, acc: c.var.services.accountKey(q.acc) } : q;
}

/**
 * Subscriptions: routing-table statistics and the subscriptions, filtered by account and by a
 * subject test (which subscriptions would receive a message on it).
 */
export const subscriptionsRoutes: readonly Route[] = page({
  path: "/subscriptions",
  response: subszSchema,
  title: "Subscriptions",
  nav: true,
  query: subszQuery,
  twin: {
    path: "/api/subsz",
    title: "nats-server /subsz (test, acc, offset, limit), each subscription once",
    relay: (c, q) => c.var.services.monitor.relay("subsz", withKey(c, q)),
  },
  load: async (c, q): Promise<Subsz> => {
    const subsz = await c.var.services.monitor.subsz(withKey(c, q));
    // Operator mode: shown by the names in the account JWTs, not by key.
    return {
      ...subsz,
      subscriptions_list: subsz.subscriptions_list?.map((s) => ({
        ...s,
        account: s.account && c.var.services.accountName(s.account),
      })),
    };
  },
  render: (subsz, _c, o) => {
    const list = subsz.subscriptions_list ?? [];
    const total = subsz.total ?? list.length;
    const q = (offset: number) => {
      const p = new URLSearchParams();
      if (o.test) p.set("test", o.test);
      if (o.acc) p.set("acc", o.acc);
      if (offset) p.set("offset", String(offset));
      return `/subscriptions?${p}`;
    };
    return (
      <>
        <div class="grid stats">
          <Stat label="Subscriptions" value={formatCount(subsz.num_subscriptions)} />
          <Stat label="Cache entries" value={formatCount(subsz.num_cache)} />
          <Stat label="Cache hit rate" value={`${(subsz.cache_hit_rate * 100).toFixed(1)}%`} />
          <Stat label="Matches" value={formatCount(subsz.num_matches)} />
          <Stat
            label="Fan-out"
            value={`${subsz.avg_fanout.toFixed(1)} avg`}
            sub={`${subsz.max_fanout} max`}
          />
          <Stat
            label="Inserts · removes"
            value={`${formatCount(subsz.num_inserts)} · ${formatCount(subsz.num_removes)}`}
          />
        </div>
        <form class="filters" method="get" action="/subscriptions">
          <label>
            Account
            <input name="acc" value={o.acc ?? ""} placeholder="any" />
          </label>
          <label>
            Who receives subject
            <input name="test" value={o.test ?? ""} placeholder="e.g. ops.heartbeat.router-1" />
          </label>
          <button type="submit">Filter</button>
          {(o.acc || o.test) && <a href="/subscriptions">Reset</a>}
        </form>
        <div class="pager">
          <span>
            {total === 0
              ? "No subscriptions"
              : `${o.offset + 1}–${o.offset + list.length} of ${formatCount(total)}`}
          </span>
          {o.offset > 0 && <a href={q(Math.max(0, o.offset - o.limit))}>← Previous</a>}
          {o.offset + list.length < total && <a href={q(o.offset + o.limit)}>Next →</a>}
          <a class="muted" href={`/api/subsz${q(o.offset).replace("/subscriptions", "")}`}>
            JSON
          </a>
        </div>
        <DataTable
          id="subscriptions"
          columns={[
            { label: "Subject", cell: (s) => <span class="mono">{s.subject}</span>, wrap: true },
            { label: "Queue group", cell: (s) => s.qgroup ?? "–" },
            { label: "Account", cell: (s) => s.account ?? "–" },
            {
              label: "Connection",
              cell: (s) => <a href={`/connections/${s.cid}`}>{s.cid}</a>,
              num: true,
            },
            { label: "SID", cell: (s) => s.sid, num: true },
            { label: "Messages", cell: (s) => formatCount(s.msgs), num: true },
          ]}
          rows={list}
          empty={o.test ? `No subscription receives "${o.test}".` : "No subscriptions."}
        />
      </>
    );
  },
});
