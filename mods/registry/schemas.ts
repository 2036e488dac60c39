import * as z from "zod";

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

/** A time a leaf node was cut off. */
export type Outage = z.infer<typeof outageSchema>;
/** A leaf node as the registry knows it. */
export type LeafEntry = z.infer<typeof leafEntrySchema>;
/** Where a unit is. */
export type UnitEntry = z.infer<typeof unitEntrySchema>;
/** A move or a leaf node's outage. */
export type RegistryEvent = z.infer<typeof registryEventSchema>;
/** The links' round-trip times. */
export type Links = z.infer<typeof linksSchema>;
/** One link's round-trip time. */
export type Link = Links["links"][number];
