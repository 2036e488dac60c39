import type { Hono } from "hono";
import { type AppEnv, browserWsUrl } from "./context.ts";
import type { Deps } from "./deps.ts";

/**
 * `/api/browser/credentials`: the logged-in browser's own NATS user (NATS_UI_USER, narrow
 * permissions in OPS) and the WebSocket URL, for the browser-unit island. The only credential
 * the dashboard ever hands out; never cached.
 *
 * @param app the app
 * @param deps settings
 */
export function browserRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get("/api/browser/credentials", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({
      user: deps.settings.uiUser.user,
      pass: deps.settings.uiUser.password,
      wsUrl: browserWsUrl(c, deps.settings),
    });
  });
}
