import {
  type AlertStore,
  type EvalInput,
  parseRule,
  preview,
  RULE_TYPE_INFO,
  type RuleType,
} from "../mods/alerts/mod.ts";
import {
  type DashboardServices,
  readAlertsView,
  ServiceUnavailableError,
} from "../mods/dashboard/mod.ts";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";
import type { Frame, Kind } from "../mods/history/mod.ts";
import type { AppContext } from "./context.ts";
import { readRange } from "./history.ts";
import { endpoint, type Route } from "./route.ts";

/** The kinds of history each rule type reads. */
const KINDS_OF: { readonly [T in RuleType]: readonly Kind[] } = {
  consumer_lag: ["consumer"],
  rate_zscore: ["server", "account"],
  storage_share: ["server", "account", "stream"],
  slow_consumers: ["server"],
  disconnect_rate: ["server"],
  server_health: ["server"],
  unit_heartbeat: ["unit"],
  unit_clock: ["unit"],
  unit_rtt: ["unit"],
};

const UNAVAILABLE = "Alerts are not available yet: the alerts program creates its buckets " +
  "when it starts (deno task start runs it)";

async function store(services: DashboardServices): Promise<AlertStore> {
  const s = await services.alerts();
  if (s === undefined) throw new ServiceUnavailableError(UNAVAILABLE);
  return s;
}

async function body(c: AppContext): Promise<Record<string, unknown>> {
  let b: unknown;
  try {
    b = await c.req.json();
  } catch {
    b = undefined;
  }
  if (b === null || typeof b !== "object" || Array.isArray(b)) {
    throw new InvalidRequestError("Expected a JSON object as the request body");
  }
  return b as Record<string, unknown>;
}

/** Replays a rule over the last day of history (the rule editor's preview). */
async function previewRule(services: DashboardServices, input: Record<string, unknown>) {
  const rule = parseRule({ id: "preview", ...input });
  const kinds = KINDS_OF[rule.type];
  const byKind = new Map<Kind, Map<number, Frame>>();
  let tier = "";
  // The last day at up to a point a minute (a young installation: whatever finer tier has more).
  for (const kind of kinds) {
    const r = await readRange(services, kind, "1d", { maxPoints: 1440, minPoints: 60 });
    tier = r.tier;
    byKind.set(kind, new Map(r.frames.map((f) => [f.t, f])));
  }
  const times = [...new Set([...byKind.values()].flatMap((m) => [...m.keys()]))].sort((a, b) =>
    a - b
  );
  const inputs: EvalInput[] = [];
  const current: Partial<Record<Kind, Frame>> = {};
  const previous: Partial<Record<Kind, Frame>> = {};
  for (const t of times) {
    for (const kind of kinds) {
      const f = byKind.get(kind)?.get(t);
      if (f === undefined) continue;
      if (current[kind]) previous[kind] = current[kind];
      current[kind] = f;
    }
    inputs.push({ now: t, current: { ...current }, previous: { ...previous } });
  }
  const transitions = preview(rule, inputs).map((t) => ({
    ...t,
    at: new Date(t.at).toISOString(),
  }));
  return {
    tier,
    points: inputs.length,
    firings: transitions.filter((t) => t.to === "firing").length,
    transitions,
  };
}

/**
 * The alerts API: states (firing first) and silences, rules (save, delete, preview over the last
 * day of history), acknowledgements, silences and the alerts history. Reads answer empty (saying
 * why) until the alerts program has created its buckets; changes need the CSRF token and the
 * operator role.
 */
export const alertsRoutes: readonly Route[] = [
  endpoint({
    path: "/api/alerts",
    title: "alert states (firing first), silences and rules",
    handle: async (c) => await readAlertsView(await c.var.services.alerts()),
  }),
  endpoint({
    path: "/api/alerts/rules",
    title: "alert rules, and what each rule type measures",
    handle: async (c) => {
      const s = await c.var.services.alerts();
      return { available: s !== undefined, rules: s ? await s.rules() : [], types: RULE_TYPE_INFO };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/rules",
    title: "save a rule (JSON; id, name, type, threshold, forS, hysteresis, severity, …)",
    role: "operator",
    handle: async (c) => (await store(c.var.services)).putRule(await body(c)),
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/rules/:id/delete",
    title: "delete a rule",
    role: "operator",
    handle: async (c) => {
      await (await store(c.var.services)).deleteRule(c.req.param("id") ?? "");
      return { deleted: c.req.param("id") ?? "" };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/preview",
    title: "what a rule (JSON) would have fired over the last day of history",
    role: "operator", // the rule editor's: no state changes, but only editors need it
    needs: ["units"],
    handle: async (c) => await previewRule(c.var.services, await body(c)),
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/ack",
    title: "acknowledge a firing alert with a comment (ruleId, target, comment)",
    role: "operator",
    handle: async (c) => {
      const b = await body(c);
      return (await store(c.var.services)).acknowledge(
        String(b.ruleId ?? ""),
        String(b.target ?? ""),
        c.var.session.user,
        String(b.comment ?? ""),
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/silences",
    title: "silence a rule or targets until a time (ruleId, target, until, comment)",
    role: "operator",
    handle: async (c) =>
      (await store(c.var.services)).silence({
        id: crypto.randomUUID().slice(0, 8),
        ...await body(c),
        by: c.var.session.user,
      }),
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/silences/:id/delete",
    title: "end a silence",
    role: "operator",
    handle: async (c) => {
      await (await store(c.var.services)).unsilence(c.req.param("id") ?? "");
      return { deleted: c.req.param("id") ?? "" };
    },
  }),
  endpoint({
    path: "/api/alerts/history",
    title: "firing, resolved, acknowledgements, silences and delivery outcomes (since, ms)",
    handle: async (c) => {
      const s = await c.var.services.alerts();
      const since = Number(c.req.query("since") ?? Date.now() - 86_400_000);
      return {
        available: s !== undefined,
        items: s ? await s.history(Number.isFinite(since) ? since : undefined) : [],
      };
    },
  }),
];
