import { z } from "zod";
import {
  DEFAULT_UNITS_QUERY,
  hostClock,
  NotFoundError,
  unitAccount,
  unitCredentials,
  type UnitsQuery,
  unitsView,
} from "../../mods/dashboard/mod.ts";
import { UNIT_SORTS, validateUnitKey } from "../../mods/monitor/mod.ts";
import { ProvisionForm } from "../../components/Identity.tsx";
import { fromController } from "../identity.ts";
import { Island } from "../../components/Island.tsx";
import { Card } from "../../components/ui.tsx";
import { LocalTime } from "../../islands/LocalTime.tsx";
import { UnitsTables } from "../../islands/UnitsTables.tsx";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";
import { sees } from "../scope.ts";

const idParam = z.object({ id: z.string() });

function isUnitKey(key: string): boolean {
  try {
    validateUnitKey(key);
    return true;
  } catch {
    return false;
  }
}

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

/**
 * Removes a unit by its key (`<unit>`, or `<ACCOUNT>.<unit>` for a tenant's); the key is checked
 * first (400), an unknown one is a 404.
 */
async function forget(c: AppContext): Promise<string> {
  const key = validateUnitKey(parseParams(idParam, c.req.param()).id);
  const unit = c.var.units.unit(key);
  if (unit === undefined || !sees(c, unitAccount(unit)) || !await c.var.units.forget(key)) {
    throw new NotFoundError(`Unknown unit "${key}"`);
  }
  return key;
}

/**
 * Units: every guardian, client and browser with its account, its credential, its RTT and clock,
 * live; the local time box; forgetting a decommissioned unit (CSRF-protected POST, role
 * operator); provisioning a router (role admin).
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
        "a page of units with account, credential, heartbeat, RTT and clock, and ingest counters (offset, limit, sort, dir, q)",
    },
    load: async (c, q) => {
      const services = c.var.services;
      const credentials = await fromController(
        c,
        () => unitCredentials(services.controller(), c.var.principal.user),
      );
      return {
        ...unitsView(services.units(), q, Date.now(), c.var.principal.scope),
        credentials: credentials.value,
      };
    },
    render: (v, c) => (
      <>
        {v.stats === null && (
          <div class="notice warn">
            The units registry is not running yet: the dashboard has no OPS connection. Check that
            nats-server is running and that the dashboard's credentials are current (`deno task
            identity init`).
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
          props={{
            initial: { now: v.now, query: v.query, total: v.total, units: v.units, stats: v.stats },
            csrf: c.get("csrf"),
            credentials: v.credentials,
          }}
        />
        <ProvisionForm csrf={c.get("csrf")} />
      </>
    ),
  }),
  endpoint({
    path: "/api/units/:id",
    title: "one unit, by key (<unit> in OPS, <ACCOUNT>.<unit> in a tenant's account)",
    scope: "account",
    needs: ["units"],
    handle: (c) => {
      const key = parseParams(idParam, c.req.param()).id;
      const unit = isUnitKey(key) ? c.var.units.unit(key) : undefined;
      if (!unit || !sees(c, unitAccount(unit))) {
        throw new NotFoundError(`Unknown unit "${key.slice(0, 80)}"`);
      }
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
