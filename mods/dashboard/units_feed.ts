import type { UnitChange, UnitRegistry, UnitRegistryStats, UnitState } from "../monitor/mod.ts";
import { type UnitsView, unitsView } from "./units.ts";

/**
 * A `units` event: the units that changed since the last one, and the counters. At most
 * {@linkcode UNITS_DELTA_MAX} changed units are carried; beyond, `more` says so and pages fetch
 * themselves again, so that an event stays small at 10,000 units.
 */
export interface UnitsDelta {
  /** Server time, ms since the epoch ("x ago" is measured against it). */
  readonly now: number;
  /** Units added or changed, as they are now (none when `more`). */
  readonly changed: readonly UnitState[];
  /** Keys of units removed (the unit ID, or `<ACCOUNT>.<unit>` for a tenant's unit; none when `more`). */
  readonly removed: readonly string[];
  /** More units changed than an event carries: fetch the page again. */
  readonly more: boolean;
  /** The registry's counters. */
  readonly stats: UnitRegistryStats;
}

/** The most changed units one `units` event carries. */
export const UNITS_DELTA_MAX = 200;

/** The first `units` event of a subscriber that cannot resume: the first page of the table. */
export interface UnitsReset extends UnitsView {
  /** Marks the whole table (not a delta). */
  readonly reset: true;
}

/** Options of {@linkcode UnitsFeed}. */
export interface UnitsFeedOptions {
  /** At most one event per this many ms (default 1000): a change waits at most this long. */
  readonly intervalMs?: number;
  /** A change after a quiet spell waits this long for others to join it (default 50 ms). */
  readonly batchMs?: number;
}

/**
 * Turns the units registry's changes (thousands a second at a thousand units) into `units`
 * deltas: the latest state of each unit that changed (up to {@linkcode UNITS_DELTA_MAX}, else
 * only that more changed), at most once per `intervalMs`, sent at once when the table was quiet.
 */
export class UnitsFeed {
  readonly #publish: (delta: UnitsDelta) => void;
  readonly #intervalMs: number;
  readonly #batchMs: number;
  readonly #changed = new Map<string, UnitState>();
  readonly #removed = new Set<string>();
  #registry: UnitRegistry | undefined;
  #off: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastFlush = 0;

  /**
   * Creates the feed; it listens once attached to a registry.
   *
   * @param publish receives each delta
   * @param options interval and batching
   */
  constructor(publish: (delta: UnitsDelta) => void, options: UnitsFeedOptions = {}) {
    this.#publish = publish;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#batchMs = options.batchMs ?? 50;
  }

  /**
   * Follows a registry (replacing the one followed before).
   *
   * @param registry the units registry
   */
  attach(registry: UnitRegistry): void {
    this.#off?.();
    this.#registry = registry;
    this.#off = registry.onChange((c) => this.#change(c));
  }

  /**
   * The first page of the table, for a subscriber's first event (a page showing another one
   * fetches it).
   *
   * @returns the reset event, empty while no registry runs
   */
  reset(): UnitsReset {
    return { reset: true, ...unitsView(this.#registry) };
  }

  /** Stops listening and drops pending changes. */
  close(): void {
    this.#off?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#changed.clear();
    this.#removed.clear();
  }

  #change(c: UnitChange): void {
    const id = c.unit.key;
    if (c.type === "removed") {
      this.#changed.delete(id);
      this.#removed.add(id);
    } else {
      this.#removed.delete(id);
      this.#changed.set(id, c.unit);
    }
    if (this.#timer !== undefined) return;
    const wait = Math.max(this.#batchMs, this.#lastFlush + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = undefined;
    const registry = this.#registry;
    if (registry === undefined) return;
    this.#lastFlush = Date.now();
    const more = this.#changed.size + this.#removed.size > UNITS_DELTA_MAX;
    const delta: UnitsDelta = {
      now: this.#lastFlush,
      changed: more ? [] : [...this.#changed.values()],
      removed: more ? [] : [...this.#removed],
      more,
      stats: registry.stats(),
    };
    this.#changed.clear();
    this.#removed.clear();
    this.#publish(delta);
  }
}
