import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "../client/nats_types.ts";
import { parseGoDuration, type SysMonitor } from "../monitor/mod.ts";
import { registrySubjects } from "../protocol/mod.ts";
import { ensureInboxStream, type InboxStreamOptions } from "./inbox_stream.ts";
import {
  type LeafEntry,
  leafEntrySchema,
  type RegistryEvent,
  type UnitEntry,
  unitEntrySchema,
} from "./schemas.ts";
import { type HubReport, RegistryTable } from "./table.ts";

/** The registry's KV bucket in the OPS account: `leaf.<name>` and `unit.<unitId>` entries. */
export const REGISTRY_BUCKET = "nunect_registry";

/** Options of {@linkcode Registry.start}. */
export interface RegistryOptions {
  /** A monitor on a connection of the SYS user (the hub's leaf node connections). */
  readonly sys: SysMonitor;
  /** A connection of the OPS user (the bucket, the inbox stream, events). */
  readonly nc: NatsConnection;
  /** Time between two polls of the hub (ms). */
  readonly intervalMs: number;
  /** The inbox stream's limits. */
  readonly inbox: InboxStreamOptions;
  /** Replicas of the bucket (default the inbox stream's). */
  readonly replicas?: number;
  /** Called with each outage once the leaf node is back, e.g. to log it. */
  readonly onOutage?: (event: Extract<RegistryEvent, { kind: "leaf_up" }>, leaf: LeafEntry) => void;
  /** Local output, one line per event (default none). */
  readonly print?: (line: string) => void;
}

/** Counters of a {@linkcode Registry}. */
export interface RegistryStats {
  /** Polls of the hub. */
  readonly polls: number;
  /** Polls that failed (no hub server answered, or the request failed). */
  readonly pollErrors: number;
  /** Entries written to the bucket. */
  readonly writes: number;
  /** Writes that failed (retried at the next poll). */
  readonly writeErrors: number;
  /** Entries in the bucket that did not parse when loaded (counted and dropped). */
  readonly malformed: number;
  /** Hub servers that answered the last poll. */
  readonly hubs: number;
}

/**
 * The subject registry: polls the hub's leaf node connections over `$SYS`
 * (`$SYS.REQ.SERVER.PING.LEAFZ` with subscriptions, every hub server of the cluster) every
 * `intervalMs`, keeps which leaf node needs which subjects and which unit is on which leaf node
 * in a {@linkcode RegistryTable}, and writes what changed to the `nunect_registry` KV bucket
 * (`leaf.<name>`, `unit.<unitId>`), where the dashboard watches it. Moves and outages go out on
 * `ops.registry.event`, every link's round-trip time on `ops.registry.links` each poll. It also
 * keeps the inbox stream in which messages meant for units wait while they move.
 *
 * @example
 * ```ts
 * const registry = await Registry.start({ sys, nc, intervalMs: 1000, inbox });
 * registry.table.whoNeeds("bridge.audio.>");
 * await registry.stop();
 * ```
 */
export class Registry implements AsyncDisposable {
  /** The state, as of the last poll. */
  readonly table: RegistryTable;
  readonly #options: RegistryOptions;
  readonly #kv: KV;
  readonly #unwritten = new Map<string, unknown>();
  readonly #encoder = new TextEncoder();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #expected = 0;
  /** The system account's key (from VARZ): routers' claims links, which carry no units, are in it. */
  #systemAccount: string | undefined;
  #stats = { polls: 0, pollErrors: 0, writes: 0, writeErrors: 0, malformed: 0, hubs: 0 };

  private constructor(options: RegistryOptions, kv: KV, table: RegistryTable, malformed: number) {
    this.#options = options;
    this.#kv = kv;
    this.table = table;
    this.#stats.malformed = malformed;
  }

  /**
   * Creates (or opens) the bucket and the inbox stream, loads the entries kept there, and starts
   * polling.
   *
   * @param options the connections, interval, inbox limits
   * @returns the running registry
   * @throws when JetStream is unavailable in the OPS account
   */
  static async start(options: RegistryOptions): Promise<Registry> {
    await ensureInboxStream(options.nc, options.inbox);
    const kv = await new Kvm(options.nc).create(REGISTRY_BUCKET, {
      history: 1,
      replicas: options.replicas ?? options.inbox.replicas,
      description: "nunect subject registry: leaf nodes, their interest, units per leaf node",
    });
    const leaves: LeafEntry[] = [];
    const units: UnitEntry[] = [];
    let malformed = 0;
    for await (const key of await kv.keys()) {
      const e = await kv.get(key);
      if (e === null || e.operation !== "PUT") continue;
      try {
        if (key.startsWith("leaf.")) leaves.push(leafEntrySchema.parse(e.json()));
        else if (key.startsWith("unit.")) units.push(unitEntrySchema.parse(e.json()));
      } catch {
        malformed++;
      }
    }
    const registry = new Registry(options, kv, new RegistryTable(leaves, units), malformed);
    registry.#tick();
    return registry;
  }

