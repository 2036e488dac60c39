import {
  alertAccount,
  type AlertStore,
  type EvalInput,
  parseRule,
  preview,
  RULE_TYPE_INFO,
  type RuleType,
} from "../mods/alerts/mod.ts";
import {
  alertsInScope,
  type AlertsView,
  type DashboardServices,
  readAlertsView,
  ServiceUnavailableError,
} from "../mods/dashboard/mod.ts";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";
import type { Frame, Kind } from "../mods/history/mod.ts";
import type { AppContext } from "./context.ts";
import { readRange } from "./history.ts";
import { endpoint, type Route } from "./route.ts";
import { HttpError } from "./errors.ts";
import { noteAudit } from "./audit.ts";
import { inAskersScope, sees } from "./scope.ts";

/**
 * The alerts the asker may see, read once for the page, its twin and `/api/alerts` (see
 * {@linkcode alertsInScope}: an account-scoped user gets its accounts' alerts, no server alerts,
 * no silences and no rules).
 *
 * @param c the request context
 * @returns the view, or why alerts are not available
 */
export async function alertsView(c: AppContext): Promise<AlertsView> {
  return alertsInScope(
    await readAlertsView(await c.var.services.alerts()),
    c.var.principal.scope,
  );
}

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
    scope: "account",
    handle: (c) => alertsView(c),
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
    role: "admin",
    handle: async (c) => {
      const alerts = await store(c.var.services);
      const input = await body(c);
      const before = (await alerts.rules()).find((r) => r.id === input.id) ?? null;
      const after = await alerts.putRule(input);
      noteAudit(c, { target: `rule ${after.id}`, before, after });
      return after;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/alerts/rules/:id/delete",
    title: "delete a rule",
    role: "admin",
    handle: async (c) => {
      const alerts = await store(c.var.services);
      const id = c.req.param("id") ?? "";
      const before = (await alerts.rules()).find((r) => r.id === id) ?? null;
      await alerts.deleteRule(id);
      noteAudit(c, { target: `rule ${id}`, before, after: null });
      return { deleted: id };
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
    scope: "account",
    handle: async (c) => {
      const b = await body(c);
      const alerts = await store(c.var.services);
      if (c.var.principal.scope !== null) {
        const rule = (await alerts.rules()).find((r) => r.id === String(b.ruleId ?? ""));
        if (rule === undefined || !sees(c, alertAccount(rule, String(b.target ?? "")))) {
          throw new HttpError(
            404,
            `Unknown alert "${String(b.ruleId ?? "")}" on "${String(b.target ?? "")}"`,
          );
        }
      }
      return alerts.acknowledge(
        String(b.ruleId ?? ""),
        String(b.target ?? ""),
        c.var.principal.user,
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
        by: c.var.principal.user,
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
    scope: "account",
    handle: async (c) => {
      const s = await c.var.services.alerts();
      const since = Number(c.req.query("since") ?? Date.now() - 86_400_000);
      const items = s ? await s.history(Number.isFinite(since) ? since : undefined) : [];
      // An account-scoped user sees its accounts' firings and acknowledgements only.
      const rules = s && c.var.principal.scope !== null
        ? new Map((await s.rules()).map((r) => [r.id, r]))
        : null;
      return {
        available: s !== undefined,
        items: rules === null ? items : inAskersScope(c, items, (i) => {
          const d = i.data as { ruleId?: unknown; target?: unknown };
          const rule = typeof d.ruleId === "string" ? rules.get(d.ruleId) : undefined;
          return rule && typeof d.target === "string" ? alertAccount(rule, d.target) : null;
        }),
      };
    },
  }),
];
