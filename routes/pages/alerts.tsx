import { RULE_TYPE_INFO } from "../../mods/alerts/mod.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsPanel } from "../../islands/AlertsPanel.tsx";
import { page, type Route } from "../route.ts";
import { alertsView } from "../alerts.ts";

/**
 * Alerts: what fires now (acknowledge with a comment, silence), the silences, and the rules with
 * an editor that previews a rule over the last day of history; live on the `alerts` topic.
 * `/api/alerts/page` is its data.
 */
export const alertsPageRoutes: readonly Route[] = page({
  path: "/alerts",
  title: "Alerts",
  nav: true,
  live: ["alerts"],
  twin: { path: "/api/alerts/page", title: "the Alerts page: states, silences and rules" },
  scope: "account",
  load: (c) => alertsView(c),
  render: (view, c) => (
    <Island
      component={AlertsPanel}
      props={{ initial: view, types: RULE_TYPE_INFO, csrf: c.get("csrf") }}
    />
  ),
});
