import type {
  UnitQuery,
  UnitRegistry,
  UnitRegistryStats,
  UnitSort,
  UnitState,
} from "../monitor/mod.ts";
import type { UnitsDelta, UnitsReset } from "./units_feed.ts";

/** The query of a Units page: every field filled in. */
export type UnitsQuery = Required<Omit<UnitQuery, "accounts">>;

/** The first page, by unit ID: what `/units` and `/api/units` show without a query. */
export const DEFAULT_UNITS_QUERY: UnitsQuery = Object.freeze({
  offset: 0,
  limit: 100,
  sort: "unit" as UnitSort,
  dir: "asc" as const,
  q: "",
});

/** The Units page's data: one page of units and the registry's counters, at one moment. */
export interface UnitsView {
  /** Server time of the snapshot, ms since the epoch ("x ago" is measured against it). */
  readonly now: number;
  /** Which page, in which order. */
  readonly query: UnitsQuery;
  /** Units matching the query (all pages). */
  readonly total: number;
  /** The page's units, in the query's order. */
  readonly units: readonly UnitState[];
  /** The registry's counters, or null while it is not running. */
  readonly stats: UnitRegistryStats | null;
}

/**
 * One page of the units table: at 10,000 units a page of 100 is what a page, an `/api/units`
 * answer and a live update carry, never the whole table.
 *
 * @param registry the registry, or undefined while the OPS connection is not up
 * @param query which page, in which order (default: the first 100 by ID)
 * @param now the server's clock
 * @param accounts only units of these accounts (an account-scoped user's), null for all
 * @returns the view (empty without a registry)
 */
export function unitsView(
  registry: UnitRegistry | undefined,
  query: Partial<UnitsQuery> = {},
  now = Date.now(),
  accounts: readonly string[] | null = null,
): UnitsView {
  const q = { ...DEFAULT_UNITS_QUERY, ...query };
  const page = registry?.query({ ...q, accounts }) ?? { total: 0, units: [] };
  return { now, query: q, total: page.total, units: page.units, stats: registry?.stats() ?? null };
}

/**
 * The account a unit reports in: its own `account` where the table knows it, else the account
 * its key names (`<ACCOUNT>.<unit>` for a tenant's unit), else OPS.
 *
 * @param unit a unit, or a unit's key (as `removed` lists carry them)
 * @returns the account's name
 */
export function unitAccount(unit: UnitState | string): string {
  if (typeof unit !== "string") {
    const own = (unit as { account?: string }).account;
    if (own !== undefined) return own;
  }
  const key = typeof unit === "string" ? unit : unit.unitId;
  const dot = key.indexOf(".");
  return dot > 0 ? key.slice(0, dot) : "OPS";
}

/** The dashboard host's clock as its guardian reports it. */
export interface HostClock {
  /** The unit reporting it (the host's guardian). */
  readonly unitId: string;
  /** `ptp`, `ntp` or `none`. */
  readonly source: string;
  /** `locked`, `tracking`, `acquiring` or `freerun`. */
  readonly quality: string;
  /** The local clock minus the reference, in ns; null when unknown. */
  readonly offsetNs: number | null;
}

/**
 * The clock of the dashboard's host: the unit whose ID is the host's `UNIT_ID` (its guardian).
 *
 * @param host that unit, or undefined when it is not (yet) known
 * @returns its clock, or null when no unit reports it
 */
export function hostClock(host: UnitState | undefined): HostClock | null {
  if (!host) return null;
  return {
    unitId: host.unitId,
    source: host.time?.source ?? host.heartbeat?.clock.source ?? "none",
    quality: host.time?.quality ?? host.heartbeat?.clock.quality ?? "freerun",
    offsetNs: host.time?.offsetNs ?? null,
  };
}

/** What a `units` event does to a page: its new view, and whether to fetch the page again. */
export interface AppliedUnitsEvent {
  /** The view with what the event carried for the page's units. */
  readonly view: UnitsView;
  /**
   * The page may now hold other units or another order than the event could say (a new or
   * removed unit, a unit off the page, a sort by a changing value, a reset, a delta too large
   * to carry the units): fetch `/api/units` with the page's query (at most once a second).
   */
  readonly refetch: boolean;
}

/**
 * Applies a `units` event to a page's view (in the browser): changed units on the page are
 * replaced where they stand (a unit's older state never replaces a newer one: a page rendered
 * after the event was published already has it), and the page says when it must be fetched
 * again because the event cannot say what the page now holds.
 *
 * @param view the page so far
 * @param event the event
 * @returns the new view and whether to fetch the page again
 */
export function applyUnitsEvent(
  view: UnitsView,
  event: UnitsReset | UnitsDelta,
): AppliedUnitsEvent {
  if ("reset" in event) {
    const same = JSON.stringify(event.query) === JSON.stringify(view.query);
    return { view: same ? { ...event } : { ...view, stats: event.stats }, refetch: !same };
  }
  const onPage = new Map(view.units.map((u) => [u.key, u]));
  let refetch = event.more || event.removed.length > 0;
  let touched = false;
  for (const u of event.changed) {
    const known = onPage.get(u.key);
    if (known === undefined) refetch = true; // new, or off this page: it may belong on it now
    else if (known.lastSeen <= u.lastSeen) {
      onPage.set(u.key, u);
      touched = true;
    }
  }
  // By unit ID the order cannot change; by any other key it may.
  if (touched && view.query.sort !== "unit") refetch = true;
  return {
    view: {
      ...view,
      now: Math.max(view.now, event.now),
      units: view.units.map((u) => onPage.get(u.key) ?? u),
      stats: event.stats,
    },
    refetch,
  };
}
