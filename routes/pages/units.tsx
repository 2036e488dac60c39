import { z } from "zod";
import {
  DEFAULT_UNITS_QUERY,
  hostClock,
  NotFoundError,
  unitAccount,
  type UnitsQuery,
  unitsView,
} from "../../mods/dashboard/mod.ts";
import { UNIT_SORTS } from "../../mods/monitor/mod.ts";
import { UNIT_ID_PATTERN, validateUnitId } from "../../mods/protocol/mod.ts";
import { Island } from "../../components/Island.tsx";
import { Card } from "../../components/ui.tsx";
import { LocalTime } from "../../islands/LocalTime.tsx";
import { UnitsTables } from "../../islands/UnitsTables.tsx";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";
import { sees } from "../scope.ts";

const idParam = z.object({ id: z.string() });

/** A page of the units table: `offset`, `limit` (1-1000), `sort`, `dir` and the filter `q`. */
const unitsQuery = z.object({
  offset: param.int(),
  limit: param.int(1000),
  sort: param.oneOf(UNIT_SORTS),
  dir: param.oneOf(["asc", "desc"]),
  q: param.name(),
}).transform((q): UnitsQuery => ({
  offset: q.offset ?? DEFAULT_UNITS_QUERY.offset,
  limit: Math.max(1, q.limit ?? DEFAULT_UNITS_QUERY.limit),
  sort: q.sort ?? DEFAULT_UNITS_QUERY.sort,
  dir: q.dir ?? DEFAULT_UNITS_QUERY.dir,
  q: q.q ?? DEFAULT_UNITS_QUERY.q,
}));

/** Removes a unit; the unit ID is checked first (400), an unknown one is a 404. */
async function forget(c: AppContext): Promise<string> {
  const id = validateUnitId(parseParams(idParam, c.req.param()).id);
  const unit = c.var.units.unit(id);
  if (unit === undefined || !sees(c, unitAccount(unit)) || !await c.var.units.forget(id)) {
    throw new NotFoundError(`Unknown unit "${id}"`);
  }
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
    scope: "account",
    live: ["units"],
    query: unitsQuery,
    twin: {
      path: "/api/units",
      title:
        "a page of units with heartbeat, RTT and clock, and ingest counters (offset, limit, sort, dir, q)",
    },
    load: (c, q) => unitsView(c.var.services.units(), q, Date.now(), c.var.principal.scope),
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
              host: c.var.principal.scope === null
                ? hostClock(c.var.services.units()?.unit(c.var.services.config.unit.unitId))
                : null,
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
    scope: "account",
    needs: ["units"],
    handle: (c) => {
      const id = parseParams(idParam, c.req.param()).id;
      const unit = UNIT_ID_PATTERN.test(id) ? c.var.units.unit(id) : undefined;
      if (!unit || !sees(c, unitAccount(unit))) throw new NotFoundError(`Unknown unit "${id}"`);
      return unit;
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/units/:id/forget",
    title: "remove a unit (X-CSRF-Token)",
    role: "operator",
    scope: "account",
    needs: ["units"],
    handle: async (c) => ({ forgotten: await forget(c) }),
  }),
  endpoint({
    method: "POST",
    path: "/units/:id/forget",
    title: "remove a unit (form, _csrf)",
    role: "operator",
    scope: "account",
    needs: ["units"],
    handle: async (c) => {
      await forget(c);
      return c.redirect("/units", 303);
    },
  }),
  endpoint({
    path: "/api/time",
    title: "the dashboard server's clock",
    scope: "self",
    handle: () => ({ now: Date.now() }),
  }),
];
