import { browserWsUrl } from "./context.ts";
import { endpoint, type Route } from "./route.ts";

/**
 * `/api/browser/credentials`: the logged-in browser's own NATS user (NATS_UI_USER, narrow
 * permissions in OPS) and the WebSocket URL, for the browser unit. The only credential the
 * dashboard ever hands out; never cached.
 */
export const browserRoutes: readonly Route[] = [
  endpoint({
    path: "/api/browser/credentials",
    scope: "self",
    title: "this browser's own NATS user (narrow, OPS) and WebSocket URL",
    handle: (c) => {
      const { config } = c.var.services;
      c.header("Cache-Control", "no-store");
      return {
        user: config.uiUser.user,
        pass: config.uiUser.password,
        wsUrl: browserWsUrl(c, config),
      };
    },
  }),
];
