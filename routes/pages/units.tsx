import type { Hono } from "hono";
import { Island } from "../../components/Island.tsx";
import { Card } from "../../components/ui.tsx";
import { LocalTime } from "../../islands/LocalTime.tsx";
import { UnitsTables, type UnitsView } from "../../islands/UnitsTables.tsx";
import { validateUnitId } from "../../mods/protocol/mod.ts";
import type { AppEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { renderPage } from "../render.tsx";

function view(deps: Deps): UnitsView {
  const units = deps.units();
  return { now: Date.now(), units: units?.units() ?? [], stats: units?.stats() ?? null };
}

/**
 * Units: every guardian, client and browser with its RTT and clock, live; the local time box;
 * `POST /units/:id/forget` (CSRF-protected) removes a decommissioned unit.
 *
 * @param app the app
 * @param deps data sources
 */
export function unitsRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get("/api/units", (c) => c.json(view(deps)));
  app.get("/api/units/:id", (c) => {
    const u = deps.units()?.unit(c.req.param("id"));
    if (!u) throw new HttpError(404, `Unknown unit "${c.req.param("id")}"`);
    return c.json(u);
  });
  app.get("/api/time", (c) => c.json({ now: Date.now() }));

  const forget = async (id: string) => {
    try {
      validateUnitId(id);
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    const units = deps.units();
    if (!units) throw new HttpError(503, "The units registry is not running yet");
    if (!await units.forget(id)) throw new HttpError(404, `Unknown unit "${id}"`);
  };
  app.post("/api/units/:id/forget", async (c) => {
    await forget(c.req.param("id"));
    return c.json({ forgotten: c.req.param("id") });
  });
  app.post("/units/:id/forget", async (c) => {
    await forget(c.req.param("id"));
    return c.redirect("/units", 303);
  });

  app.get("/units", (c) => {
    const v = view(deps);
    const host = v.units.find((u) => u.unitId === deps.settings.hostUnitId);
    const hostClock = host
      ? {
        unitId: host.unitId,
        source: host.time?.source ?? host.heartbeat?.clock.source ?? "none",
        quality: host.time?.quality ?? host.heartbeat?.clock.quality ?? "freerun",
        offsetNs: host.time?.offsetNs ?? null,
      }
      : null;
    return renderPage(
      c,
      { title: "Units", settings: deps.settings, version: deps.version },
      (
        <>
          {!deps.units() && (
            <div class="notice warn">
              The units registry is not running yet: the dashboard has no OPS connection. Check
              NATS_OPS_USER and NATS_OPS_PASSWORD and that nats-server is running.
            </div>
          )}
          <Card title="Local time">
            <Island
              name="LocalTime"
              component={LocalTime}
              props={{ serverNow: v.now, url: "/api/time", host: hostClock }}
            />
          </Card>
          <Island
            name="UnitsTables"
            component={UnitsTables}
            props={{ initial: v, url: "/api/units", pollMs: 2000, csrf: c.get("csrf") }}
          />
        </>
      ),
    );
  });
}
