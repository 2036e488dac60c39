import { z } from "zod";
import { NotFoundError, type ServerDetail, serverDetail } from "../../mods/dashboard/mod.ts";
import { FEATURES, PROFILES, serverFeatures, type ServerRef } from "../../mods/monitor/mod.ts";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Confirm } from "../../components/Confirm.tsx";
import { Requires } from "../../components/Requires.tsx";
import { badge, Card, DataTable, KeyValues, mono } from "../../components/ui.tsx";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";
import { needInScope } from "../scope.ts";

const idParam = z.object({ id: z.string().regex(/^N[A-Z0-9]{55}$/, "expected a server ID") });
const profileQuery = z.object({
  name: param.oneOf(PROFILES),
  seconds: param.int(15),
});

const title = (feature: string) => FEATURES.find((f) => f.feature === feature)?.title ?? feature;

async function detail(c: AppContext): Promise<ServerDetail> {
  const { id } = parseParams(idParam, c.req.param());
  return await serverDetail(c.var.sys, id);
}

async function reload(c: AppContext): Promise<ServerRef> {
  const d = await detail(c);
  await c.var.services.control().reload(d.ref);
  return d.ref;
}

/**
 * One server of the cluster (linked from the Overview's cluster table), asked over the system
 * account: identity, health with details, Go memory; reloading its configuration (with a
 * confirmation) and downloading CPU or memory profiles. Features its version lacks say which
 * release they need.
 */
