import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import type { Subscription } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";
import { retry } from "../client/mod.ts";
import { registrySubjects } from "../protocol/mod.ts";
import {
  type Interest,
  type LeafEntry,
  leafKey,
  type Link,
  REGISTRY_BUCKET,
  type UnitEntry,
  whoNeeds,
} from "../registry/mod.ts";
import { leafEntrySchema, linksSchema, unitEntrySchema } from "../registry/schemas.ts";

/** A leaf node as the Topology page draws it: the registry's entry without its interest list. */
export interface TopologyLeaf extends Omit<LeafEntry, "interest"> {
  /** The link's round-trip time at the last poll, µs (null: not measured, or cut off). */
  readonly rttUs: number | null;
  /** How many subscriptions it has (all accounts). */
  readonly subscriptions: number;
}

/** The `topology` event and the Topology page's data: hub, leaf nodes, units, link RTTs. */
export interface TopologyView {
  /** Whether the subject registry's bucket exists (the registry program has run). */
  readonly available: boolean;
  /** Server time, ms since the epoch. */
  readonly now: number;
  /** The hub servers (those that answered the registry's last poll, and those leaf nodes name). */
  readonly hubs: readonly string[];
  /** Every leaf node, by name. */
  readonly leaves: readonly TopologyLeaf[];
  /** Every unit the registry places on a leaf node (or last saw on one), by ID. */
  readonly units: readonly UnitEntry[];
}

/** Options of {@linkcode TopologyFeed}. */
export interface TopologyFeedOptions {
  /** At most one event per this many ms (default 1000). */
  readonly intervalMs?: number;
  /** The longest wait between looks for the registry's bucket while it does not exist (default 5000 ms). */
  readonly retryMs?: number;
}

/**
 * The dashboard's view of the subject registry (mods/registry): watches its KV bucket
 * (`nunect_registry`: leaf nodes with their interest, units per leaf node) and its link
 * round-trip times (`ops.registry.links`), and publishes the whole {@linkcode TopologyView} as
 * the `topology` event whenever it changed, at most once per `intervalMs`. Entries that do not
 * parse are counted and dropped.
 */
export class TopologyFeed {
  readonly #publish: (view: TopologyView) => void;
  readonly #intervalMs: number;
  readonly #retryMs: number;
  readonly #leaves = new Map<string, LeafEntry>();
  readonly #units = new Map<string, UnitEntry>();
  #links = new Map<string, Link>();
  #hubs: readonly string[] = [];
  #kv: KV | undefined;
  #watch: { stop(): void } | undefined;
  #sub: Subscription | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #closing = new AbortController();
  #lastFlush = 0;
  #lastSent = "";
  #closed = false;
  /** Entries and link messages that did not parse. */
  malformed = 0;

  /**
   * Creates the feed; it follows the registry once attached to a connection.
   *
   * @param publish receives each view
   * @param options interval, retry
   */
  constructor(publish: (view: TopologyView) => void, options: TopologyFeedOptions = {}) {
    this.#publish = publish;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#retryMs = options.retryMs ?? 5000;
  }

  /**
   * Follows the registry over an OPS connection: link RTTs at once, the bucket as soon as it
   * exists.
   *
   * @param nc a connection of the OPS user
   */
  attach(nc: NatsConnection): void {
    this.#sub = nc.subscribe(registrySubjects.links, {
      callback: (_, m) => {
        const r = linksSchema.safeParse(m.json());
        if (!r.success) return void this.malformed++;
        this.#links = new Map(r.data.links.map((l) => [l.leaf, l]));
        this.#hubs = r.data.hubs;
        this.#changed();
      },
    });
    // the bucket appears once the registry program has run: look for it until then
    retry(async () => {
      const kv = await new Kvm(nc).open(REGISTRY_BUCKET);
      await kv.status(); // throws while the bucket does not exist
      return kv;
    }, {
      backoff: { initialMs: 500, factor: 2, maxMs: this.#retryMs },
      signal: this.#closing.signal,
    }).then(async (kv) => {
      this.#kv = kv;
      const watch = await kv.watch({ key: ">" });
      this.#watch = watch;
      this.#changed();
      for await (const e of watch) this.#apply(e);
    }, () => {/* closed before the bucket existed */});
  }

  /**
   * The view now.
   *
   * @returns hub, leaf nodes, units
   */
  view(): TopologyView {
    const leaves = [...this.#leaves.values()].sort((a, b) => a.name.localeCompare(b.name));
    return {
      available: this.#kv !== undefined,
      now: Date.now(),
      hubs: [...new Set([...this.#hubs, ...leaves.map((l) => l.hub)])].sort(),
      leaves: leaves.map(({ interest, ...l }) => ({
        ...l,
        rttUs: l.up ? this.#links.get(l.name)?.rttUs ?? null : null,
        subscriptions: Object.values(interest).reduce((n, s) => n + s.length, 0),
      })),
      units: [...this.#units.values()].sort((a, b) => a.unitId.localeCompare(b.unitId)),
    };
  }

  /**
   * Which leaf nodes need messages of `subject` ("who needs `bridge.audio.>`, and where").
   *
   * @param subject a subject, wildcards allowed
   * @returns per leaf node and account: the overlapping subscriptions and the units there
   */
  whoNeeds(subject: string): Interest[] {
    return whoNeeds([...this.#leaves.values()], subject);
  }

  /** Stops following. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#closing.abort();
    this.#watch?.stop();
    this.#sub?.unsubscribe();
  }

  #apply(e: KvEntry): void {
    const del = e.operation !== "PUT";
    if (e.key.startsWith("leaf.")) {
      const name = [...this.#leaves.values()].find((l) => leafKey(l.name) === e.key)?.name;
      if (del) {
        if (name !== undefined) this.#leaves.delete(name);
      } else {
        const r = leafEntrySchema.safeParse(json(e));
        if (!r.success) return void this.malformed++;
        this.#leaves.set(r.data.name, r.data);
      }
    } else if (e.key.startsWith("unit.")) {
      const id = e.key.slice("unit.".length);
      if (del) this.#units.delete(id);
      else {
        const r = unitEntrySchema.safeParse(json(e));
        if (!r.success || r.data.unitId !== id) return void this.malformed++;
        this.#units.set(id, r.data);
      }
    }
    this.#changed();
  }

  #changed(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const wait = Math.max(20, this.#lastFlush + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const view = this.view();
      const content = JSON.stringify({ ...view, now: 0 });
      if (content === this.#lastSent) return; // e.g. a poll that changed nothing
      this.#lastSent = content;
      this.#lastFlush = Date.now();
      this.#publish(view);
    }, wait);
  }
}

function json(e: KvEntry): unknown {
  try {
    return e.json();
  } catch {
    return undefined;
  }
}
