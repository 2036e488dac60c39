import type { Handler } from "hono";
import { EXPOSITION_CONTENT_TYPE } from "../mods/prometheus/mod.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import { safeEqual } from "./session.ts";

/**
 * `GET /metrics` for Prometheus: answered with a valid `Authorization: Bearer <METRICS_TOKEN>`,
 * or to anyone when METRICS_OPEN=true; off (404 saying how to turn it on) when neither is set.
 * Like `/healthz` it is a machine endpoint outside the route table: scrapers cannot log in, so
 * the login middleware lets this path through (routes/auth.tsx) and the token is checked here.
 */
export const metricsHandler: Handler<AppEnv> = async (c) => {
  const { services } = c.var;
  const { token, open } = services.config.metrics;
  if (!open) {
    if (token === "") {
      throw new HttpError(404, "/metrics is off: set METRICS_TOKEN (or METRICS_OPEN=true) in .env");
    }
    const given = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    if (!await safeEqual(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="nunect metrics"');
      throw new HttpError(401, "Missing or invalid bearer token for /metrics");
    }
  }
  return c.body(await services.metrics.scrape(), 200, { "content-type": EXPOSITION_CONTENT_TYPE });
};
