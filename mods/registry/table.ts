import { isUnitId } from "../protocol/core.ts";
import type { LeafEntry, Link, RegistryEvent, UnitEntry } from "./schemas.ts";
import { subjectsOverlap } from "./subject_match.ts";

/** One leaf node connection as a hub server reports it (its /leafz with subscriptions). */
export interface LeafConnection {
  /** The leaf server's name (nats-server 2.9 names none: then its address). */
  readonly name: string;
  /** The account the connection binds. */
  readonly account: string;
  /** The leaf node's address as the hub sees it. */
  readonly ip: string;
  /** The hub's PING/PONG round trip on the link, µs (null: not measured yet). */
  readonly rttUs: number | null;
  /** The subjects the leaf node has interest in on this connection. */
  readonly subjects: readonly string[];
}

/** One hub server's answer in a poll. */
export interface HubReport {
  /** The hub server's name. */
  readonly hub: string;
  /** Its leaf node connections. */
  readonly leafs: readonly LeafConnection[];
}

/** What one poll changed. */
export interface RegistryChanges {
  /** Leaf nodes whose entry changed (new, linked elsewhere, cut off, back, interest). */
  readonly leaves: readonly LeafEntry[];
  /** Units whose entry changed. */
  readonly units: readonly UnitEntry[];
  /** Units forgotten (on no leaf node for {@linkcode FORGET_AFTER_MS}). */
  readonly forgotten: readonly string[];
  /** Moves and outages, in order. */
  readonly events: readonly RegistryEvent[];
  /** Every linked leaf node's round-trip time now. */
  readonly links: readonly Link[];
}

/** Which leaf nodes need messages of a subject. */
export interface Interest {
  /** The leaf node. */
  readonly leaf: string;
  /** Whether it is linked now. */
  readonly up: boolean;
  /** The account of the subscriptions. */
  readonly account: string;
  /** Its subscriptions that overlap the subject. */
  readonly subjects: readonly string[];
  /** The units on the leaf node. */
  readonly units: readonly string[];
}

/** A unit on no leaf node for this long (a day) is forgotten; a leaf node cut off this long too. */
export const FORGET_AFTER_MS = 86_400_000;

const ECHO = /^ops\.echo\.([^.]+)$/;

/**
 * The subject registry's state, pure: which leaf nodes are linked to the hub, what each has
 * interest in, and which leaf node each unit is on, from polls of the hub's leaf node
 * connections. A unit's location is the leaf node that has interest in its `ops.echo.<unit>`
 * (every nunect unit answers echo). A unit that appears on another leaf node has moved, even
 * while the old one still holds its interest (a router notices a vanished client only at its
 * next PING); a unit on no leaf node keeps its last one as `previous`, so a move across a gap is
 * still a move. Only leaf nodes of hub servers that answered a poll are judged, so a hub server
 * that missed one poll does not cut its leaf nodes off.
 *
 * @example
 * ```ts
 * const table = new RegistryTable();
 * const changes = table.apply([{ hub: "hub-1", leafs: [{ name: "r1", account: "OPS", ip: "10.0.0.2",
 *   rttUs: 900, subjects: ["ops.echo.press-4"] }] }], Date.now());
 * table.unit("press-4")?.leaf; // "r1"
 * ```
 */
export class RegistryTable {
  readonly #leaves = new Map<string, LeafEntry>();
  readonly #units = new Map<string, UnitEntry>();

  /**
   * Starts from entries kept before (the registry's KV bucket), so a restart is no move.
   *
   * @param leaves leaf node entries
   * @param units unit entries
   */
  constructor(leaves: readonly LeafEntry[] = [], units: readonly UnitEntry[] = []) {
    for (const l of leaves) this.#leaves.set(l.name, l);
    for (const u of units) this.#units.set(u.unitId, u);
  }

