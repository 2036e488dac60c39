import { z } from "zod";
import { hostClock, NotFoundError, unitsView } from "../../mods/dashboard/mod.ts";
import { UNIT_ID_PATTERN, validateUnitId } from "../../mods/protocol/mod.ts";
import { Island } from "../../components/Island.tsx";
import { Card } from "../../components/ui.tsx";
import { LocalTime } from "../../islands/LocalTime.tsx";
import { UnitsTables } from "../../islands/UnitsTables.tsx";
import type { AppContext } from "../context.ts";
import { parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const idParam = z.object({ id: z.string() });

/** Removes a unit; the unit ID is checked first (400), an unknown one is a 404. */
async function forget(c: AppContext): Promise<string> {
  const id = validateUnitId(parseParams(idParam, c.req.param()).id);
  if (!await c.var.units.forget(id)) throw new NotFoundError(`Unknown unit "${id}"`);
  return id;
}

/**
 * Units: every guardian, client and browser with its RTT and clock, live; the local time box;
 * forgetting a decommissioned unit (CSRF-protected POST, role operator).
 */
export const unitsRoutes: readonly Route[] = [
  ...page({
    path: "/units",
    title: "Units",
    nav: true,
    live: ["units"],
    twin: { path: "/api/units", title: "units with heartbeat, RTT and clock, and ingest counters" },
    load: (c) => unitsView(c.var.services.units()),
    render: (v, c) => (
      <>
        {v.stats === null && (
          <div class="notice warn">
            The units registry is not running yet: the dashboard has no OPS connection. Check
            NATS_OPS_USER and NATS_OPS_PASSWORD and that nats-server is running.
          </div>
        )}
        <Card title="Local time">
          <Island
            component={LocalTime}
            props={{
              serverNow: v.now,
              url: "/api/time",
              host: hostClock(v.units, c.var.services.config.unit.unitId),
            }}
          />
        </Card>
        <Island
          component={UnitsTables}
          props={{ initial: v, csrf: c.get("csrf") }}
        />
      </>
    ),
  }),
  endpoint({
    path: "/api/units/:id",
    title: "one unit",
    needs: ["units"],
    handle: (c) => {
      const id = parseParams(idParam, c.req.param()).id;
      const unit = UNIT_ID_PATTERN.test(id) ? c.var.units.unit(id) : undefined;
      if (!unit) throw new NotFoundError(`Unknown unit "${id}"`);
      return unit;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/units/:id/forget",
    title: "remove a unit (X-CSRF-Token)",
    role: "operator",
    needs: ["units"],
    handle: async (c) => ({ forgotten: await forget(c) }),
  }),
  endpoint({
    method: "POST",
    path: "/units/:id/forget",
    title: "remove a unit (form, _csrf)",
    role: "operator",
    needs: ["units"],
    handle: async (c) => {
      await forget(c);
      return c.redirect("/units", 303);
    },
  }),
  endpoint({
    path: "/api/time",
    title: "the dashboard server's clock",
    handle: () => ({ now: Date.now() }),
  }),
];