export const serversRoutes: readonly Route[] = [
  ...page({
    path: "/servers/:id",
    title: "Server",
    needs: ["sys"],
    twin: { path: "/api/servers/:id", title: "one server: varz, healthz details, expvarz" },
    load: detail,
    heading: (d) => `Server ${d.ref.name}`,
    render: (d) => {
      const available = (f: string) => d.features.some((x) => x.feature === f && x.available);
      const mem = d.expvarz?.memstats;
      const health = d.healthz;
      return (
        <>
          <p>
            <a href="/">← Overview</a> · <a href={`/api/servers/${d.ref.id}`}>JSON</a>
          </p>
          <div class="grid two">
            <Card title="Identity">
              <KeyValues
                items={[
                  ["Name", mono(d.ref.name)],
                  ["ID", mono(d.ref.id)],
                  ["Version", `${d.ref.version} (${d.varz.go ?? "go ?"})`],
                  ["Host", mono(d.server.host)],
                  ["Cluster", d.server.cluster ?? "none"],
                  ["Uptime", d.varz.uptime],
                  ["Connections", formatCount(d.varz.connections)],
                  ["Config digest", d.varz.config_digest ?? "–"],
                ]}
              />
            </Card>
            <Card title="Health">
              {health
                ? (
                  <>
                    <p>
                      {health.status === "ok"
                        ? badge("good", "healthy")
                        : badge("bad", health.status)} {health.error ?? ""}
                    </p>
                    <DataTable
                      id="health-errors"
                      columns={[
                        { label: "Check", cell: (e) => String(e.type) },
                        { label: "Account", cell: (e) => e.account ?? "–" },
                        { label: "Stream", cell: (e) => e.stream ?? "–" },
                        { label: "Consumer", cell: (e) => e.consumer ?? "–" },
                        { label: "Error", cell: (e) => e.error ?? "", wrap: true },
                      ]}
                      rows={health.errors ?? []}
                      empty="Every check passes."
                    />
                  </>
                )
                : <p class="muted">No health answer.</p>}
              <Requires version={d.ref.version} features={["healthz_details"]} />
            </Card>
          </div>
          <Card title="Go runtime">
            {mem
              ? (
                <KeyValues
                  items={[
                    ["Heap in use", formatBytes(mem.HeapInuse ?? 0)],
                    ["From the OS", formatBytes(mem.Sys ?? 0)],
                    ["Garbage collections", formatCount(mem.NumGC ?? 0)],
                    ["GC pauses", `${((mem.PauseTotalNs ?? 0) / 1e6).toFixed(1)} ms in total`],
                    ["Command line", mono((d.expvarz?.cmdline ?? []).join(" "))],
                  ]}
                />
              )
              : <Requires version={d.ref.version} features={["expvarz"]} />}
          </Card>
          <Card title="Actions">
            {available("reload")
              ? (
                <p>
                  <a href={`/servers/${d.ref.id}/reload`} id="reload-link">
                    Reload the configuration…
                  </a>{" "}
                  <span class="muted">re-reads config/*.conf, as SIGHUP does; clients stay</span>
                </p>
              )
              : <Requires version={d.ref.version} features={["reload"]} />}
            {available("profilez")
              ? (
                <p id="profiles">
                  Profiles (pprof, for <span class="mono">go tool pprof</span>):{" "}
                  <a href={`/api/servers/${d.ref.id}/profile?name=cpu&seconds=5`}>CPU, 5 s</a> ·
                  {" "}
                  <a href={`/api/servers/${d.ref.id}/profile?name=heap`}>heap</a> ·{" "}
                  <a href={`/api/servers/${d.ref.id}/profile?name=goroutine`}>goroutines</a>
                </p>
              )
              : <Requires version={d.ref.version} features={["profilez"]} />}
            <p class="muted">
              Lame-duck mode is a signal to the server's process:{" "}
              <span class="mono">deno task nats ldm</span>{" "}
              on its host. The Activity log shows its LAMEDUCK event.
            </p>
          </Card>
        </>
      );
    },
  }),
  ...page({
    path: "/servers/:id/reload",
    title: "Reload",
    role: "operator",
    needs: ["sys"],
    twin: {
      path: "/api/servers/:id/reload",
      title: "what reloading a server would do (POST it to reload)",
    },
    load: async (c) => {
      const d = await detail(c);
      const available = d.features.some((f) => f.feature === "reload" && f.available);
      return { server: d.ref, host: d.server.host, available };
    },
    heading: (r) => `Reload ${r.server.name}`,
    render: (r, c) =>
      r.available
        ? (
          <Confirm
            title={`Reload the configuration of ${r.server.name}?`}
            action={`/servers/${r.server.id}/reload`}
            csrf={c.get("csrf")}
            button="Reload"
            back={`/servers/${r.server.id}`}
          >
            <p>
              nats-server {r.server.version} on <span class="mono">{r.host}</span>{" "}
              re-reads its configuration files without dropping clients. A configuration it cannot
              load is refused, and the running one stays.
            </p>
          </Confirm>
        )
        : <Requires version={r.server.version} features={["reload"]} />,
  }),
  endpoint({
    method: "POST",
    path: "/servers/:id/reload",
    title: "reload a server's configuration (form, _csrf)",
    role: "operator",
    needs: ["sys"],
    handle: async (c) => {
      const ref = await reload(c);
      return c.render(
        <Card title="Configuration reloaded">
          <p id="action-result">
            {badge("good", "done")} {ref.name} re-read its configuration.{" "}
            <a href={`/servers/${ref.id}`}>Back to the server</a>
          </p>
        </Card>,
        { title: `Reloaded ${ref.name}` },
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/servers/:id/reload",
    title: "reload a server's configuration (X-CSRF-Token; requires nats-server ≥ 2.10)",
    role: "operator",
    needs: ["sys"],
    handle: async (c) => ({ reloaded: (await reload(c)).name }),
  }),
  endpoint({
    path: "/api/servers/:id/profile",
    title: `a server's pprof profile (name: ${PROFILES.join(", ")}; seconds for cpu)`,
    role: "operator",
    needs: ["sys"],
    query: profileQuery,
    handle: async (c, q) => {
      const d = await detail(c);
      const name = q.name ?? "heap";
      const bytes = await c.var.services.control().profile(d.ref, name, q.seconds ?? 5);
      return new Response(bytes, {
        headers: {
          "content-type": "application/octet-stream",
          "content-disposition": `attachment; filename="${d.ref.name}-${name}.pb.gz"`,
        },
      });
    },
  }),
];

/** The connection on the dashboard's own server that an action is for. */
async function localServer(c: AppContext): Promise<ServerRef> {
  const { varz } = await c.var.services.overview.sample();
  return { id: varz.server_id, name: varz.server_name, version: varz.version };
}

const cidParam = z.object({ cid: param.int(Number.MAX_SAFE_INTEGER) });

type ClientAction = "kick" | "ldm";

const ACTION = {
  kick: {
    feature: "kick",
    preview: "what disconnecting this client would do (POST it to disconnect)",
    question: "Disconnect",
    button: "Disconnect",
    done: "disconnected: its DISCONNECT shows in the Activity log with the reason Kicked",
  },
  ldm: {
    feature: "ldm_client",
    preview: "what sending this client the lame-duck notice would do (POST it to send)",
    question: "Send the lame-duck notice to",
    button: "Send the notice",
    done:
      "was sent the lame-duck notice: a client that supports it reconnects to another server of the cluster",
  },
} as const;

async function act(c: AppContext, action: ClientAction) {
  const { cid } = parseParams(cidParam, c.req.param());
  if (c.var.principal.scope !== null) {
    // An account-scoped operator acts on its own accounts' clients only.
    const conn = await c.var.services.monitor.connz({ cid, auth: true });
    needInScope(c, conn.connections.find((x) => x.cid === cid)?.account, `connection "${cid}"`);
  }
  const server = await localServer(c);
  await c.var.services.control()[action](server, cid ?? 0);
  return { cid: cid ?? 0, server: server.name };
}

function clientActionRoutes(action: ClientAction): Route[] {
  const a = ACTION[action];
  return [
    ...page({
      path: `/connections/:cid/${action}`,
      title: a.button,
      role: "operator",
      scope: "account",
      twin: {
        path: `/api/connections/:cid/${action}`,
        title: a.preview,
      },
      load: async (c) => {
        const { cid } = parseParams(cidParam, c.req.param());
        const server = await localServer(c);
        const conn = await c.var.services.monitor.connz({ cid, auth: true });
        const client = conn.connections.find((x) => x.cid === cid && x.stop === undefined);
        if (client === undefined) throw new NotFoundError(`No open connection ${cid}`);
        needInScope(c, client.account, `connection "${cid}"`);
        return { cid: client.cid, client, server, available: has(server.version, a.feature) };
      },
      heading: (r) => `${a.question} client #${r.cid}?`,
      render: (r, c) => (
        <>
          <Requires version={r.server.version} features={[a.feature]} />
          {r.available && (
            <Confirm
              title={`${a.question} client #${r.cid}?`}
              action={`/connections/${r.cid}/${action}`}
              csrf={c.get("csrf")}
              button={a.button}
              back={`/connections/${r.cid}`}
            >
              <p>
                {r.client.name || "(no name)"} · account {r.client.account ?? "?"} · user{" "}
                {r.client.authorized_user ?? "?"} · {r.client.lang ?? "?"} {r.client.version ?? ""}
                {" "}
                on {r.server.name}
              </p>
              <p class="muted">{title(a.feature)}</p>
            </Confirm>
          )}
        </>
      ),
    }),
    endpoint({
      method: "POST",
      path: `/connections/:cid/${action}`,
      title: `${a.question.toLowerCase()} a client (form, _csrf)`,
      role: "operator",
      scope: "account",
      needs: ["sys"],
      handle: async (c) => {
        const r = await act(c, action);
        return c.render(
          <Card title="Done">
            <p id="action-result">
              {badge("good", "done")} Client #{r.cid} on {r.server} {a.done}.{" "}
              <a href="/activity">Activity</a> · <a href="/connections">Connections</a>
            </p>
          </Card>,
          { title: `Client #${r.cid}` },
        );
      },
    }),
    endpoint({
      method: "POST",
      path: `/api/connections/:cid/${action}`,
      title: `${a.question.toLowerCase()} a client (X-CSRF-Token; requires nats-server ≥ 2.10)`,
      role: "operator",
      scope: "account",
      needs: ["sys"],
      handle: async (c) => ({ [action]: true, ...(await act(c, action)) }),
    }),
  ];
}

const has = (version: string, feature: string) =>
  serverFeatures(version).some((f) => f.feature === feature && f.available);

/** Disconnecting a client (KICK) and sending it the lame-duck notice (LDM), with confirmations. */
export const clientActionsRoutes: readonly Route[] = [
  ...clientActionRoutes("kick"),
  ...clientActionRoutes("ldm"),
];
