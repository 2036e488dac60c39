import type { UnitRegistry, UnitRegistryStats, UnitState } from "../monitor/mod.ts";
import type { UnitsDelta, UnitsReset } from "./units_feed.ts";

/** The Units page's data: every unit and the registry's counters, at one moment. */
export interface UnitsView {
  /** Server time of the snapshot, ms since the epoch ("x ago" is measured against it). */
  readonly now: number;
  /** Every unit, sorted by ID. */
  readonly units: readonly UnitState[];
  /** The registry's counters, or null while it is not running. */
  readonly stats: UnitRegistryStats | null;
}

/**
 * A snapshot of the units table.
 *
 * @param registry the registry, or undefined while the OPS connection is not up
 * @param now the server's clock
 * @returns the view (empty without a registry)
 */
export function unitsView(registry: UnitRegistry | undefined, now = Date.now()): UnitsView {
  return { now, units: registry?.units() ?? [], stats: registry?.stats() ?? null };
}

/** The dashboard host's clock as its guardian reports it. */
export interface HostClock {
  readonly unitId: string;
  readonly source: string;
  readonly quality: string;
  readonly offsetNs: number | null;
}

/**
 * The clock of the dashboard's host: the unit whose ID is the host's `UNIT_ID` (its guardian).
 *
 * @param units the units
 * @param hostUnitId the host's `UNIT_ID`
 * @returns its clock, or null when no unit reports it
 */
export function hostClock(units: readonly UnitState[], hostUnitId: string): HostClock | null {
  const host = units.find((u) => u.unitId === hostUnitId);
  if (!host) return null;
  return {
    unitId: host.unitId,
    source: host.time?.source ?? host.heartbeat?.clock.source ?? "none",
    quality: host.time?.quality ?? host.heartbeat?.clock.quality ?? "freerun",
    offsetNs: host.time?.offsetNs ?? null,
  };
}

/**
 * Applies a `units` event to a view (in the browser): a reset replaces it, a delta replaces the
 * changed units and drops the removed ones. A unit's older state never replaces a newer one
 * (a page rendered after the event was published already has it).
 *
 * @param view the view so far
 * @param event the event
 * @returns the new view, units sorted by ID
 */
export function applyUnitsEvent(view: UnitsView, event: UnitsReset | UnitsDelta): UnitsView {
  if ("reset" in event) return { now: event.now, units: event.units, stats: event.stats };
  const units = new Map(view.units.map((u) => [u.unitId, u]));
  for (const id of event.removed) units.delete(id);
  for (const u of event.changed) {
    const known = units.get(u.unitId);
    if (known === undefined || known.lastSeen <= u.lastSeen) units.set(u.unitId, u);
  }
  return {
    now: Math.max(view.now, event.now),
    units: [...units.values()].sort((a, b) =>
      a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0
    ),
    stats: event.stats,
  };
}
