import * as z from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";

/** A time a leaf node was cut off from the hub, as the registry saw it. */
export const outageSchema = z.object({
  /** When the hub last saw the link (ms since the epoch). */
  fromMs: z.number(),
  /** When the link was back. */
  toMs: z.number(),
  /** `toMs - fromMs`. */
  durationMs: z.number(),
});

/** One leaf node (a router's nats-server) as the registry knows it: KV key `leaf.<name>`. */
export const leafEntrySchema = z.object({
  /** The leaf server's name (its NATS_SERVER_NAME). */
  name: z.string(),
  /** The hub server it is (or was last) linked to. */
  hub: z.string(),
  /** The leaf node's address as the hub sees it. */
  ip: z.string(),
  /** Whether the hub has the link now. */
  up: z.boolean(),
  /** Up: linked since; down: cut off since (ms since the epoch). */
  sinceMs: z.number(),
  /** The subjects it has interest in, per account (its subscriptions as the hub has them). */
  interest: z.record(z.string(), z.array(z.string())),
  /** The units on it: those whose `ops.echo.<unit>` it has interest in. */
  units: z.array(z.string()),
  /** How many times it was cut off while the registry watched. */
  outages: z.number().int(),
  /** The last time it was cut off, once it is back. */
  lastOutage: outageSchema.nullable(),
});

/** Where one unit is: KV key `unit.<unitId>`. */
export const unitEntrySchema = z.object({
  unitId: z.string(),
  /** The leaf node it is on, or null while it is on none (reconnecting, or gone). */
  leaf: z.string().nullable(),
  /** The leaf node it was on before (a move: `previous` -> `leaf`). */
  previous: z.string().nullable(),
  /** Since when `leaf` holds (ms since the epoch). */
  sinceMs: z.number(),
  /** Other leaf nodes that also have interest in its echo subject (two connections of one unit). */
  alsoOn: z.array(z.string()),
});

/** What the registry saw happen, published on `ops.registry.event`. */
export const registryEventSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("moved"),
    unitId: z.string(),
    /** The leaf node it was on before (null: first seen). */
    from: z.string().nullable(),
    to: z.string(),
    atMs: z.number(),
  }),
  z.object({
    kind: z.literal("leaf_down"),
    leaf: z.string(),
    /** Its units, cut off with it. */
    units: z.array(z.string()),
    atMs: z.number(),
  }),
  z.object({
    kind: z.literal("leaf_up"),
    leaf: z.string(),
    /** How long it was cut off (null: first seen). */
    outage: outageSchema.nullable(),
    atMs: z.number(),
  }),
]);

/** The round-trip time of every leaf node link, published on `ops.registry.links` each poll. */
export const linksSchema = z.object({
  atMs: z.number(),
  /** The hub servers that answered the poll, by name. */
  hubs: z.array(z.string()),
  links: z.array(z.object({
    leaf: z.string(),
    hub: z.string(),
    /** The hub server's PING/PONG round trip on the link, in µs (null: not measured yet). */
    rttUs: z.number().nullable(),
  })),
});

/** A time a leaf node was cut off from the hub, as the registry saw it. */
export interface Outage {
  /** When the hub last saw the link (ms since the epoch). */
  fromMs: number;
  /** When the link was back. */
  toMs: number;
  /** `toMs - fromMs`. */
  durationMs: number;
}
true satisfies Agrees<z.output<typeof outageSchema>, Outage>;

/** One leaf node (a router's nats-server) as the registry knows it: KV key `leaf.<name>`. */
export interface LeafEntry {
  /** The leaf server's name (its NATS_SERVER_NAME). */
  name: string;
  /** The hub server it is (or was last) linked to. */
  hub: string;
  /** The leaf node's address as the hub sees it. */
  ip: string;
  /** Whether the hub has the link now. */
  up: boolean;
  /** Up: linked since; down: cut off since (ms since the epoch). */
  sinceMs: number;
  /** The subjects it has interest in, per account (its subscriptions as the hub has them). */
  interest: Record<string, string[]>;
  /** The units on it: those whose `ops.echo.<unit>` it has interest in. */
  units: string[];
  /** How many times it was cut off while the registry watched. */
  outages: number;
  /** The last time it was cut off, once it is back. */
  lastOutage: Outage | null;
}
true satisfies Agrees<z.output<typeof leafEntrySchema>, LeafEntry>;

/** Where one unit is: KV key `unit.<unitId>`. */
export interface UnitEntry {
  /** The unit's ID. */
  unitId: string;
  /** The leaf node it is on, or null while it is on none (reconnecting, or gone). */
  leaf: string | null;
  /** The leaf node it was on before (a move: `previous` -> `leaf`). */
  previous: string | null;
  /** Since when `leaf` holds (ms since the epoch). */
  sinceMs: number;
  /** Other leaf nodes that also have interest in its echo subject (two connections of one unit). */
  alsoOn: string[];
}
true satisfies Agrees<z.output<typeof unitEntrySchema>, UnitEntry>;

/** A unit seen on a leaf node other than before (a {@linkcode RegistryEvent}). */
export interface UnitMovedEvent {
  /** The event's kind. */
  kind: "moved";
  /** The unit. */
  unitId: string;
  /** The leaf node it was on before (null: first seen). */
  from: string | null;
  /** The leaf node it is on now. */
  to: string;
  /** When the registry saw it (ms since the epoch). */
  atMs: number;
}

/** A leaf node cut off from the hub (a {@linkcode RegistryEvent}). */
export interface LeafDownEvent {
  /** The event's kind. */
  kind: "leaf_down";
  /** The leaf node's name. */
  leaf: string;
  /** Its units, cut off with it. */
  units: string[];
  /** When the registry saw it (ms since the epoch). */
  atMs: number;
}

/** A leaf node linked to the hub again, or for the first time (a {@linkcode RegistryEvent}). */
export interface LeafUpEvent {
  /** The event's kind. */
  kind: "leaf_up";
  /** The leaf node's name. */
  leaf: string;
  /** How long it was cut off (null: first seen). */
  outage: Outage | null;
  /** When the registry saw it (ms since the epoch). */
  atMs: number;
}

/** What the registry saw happen, published on `ops.registry.event`: a move or a leaf node's outage. */
export type RegistryEvent = UnitMovedEvent | LeafDownEvent | LeafUpEvent;
true satisfies Agrees<z.output<typeof registryEventSchema>, RegistryEvent>;

/** One leaf node link's round-trip time. */
export interface Link {
  /** The leaf node's name. */
  leaf: string;
  /** The hub server it is linked to. */
  hub: string;
  /** The hub server's PING/PONG round trip on the link, in µs (null: not measured yet). */
  rttUs: number | null;
}

/** The round-trip time of every leaf node link, published on `ops.registry.links` each poll. */
export interface Links {
  /** When the poll ran (ms since the epoch). */
  atMs: number;
  /** The hub servers that answered the poll, by name. */
  hubs: string[];
  /** Each link's round trip. */
  links: Link[];
}
true satisfies Agrees<z.output<typeof linksSchema>, Links>;
