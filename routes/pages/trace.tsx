import { z } from "zod";
import { type MessageTrace, serverFeatures } from "../../mods/monitor/mod.ts";
import { validateSubject } from "../../mods/protocol/mod.ts";
import { InvalidRequestError } from "../../mods/dashboard/mod.ts";
import { Requires } from "../../components/Requires.tsx";
import { badge, Card, DataTable } from "../../components/ui.tsx";
import type { AppContext } from "../context.ts";
import { endpoint, page, type Route } from "../route.ts";

const traceInput = z.object({
  subject: z.string().max(256),
  payload: z.string().max(64 * 1024).optional(),
  deliver: z.union([z.boolean(), z.enum(["on", "true", "false"])]).optional(),
});

/** Reads the form or the JSON body, checks the subject, and traces one publish. */
async function run(c: AppContext): Promise<MessageTrace> {
  const json = (c.req.header("content-type") ?? "").includes("application/json");
  const raw = json ? await c.req.json().catch(() => ({})) : await c.req.parseBody();
  const parsed = traceInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      `Invalid trace request: ${issue?.path.join(".") || "body"}: ${issue?.message}`,
    );
  }
  const { subject, payload, deliver } = parsed.data;
  validateSubject(subject);
  const send = deliver === true || deliver === "on" || deliver === "true";
  return await c.var.services.trace(subject, payload ?? "", send);
}

function TraceForm(p: { csrf: string; subject?: string; version: string }) {
  return (
    <Card title="Trace one message">
      <Requires version={p.version} features={["message_tracing"]} />
      <form method="post" action="/trace" id="trace-form">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <label>
          Subject (in the OPS account){" "}
          <input name="subject" required value={p.subject ?? "ops.echo.nunect-hub"} />
        </label>{" "}
        <label>
          Payload <input name="payload" value="trace" />
        </label>{" "}
        <label>
          <input type="checkbox" name="deliver" /> also deliver it
        </label>{" "}
        <button type="submit">Trace</button>
      </form>
      <p class="muted">
        The message carries Nats-Trace-Dest; every server on its way reports where it came in and
        where it went out. Unless "also deliver" is ticked, it is traced only (Nats-Trace-Only): no
        subscriber receives it.
      </p>
    </Card>
  );
}

function Hops(p: { trace: MessageTrace }) {
  const t = p.trace;
  return (
    <Card title={`Path of ${t.subject}`}>
      <p>
        {t.hops.length} server{t.hops.length === 1 ? "" : "s"}
        {t.traceOnly ? " · traced only, not delivered" : " · delivered"}
        {t.missing.length > 0 &&
          badge("warn", `no report from hop ${t.missing.map((h) => h || "origin").join(", ")}`)}
      </p>
      <DataTable
        id="trace-hops"
        columns={[
          { label: "Hop", cell: (h) => h.hop || "origin" },
          { label: "Server", cell: (h) => <strong>{h.server}</strong> },
          {
            label: "In",
            cell: (h) =>
              h.ingress
                ? `${h.ingress.kind} ${h.ingress.name} (account ${h.ingress.account})`
                : "–",
            wrap: true,
          },
          { label: "On the way", cell: (h) => h.steps.join("; ") || "–", wrap: true },
          {
            label: "Out",
            cell: (h) =>
              h.egress.map((e) =>
                `${e.kind} ${e.name}${e.subscription ? ` [${e.subscription}]` : ""}${
                  e.hop ? ` → hop ${e.hop}` : ""
                }${e.error ? ` (${e.error})` : ""}`
              ).join("; ") || "nowhere (no interest)",
            wrap: true,
          },
        ]}
        rows={t.hops}
        empty="No server reported the message."
      />
    </Card>
  );
}

/**
 * Message tracing (nats-server 2.11+): publish one message from the dashboard's OPS connection
 * with Nats-Trace-Dest and show its hops across servers, leaf nodes and accounts.
 */
export const traceRoutes: readonly Route[] = [
  ...page({
    path: "/trace",
    title: "Trace",
    nav: true,
    twin: { path: "/api/trace", title: "whether the server traces messages (2.11+)" },
    load: async (c) => {
      const version = await c.var.services.serverVersion();
      const available = serverFeatures(version).some((f) =>
        f.feature === "message_tracing" && f.available
      );
      return { version, available };
    },
    render: ({ version }, c) => <TraceForm csrf={c.get("csrf")} version={version} />,
  }),
  endpoint({
    method: "POST",
    path: "/trace",
    title: "trace one publish (form, _csrf)",
    role: "operator",
    needs: ["units"],
    handle: async (c) => {
      const trace = await run(c);
      const version = await c.var.services.serverVersion();
      return c.render(
        <>
          <Hops trace={trace} />
          <TraceForm csrf={c.get("csrf")} subject={trace.subject} version={version} />
        </>,
        { title: "Trace" },
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/trace",
    title:
      "trace one publish: JSON {subject, payload, deliver} (X-CSRF-Token; requires nats-server ≥ 2.11)",
    role: "operator",
    needs: ["units"],
    handle: (c) => run(c),
  }),
];
