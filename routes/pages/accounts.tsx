import { z } from "zod";
import { accountzSchema, accstatzSchema } from "../../mods/monitor/schemas.ts";
import {
  accountChanges,
  accountDetail,
  type AccountRow,
  accountsSummary,
  identityAccount,
  identityAccounts,
} from "../../mods/dashboard/mod.ts";
import {
  AuditTable,
  CreateAccountForm,
  IdentityAccounts,
  IssueUnitForm,
  LimitsForm,
  UsersTable,
} from "../../components/Identity.tsx";
import { fromController } from "../identity.ts";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Badge, badge, Card, DataTable, KeyValues } from "../../components/ui.tsx";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";
import { inAskersScope, needInScope } from "../scope.ts";

const accQuery = z.object({ acc: param.name() });
const nameParam = z.object({ name: param.name() });

/**
 * Accounts: every account with its connections, subscriptions and traffic (accountz +
 * accstatz), and one account's detail with its imports and exports.
 */
export const accountsRoutes: readonly Route[] = [
  ...page({
    path: "/accounts",
    title: "Accounts",
    nav: true,
    scope: "account",
    twin: { path: "/api/accounts", title: "accounts with connections, subscriptions and traffic" },
    load: async (c) => {
      const services = c.var.services;
      const [summary, identity] = await Promise.all([
        accountsSummary(services.monitor, (k) => services.accountName(k)),
        fromController(c, () => identityAccounts(services.controller(), c.var.principal.user)),
      ]);
      return {
        ...summary,
        accounts: inAskersScope(c, summary.accounts, (r) => r.name),
        identity: identity.value && inAskersScope(c, identity.value, (r) => r.name),
        identityError: identity.error,
      };
    },
    render: (a, c) => (
      <>
        <DataTable<AccountRow>
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
        <h2>Identity</h2>
        {a.identity
          ? <IdentityAccounts accounts={a.identity} />
          : <div class="notice warn">The controller does not answer: {a.identityError}</div>}
        <CreateAccountForm csrf={c.get("csrf")} />
      </>
    ),
  }),
  ...page({
    path: "/accounts/:name",
    title: "Account",
    scope: "account",
    twin: {
      path: "/api/accounts/:name",
      title: "one account with its imports and exports, its limits and users",
    },
    load: async (c) => {
      const { name } = parseParams(nameParam, c.req.param());
      needInScope(c, name, `account "${name}"`);
      const services = c.var.services;
      const audit = services.audit();
      const [d, identity, changes] = await Promise.all([
        accountDetail(services.monitor, name ?? "", services.accountKey(name ?? "")),
        fromController(
          c,
          () => identityAccount(services.controller(), c.var.principal.user, name ?? ""),
        ),
        audit ? accountChanges(audit, name ?? "").catch(() => []) : Promise.resolve([]),
      ]);
      return {
        ...d,
        name: services.accountName(d.account_name),
        imports: d.imports?.map((i) => ({
          ...i,
          account: i.account && services.accountName(i.account),
        })),
        identity: identity.value,
        identityError: identity.error,
        changes,
      };
    },
    heading: (d) => `Account ${d.name}`,
    render: (d, c) => {
      const name = d.name;
      const csrf = c.get("csrf");
      return (
        <>
          <p>
            <a href="/accounts">← Accounts</a> ·{" "}
            <a href={`/connections?acc=${encodeURIComponent(name)}`}>Connections</a> ·{" "}
            <a href={`/api/accounts/${encodeURIComponent(name)}`}>JSON</a>
          </p>
          <Card title="Account">
            <KeyValues
              items={[
                ["Name", name],
                ...(name !== d.account_name ? [["Key", d.account_name] as [string, string]] : []),
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
          {d.identity
            ? (
              <>
                <LimitsForm csrf={csrf} account={d.identity.account} />
                <h2 id="users">Users</h2>
                <p class="muted">
                  {d.identity.inSync
                    ? "nats-server's resolver holds the account JWT the controller issued last."
                    : "nats-server's resolver does not hold the account JWT the controller issued " +
                      "last: the controller pushes it again when it starts (deno task identity sync)."}
                </p>
                <UsersTable csrf={csrf} account={name} users={d.identity.users} />
                {d.identity.account.kind !== "system" && (
                  <IssueUnitForm csrf={csrf} account={name} />
                )}
                <h2 id="changes">Changes</h2>
                <AuditTable records={d.changes} />
              </>
            )
            : <div class="notice warn">The controller does not answer: {d.identityError}</div>}
        </>
      );
    },
  }),
  endpoint({
    path: "/api/accountz",
    response: accountzSchema,
    title: "nats-server /accountz (acc)",
    query: accQuery,
    handle: (c, q) =>
      c.var.services.monitor.relay(
        "accountz",
        q.acc ? { ...q, acc: c.var.services.accountKey(q.acc) } : q,
      ),
  }),
  endpoint({
    path: "/api/accstatz",
    response: accstatzSchema,
    title: "nats-server /accstatz, unused accounts included",
    handle: (c) => c.var.services.monitor.relay("accstatz", { unused: true }),
  }),
];
