/**
 * Metric history in JetStream: a collector (its own program, `mods/history/main.ts`, under the
 * `history` permission set) samples every server, account, stream, consumer and unit once per step
 * through `$SYS` and writes the points into one stream per tier of the OPS account
 * (`nunect.history.<tier>.<kind>`), downsampling into coarser tiers (say 10 s for a day, 1 min for
 * a week, 1 h for a year, from `HISTORY_TIERS`). Two collectors share the work by a KV lease and
 * message IDs, so each point is written once and a restart leaves no gap. The pure parts (frames,
 * downsampling, series maths, CSV) work without NATS. A reader (the dashboard) may keep decoded
 * points in memory (`cacheBytes`): its reads then fetch only what memory lacks and return what a
 * read of the stream returns.
 *
 * @example
 * ```ts
 * const store = new HistoryStore(nc, { tiers, maxBytes: 1 << 30 });
 * const frames = await store.read("1m", "stream", Date.now() - 86_400_000);
 * const { t, v } = seriesOf(frames, "OPS/orders", "last_seq"); // messages per second
 * ```
 *
 * @module
 */
export {
  CLOCK_QUALITY,
  fieldNames,
  FIELDS,
  frameOf,
  frameSchema,
  KINDS,
  valueOf,
} from "./frame.ts";
export type { FieldType, Frame, Kind, Row } from "./frame.ts";
export { decodeFrame, encodeFrame, FRAME_ENCODING_HEADER } from "./codec.ts";
export { Downsampler, roundMean } from "./downsample.ts";
export type { TierFrame, TierStep } from "./downsample.ts";
export { chooseTier, counterRate, idsOf, seriesOf, toCsv } from "./series.ts";
export type { Series, TierSpan } from "./series.ts";
export { framesFromSnapshot } from "./snapshot.ts";
export type { Snapshot } from "./snapshot.ts";
export { sysSampler } from "./sampler.ts";
export type { Sample } from "./sampler.ts";
export { HISTORY_SUBJECT, HistoryStore, historyStream, historySubject } from "./store.ts";
export type { HistoryStoreOptions, HistoryStoreStats, TierRetention } from "./store.ts";
export type { FrameCacheStats } from "./frame_cache.ts";
export { Lease } from "./lease.ts";
export type { LeaseOptions } from "./lease.ts";
export { HistoryCollector } from "./collector.ts";
export type { HistoryCollectorOptions, HistoryCollectorStats } from "./collector.ts";
