import type { Hono } from "hono";
import { type AccountStat, MonitorResponseError } from "../../mods/monitor/mod.ts";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Badge, badge, Card, DataTable, KeyValues } from "../../components/ui.tsx";
import type { AppEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { nameParam } from "../query.ts";
import { relayMonitor } from "../proxy.ts";
import { renderPage } from "../render.tsx";

async function accounts(deps: Deps) {
  const [accountz, accstatz] = await Promise.all([
    deps.monitor.accountz(),
    deps.monitor.accstatz({ unused: true }),
  ]);
  const stats = new Map(accstatz.account_statz.map((s) => [s.acc, s]));
  const names = [...new Set([...(accountz.accounts ?? []), ...stats.keys()])].sort();
  // Subscriptions and JetStream are only in each account's detail; accounts are few.
  const details = await Promise.all(
    names.map((acc) =>
      deps.monitor.accountz({ acc }).then((a) => a.account_detail ?? null).catch(() => null)
    ),
  );
  return {
    systemAccount: accountz.system_account ?? null,
    accounts: names.map((name, i) => ({
      name,
      stats: stats.get(name) ?? null,
      subscriptions: details[i]?.subscriptions ?? null,
      jetstream: details[i]?.jetstream_enabled ?? null,
    })),
  };
}

/**
 * Accounts: every account with its connections, subscriptions and traffic (accountz +
 * accstatz), and one account's detail with its imports and exports.
 *
 * @param app the app
 * @param deps data sources
 */
export function accountsRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const page = { settings: deps.settings, version: deps.version };
  app.get(
    "/api/accountz",
    (c) =>
      relayMonitor(deps.monitor, "/accountz", { acc: nameParam(c.req.query("acc"), "account") }),
  );
  app.get("/api/accstatz", () => relayMonitor(deps.monitor, "/accstatz", { unused: true }));
  app.get("/api/accounts", async (c) => c.json(await accounts(deps)));

  app.get("/accounts", async (c) => {
    const a = await accounts(deps);
    type Row = {
      name: string;
      stats: AccountStat | null;
      subscriptions: number | null;
      jetstream: boolean | null;
    };
    return renderPage(
      c,
      { ...page, title: "Accounts" },
      (
        <DataTable<Row>
          id="accounts"
          columns={[
            {
              label: "Account",
              cell: (r) => (
                <>
                  <a href={`/accounts/${encodeURIComponent(r.name)}`}>{r.name}</a>{" "}
                  {r.name === a.systemAccount && <Badge level="info">system</Badge>}
                </>
              ),
            },
            { label: "Connections", cell: (r) => formatCount(r.stats?.conns ?? 0), num: true },
            { label: "Leaf nodes", cell: (r) => formatCount(r.stats?.leafnodes ?? 0), num: true },
            { label: "Subscriptions", cell: (r) => formatCount(r.subscriptions), num: true },
            {
              label: "JetStream",
              cell: (r) => r.jetstream === null ? "–" : r.jetstream ? "enabled" : "off",
            },
            {
              label: "Total conns",
              cell: (r) => formatCount(r.stats?.total_conns ?? 0),
              num: true,
            },
            { label: "Msgs sent", cell: (r) => formatCount(r.stats?.sent.msgs ?? 0), num: true },
            { label: "Bytes sent", cell: (r) => formatBytes(r.stats?.sent.bytes ?? 0), num: true },
            {
              label: "Msgs received",
              cell: (r) => formatCount(r.stats?.received.msgs ?? 0),
              num: true,
            },
            {
              label: "Bytes received",
              cell: (r) => formatBytes(r.stats?.received.bytes ?? 0),
              num: true,
            },
            {
              label: "Slow consumers",
              cell: (r) => formatCount(r.stats?.slow_consumers ?? 0),
              num: true,
            },
          ]}
          rows={a.accounts}
          empty="No accounts."
        />
      ),
    );
  });

  app.get("/accounts/:name", async (c) => {
    const name = nameParam(c.req.param("name"), "account");
    if (!name) throw new HttpError(400, "Invalid account: empty");
    const accountz = await deps.monitor.accountz({ acc: name }).catch((e) => {
      // nats-server answers 400 "Account X does not exist" for an unknown account.
      if (e instanceof MonitorResponseError && e.status === 400) {
        throw new HttpError(404, `Unknown account "${name}"`, { cause: e });
      }
      throw e;
    });
    const d = accountz.account_detail;
    if (!d) throw new HttpError(404, `Unknown account "${name}"`);
    return renderPage(
      c,
      { ...page, title: `Account ${name}` },
      (
        <>
          <p>
            <a href="/accounts">← Accounts</a> ·{" "}
            <a href={`/connections?acc=${encodeURIComponent(name)}`}>Connections</a> ·{" "}
            <a href={`/api/accountz?acc=${encodeURIComponent(name)}`}>JSON</a>
          </p>
          <Card title="Account">
            <KeyValues
              items={[
                ["Name", d.account_name],
                [
                  "JetStream",
                  d.jetstream_enabled ? badge("good", "enabled") : badge("none", "off"),
                ],
                ["Client connections", formatCount(d.client_connections)],
                ["Leaf node connections", formatCount(d.leafnode_connections)],
                ["Subscriptions", formatCount(d.subscriptions)],
                ["Updated", d.update_time?.slice(0, 19).replace("T", " ") ?? "–"],
              ]}
            />
          </Card>
          <div class="grid two">
            <div>
              <h2>Imports</h2>
              <DataTable
                columns={[
                  {
                    label: "Subject",
                    cell: (i) => <span class="mono">{i.subject}</span>,
                    wrap: true,
                  },
                  { label: "From", cell: (i) => i.account ?? "–" },
                  { label: "Type", cell: (i) => i.type },
                  { label: "Local subject", cell: (i) => i.local_subject ?? i.to ?? "–" },
                ]}
                rows={d.imports ?? []}
                empty="No imports."
              />
            </div>
            <div>
              <h2>Exports</h2>
              <DataTable
                columns={[
                  {
                    label: "Subject",
                    cell: (e) => <span class="mono">{e.subject}</span>,
                    wrap: true,
                  },
                  { label: "Type", cell: (e) => e.type },
                ]}
                rows={d.exports ?? []}
                empty="No exports."
              />
            </div>
          </div>
        </>
      ),
    );
  });
}
