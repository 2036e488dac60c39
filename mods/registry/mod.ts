/**
 * The subject registry (the seeds' "track which subjects are needed at which leaf"): a program
 * of its own (`mods/registry/main.ts`, `registry` permission set, supervised by `deno task
 * start`) that polls the hub's leaf node connections over `$SYS` and keeps, in the OPS account's
 * `nunect_registry` bucket, which subjects each leaf node has interest in and which leaf node
 * each unit is on. A unit that reconnects through another leaf node keeps its identity and the
 * registry shows the move within two polls; leaf node outages are reported once the link is
 * back. It also keeps the inbox stream (`nunect_inbox`) in which messages meant for a unit wait
 * while it moves (the client's `inbox()` takes them). The pure parts (the table, subject
 * overlap) work without NATS.
 *
 * @example
 * ```ts
 * import { whoNeeds } from "./mod.ts";
 * whoNeeds(leafEntries, "bridge.audio.>"); // which leaf nodes, which units there
 * ```
 *
 * @module
 */
export { FORGET_AFTER_MS, RegistryTable, whoNeeds } from "./table.ts";
export type { HubReport, Interest, LeafConnection, RegistryChanges } from "./table.ts";
export { subjectsOverlap } from "./subject_match.ts";
export { leafKey, Registry, REGISTRY_BUCKET } from "./registry.ts";
export type { RegistryOptions, RegistryStats } from "./registry.ts";
export { ensureInboxStream } from "./inbox_stream.ts";
export type { InboxStreamOptions } from "./inbox_stream.ts";
export type {
  LeafDownEvent,
  LeafEntry,
  LeafUpEvent,
  Link,
  Links,
  Outage,
  RegistryEvent,
  UnitEntry,
  UnitMovedEvent,
} from "./schemas.ts";