  /** Every leaf node, by name. */
  leaves(): LeafEntry[] {
    return [...this.#leaves.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every unit on a leaf node (or last seen on one), by ID. */
  units(): UnitEntry[] {
    return [...this.#units.values()].sort((a, b) => a.unitId.localeCompare(b.unitId));
  }

  /**
   * One unit's entry.
   *
   * @param unitId the unit
   * @returns its entry, or undefined when it was never seen on a leaf node
   */
  unit(unitId: string): UnitEntry | undefined {
    return this.#units.get(unitId);
  }

  /**
   * Which leaf nodes need messages of `subject`: those with a subscription that overlaps it.
   *
   * @param subject a subject, wildcards allowed (`bridge.audio.>`)
   * @returns per leaf node and account, the overlapping subscriptions and the units there
   */
  whoNeeds(subject: string): Interest[] {
    return whoNeeds(this.leaves(), subject);
  }

  /**
   * Applies one poll.
   *
   * @param reports the answers of the hub servers that answered
   * @param nowMs the poll's time
   * @returns what changed
   */
  apply(reports: readonly HubReport[], nowMs: number): RegistryChanges {
    const answered = new Set(reports.map((r) => r.hub));
    const seen = merge(reports);
    const events: RegistryEvent[] = [];
    const leaves: LeafEntry[] = [];
    const put = (next: LeafEntry) => {
      const before = this.#leaves.get(next.name);
      if (before && JSON.stringify(before) === JSON.stringify(next)) return;
      this.#leaves.set(next.name, next);
      leaves.push(next);
    };

    for (const [name, now] of seen) {
      const before = this.#leaves.get(name);
      const back = before !== undefined && !before.up;
      const outage = back
        ? { fromMs: before.sinceMs, toMs: nowMs, durationMs: nowMs - before.sinceMs }
        : null;
      if (!before || back) events.push({ kind: "leaf_up", leaf: name, outage, atMs: nowMs });
      put({
        name,
        hub: now.hub,
        ip: now.ip,
        up: true,
        sinceMs: before && before.up ? before.sinceMs : nowMs,
        interest: now.interest,
        units: now.units,
        outages: (before?.outages ?? 0) + (back ? 1 : 0),
        lastOutage: outage ?? before?.lastOutage ?? null,
      });
    }
    for (const before of [...this.#leaves.values()]) {
      if (seen.has(before.name)) continue;
      if (!before.up) {
        if (nowMs - before.sinceMs > FORGET_AFTER_MS) this.#leaves.delete(before.name);
        continue;
      }
      if (!answered.has(before.hub)) continue; // its hub server did not answer: no news
      events.push({ kind: "leaf_down", leaf: before.name, units: before.units, atMs: nowMs });
      put({ ...before, up: false, sinceMs: nowMs });
    }

    const { units, forgotten } = this.#locate(seen, nowMs, events);
    const links = [...seen].map(([leaf, l]) => ({ leaf, hub: l.hub, rttUs: l.rttUs }));
    return { leaves, units, forgotten, events, links };
  }

  #locate(seen: Map<string, Seen>, nowMs: number, events: RegistryEvent[]) {
    const on = new Map<string, string[]>();
    for (const [leaf, l] of seen) {
      for (const u of l.units) on.set(u, [...(on.get(u) ?? []), leaf].sort());
    }
    const units: UnitEntry[] = [];
    const forgotten: string[] = [];
    const put = (next: UnitEntry) => {
      const before = this.#units.get(next.unitId);
      if (before && JSON.stringify(before) === JSON.stringify(next)) return;
      this.#units.set(next.unitId, next);
      units.push(next);
    };
    for (const [unitId, leavesOf] of on) {
      const before = this.#units.get(unitId);
      const known = new Set([before?.leaf, ...(before?.alsoOn ?? [])]);
      const added = leavesOf.filter((l) => !known.has(l));
      const leaf = added[0] ??
        (before?.leaf && leavesOf.includes(before.leaf) ? before.leaf : leavesOf[0]!);
      const last = before?.leaf ?? before?.previous ?? null;
      const moved = last !== null && leaf !== last; // from one leaf node to another
      if (moved) events.push({ kind: "moved", unitId, from: last, to: leaf, atMs: nowMs });
      put({
        unitId,
        leaf,
        previous: moved ? last : before?.previous ?? null,
        sinceMs: before?.leaf === leaf ? before.sinceMs : nowMs,
        alsoOn: leavesOf.filter((l) => l !== leaf),
      });
    }
    for (const before of [...this.#units.values()]) {
      if (on.has(before.unitId)) continue;
      if (before.leaf === null) {
        if (nowMs - before.sinceMs > FORGET_AFTER_MS) {
          this.#units.delete(before.unitId);
          forgotten.push(before.unitId);
        }
        continue;
      }
      const where = this.#leaves.get(before.leaf);
      // cut off with its leaf node (still there), or its hub server did not answer (no news)
      if (where && (!where.up || !seen.has(where.name))) continue;
      put({ ...before, leaf: null, previous: before.leaf, sinceMs: nowMs, alsoOn: [] });
    }
    return { units, forgotten };
  }
}

/** A leaf node as one poll saw it, its connections merged. */
interface Seen {
  hub: string;
  ip: string;
  rttUs: number | null;
  interest: Record<string, string[]>;
  units: string[];
}

function merge(reports: readonly HubReport[]): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  for (const { hub, leafs } of reports) {
    for (const c of leafs) {
      const s = seen.get(c.name) ?? { hub, ip: c.ip, rttUs: c.rttUs, interest: {}, units: [] };
      s.interest[c.account] = [...new Set([...(s.interest[c.account] ?? []), ...c.subjects])]
        .sort();
      for (const subject of c.subjects) {
        const unit = ECHO.exec(subject)?.[1];
        if (unit !== undefined && isUnitId(unit) && !s.units.includes(unit)) s.units.push(unit);
      }
      s.units.sort();
      seen.set(c.name, s);
    }
  }
  return seen;
}

/**
 * Which leaf nodes need messages of `subject`, from registry entries (the dashboard asks this of
 * the entries it holds).
 *
 * @param leaves leaf node entries
 * @param subject a subject, wildcards allowed
 * @returns per leaf node and account, the overlapping subscriptions and the units there
 */
export function whoNeeds(leaves: readonly LeafEntry[], subject: string): Interest[] {
  const out: Interest[] = [];
  for (const l of leaves) {
    for (const [account, subs] of Object.entries(l.interest)) {
      const subjects = subs.filter((s) => subjectsOverlap(s, subject));
      if (subjects.length) out.push({ leaf: l.name, up: l.up, account, subjects, units: l.units });
    }
  }
  return out.sort((a, b) => a.leaf.localeCompare(b.leaf) || a.account.localeCompare(b.account));
}
