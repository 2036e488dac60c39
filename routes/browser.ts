import { browserWsUrl, sessionOf } from "./context.ts";
import { endpoint, type Route } from "./route.ts";

/**
 * `/api/browser/credentials/browser-…`: the logged-in browser's own NATS user for its unit —
 * issued by the controller for this session, its permissions naming only that unit, expiring
 * with the session and revoked at logout — and the WebSocket URL. No browser shares a credential
 * with another; the dashboard hands out nothing else. Never cached by the browser.
 */
export const browserRoutes: readonly Route[] = [
  endpoint({
    path: "/api/browser/credentials/:unit",
    scope: "self",
    title: "this browser unit's own NATS user (OPS, this unit only, ends with the session)",
    handle: async (c) => {
      const { config, browsers } = c.var.services;
      c.header("Cache-Control", "no-store");
      const unit = c.req.param("unit") ?? "";
      const issued = await browsers.credentials(sessionOf(c), unit);
      return {
        unitId: unit,
        creds: issued.creds,
        expiresAt: issued.expiresAt,
        wsUrl: browserWsUrl(c, config),
      };
    },
  }),
];
