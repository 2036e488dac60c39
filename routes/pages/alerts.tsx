import { RULE_TYPE_INFO } from "../../mods/alerts/mod.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsPanel } from "../../islands/AlertsPanel.tsx";
import { page, type Route } from "../route.ts";

/**
 * Alerts: what fires now (acknowledge with a comment, silence), the silences, and the rules with
 * an editor that previews a rule over the last day of history. `/api/alerts/page` is its data.
 */
export const alertsPageRoutes: readonly Route[] = page({
  path: "/alerts",
  title: "Alerts",
  nav: true,
  twin: { path: "/api/alerts/page", title: "the Alerts page: states, silences and rules" },
  load: async (c) => {
    const s = await c.var.services.alerts();
    if (s === undefined) {
      return {
        alerts: {
          available: false,
          reason: "Alerts are not available yet: the alerts program creates its buckets when it " +
            "starts (deno task start runs it)",
          firing: 0,
          states: [],
          silences: [],
        },
        rules: [],
      };
    }
    const states = await s.states();
    return {
      alerts: {
        available: true,
        firing: states.filter((a) => a.status === "firing").length,
        states,
        silences: await s.silences(),
      },
      rules: await s.rules(),
    };
  },
  render: ({ alerts, rules }, c) => (
    <Island
      component={AlertsPanel}
      props={{ initial: alerts, rules, types: RULE_TYPE_INFO, csrf: c.get("csrf"), pollMs: 5000 }}
    />
  ),
});
