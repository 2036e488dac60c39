import { z } from "zod";
import { formatCount } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { DataTable, mono } from "../../components/ui.tsx";
import { callEndpoint, listServices } from "../../mods/jetstream/mod.ts";
import { ServiceCaller } from "../../islands/ServiceCaller.tsx";
import { account, allAccounts, jsonBody } from "../console.ts";
import { param } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

/**
 * Services: the NATS micro services (`$SRV`) of every account, each instance with its endpoints,
 * counters and PING round trip, and calling an endpoint the service announces (the guardians are
 * one such service).
 */
export const servicesRoutes: readonly Route[] = [
  ...page({
    path: "/services",
    scope: "account",
    title: "Services",
    nav: true,
    query: z.object({ name: param.name() }),
    twin: { path: "/api/services", title: "micro services of every account (name)" },
    load: async (c, q) => {
      const { contexts, errors } = await allAccounts(c);
      const list = await listServices(contexts, q.name ?? "");
      return { ...list, errors: [...errors, ...list.errors] };
    },
    render: (v, c) => (
      <>
        {v.errors.map((e) => (
          <div key={e.account} class="notice warn">{e.account}: {e.message}</div>
        ))}
        <DataTable
          id="services"
          columns={[
            { label: "Service", cell: (s) => <strong>{s.name}</strong> },
            { label: "Account", cell: (s) => s.account },
            { label: "Version", cell: (s) => s.version },
            { label: "ID", cell: (s) => mono(s.id) },
            {
              label: "Endpoints",
              cell: (s) => mono(s.endpoints.map((e) => `${e.name} (${e.subject})`).join(", ")),
              wrap: true,
            },
            {
              label: "Requests",
              cell: (s) => formatCount(s.endpoints.reduce((a, e) => a + e.requests, 0)),
              num: true,
            },
            {
              label: "Errors",
              cell: (s) => formatCount(s.endpoints.reduce((a, e) => a + e.errors, 0)),
              num: true,
            },
            { label: "RTT", cell: (s) => (s.rttMs === null ? "–" : `${s.rttMs} ms`), num: true },
          ]}
          rows={v.services}
          empty="No micro services answer in any account."
        />
        <h2>Call an endpoint</h2>
        <Island
          component={ServiceCaller}
          props={{
            csrf: c.var.csrf,
            services: v.services.map((s) => ({
              account: s.account,
              name: s.name,
              id: s.id,
              endpoints: s.endpoints.map((e) => ({ name: e.name, subject: e.subject })),
            })),
          }}
        />
      </>
    ),
  }),
  endpoint({
    method: "POST",
    path: "/api/services/:account/call",
    title: "call an announced endpoint ({ service, endpoint, id, subject, headers, payload })",
    role: "operator",
    handle: async (c) => callEndpoint(await account(c), await jsonBody(c)),
  }),
];