  /** Counters. */
  get stats(): RegistryStats {
    return { ...this.#stats };
  }

  /**
   * Polls once now (tests, and the first poll at start).
   *
   * @returns when the poll's changes are written
   */
  async poll(): Promise<void> {
    const started = Date.now();
    let reports: HubReport[];
    try {
      if (this.#systemAccount === undefined) {
        const [varz] = await this.#options.sys.ping("VARZ", { expected: 1, windowMs: 1000 });
        if (varz?.ok) this.#systemAccount = varz.data.system_account;
      }
      const replies = await this.#options.sys.ping("LEAFZ", {
        request: { subscriptions: true },
        windowMs: Math.min(1000, Math.max(200, this.#options.intervalMs / 2)),
        // stop early once every hub server known answered; every 30th poll waits the whole
        // window, so servers that joined the cluster are found
        expected: this.#stats.polls % 30 === 0 ? undefined : this.#expected,
      });
      const system = this.#systemAccount;
      reports = replies.flatMap((r) =>
        r.ok && r.server
          ? [{
            hub: r.server.name,
            // A router's claims link (system account) only receives account JWTs: the leaf
            // node's links, its interest and its units are those of its other accounts.
            leafs: (r.data.leafs ?? []).filter((l) => l.account !== system).map((l) => ({
              // nats-server 2.9 names no leaf node: its address stands in
              name: l.name ?? `${l.ip}:${l.port}`,
              account: l.account,
              ip: l.ip,
              rttUs: rounded(parseGoDuration(l.rtt)),
              subjects: l.subscriptions_list ?? [],
            })),
          }]
          : []
      );
    } catch {
      this.#stats.pollErrors++;
      return;
    }
    this.#stats.polls++;
    if (reports.length === 0) {
      this.#stats.pollErrors++;
      return;
    }
    this.#stats.hubs = reports.length;
    this.#expected = Math.max(this.#expected, reports.length);
    const changes = this.table.apply(reports, started);
    for (const l of changes.leaves) this.#unwritten.set(leafKey(l.name), l);
    for (const u of changes.units) this.#unwritten.set(`unit.${u.unitId}`, u);
    for (const id of changes.forgotten) this.#unwritten.set(`unit.${id}`, null);
    await this.#write();
    const nc = this.#options.nc;
    for (const event of changes.events) {
      nc.publish(registrySubjects.event, JSON.stringify(event));
      this.#options.print?.(describeEvent(event));
      if (event.kind === "leaf_up" && event.outage) {
        const leaf = changes.leaves.find((l) => l.name === event.leaf);
        if (leaf) this.#options.onOutage?.(event, leaf);
      }
    }
    const hubs = reports.map((r) => r.hub);
    nc.publish(
      registrySubjects.links,
      JSON.stringify({ atMs: started, hubs, links: changes.links }),
    );
  }

  async #write(): Promise<void> {
    for (const [key, value] of [...this.#unwritten]) {
      try {
        if (value === null) await this.#kv.delete(key);
        else await this.#kv.put(key, this.#encoder.encode(JSON.stringify(value)));
        this.#unwritten.delete(key);
        this.#stats.writes++;
      } catch {
        this.#stats.writeErrors++; // kept for the next poll
      }
    }
  }

  #tick(): void {
    this.#running = this.poll().finally(() => {
      this.#running = undefined;
      if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), this.#options.intervalMs);
    });
  }

  /** Stops polling (the bucket and stream stay). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Same as {@linkcode stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The bucket key of a leaf node's entry: `leaf.<name>`, or `leaf.=<hex of the name>` for a name
 * that is no key token (nats-server 2.9's `ip:port` stand-ins).
 *
 * @param name the leaf node's name
 * @returns its key
 */
export function leafKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name)
    ? `leaf.${name}`
    : `leaf.=${
      [...new TextEncoder().encode(name)].map((b) => b.toString(16).padStart(2, "0")).join("")
    }`;
}

/** One line for the log. */
function describeEvent(event: RegistryEvent): string {
  switch (event.kind) {
    case "moved":
      return `unit ${event.unitId} moved from leaf node ${event.from} to ${event.to}`;
    case "leaf_down":
      return `leaf node ${event.leaf} cut off from the hub` +
        (event.units.length ? ` with ${event.units.join(", ")}` : "");
    case "leaf_up":
      return event.outage
        ? `leaf node ${event.leaf} back after ${(event.outage.durationMs / 1000).toFixed(1)} s`
        : `leaf node ${event.leaf} linked`;
  }
}

function rounded(us: number | undefined): number | null {
  return us === undefined ? null : Math.round(us);
}
