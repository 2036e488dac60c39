import { jetstream, type PubAck } from "@nats-io/jetstream";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { manager } from "./_server.ts";
import { parseInput, publishSubject } from "./_schema.ts";
import type { Header } from "./_wire.ts";
import type { AccountContext } from "./accounts.ts";
import { assertPublishable, toMsgHdrs } from "./messages.ts";
import type { StoredMessage } from "./reader.ts";
import { messageMatcher, parseScanCriteria, resolveRange, scanRange } from "./scan.ts";

/** zod schema of how to replay: where to, how fast, or only count. */
export const replayOptionsSchema = z.object({
  /** Publish every message to this subject instead of its own. */
  to: publishSubject.optional(),
  /** Messages per second (default 1000, at most 100,000). */
  ratePerSecond: z.number().positive().max(100_000).default(1000),
  /** Only count what would be published. */
  dryRun: z.boolean().default(false),
}).strict();

/** How to replay: where to, how fast, or only count. */
export interface ReplayOptions {
  /** Publish every message to this subject instead of its own. */
  to?: string;
  /** Messages per second (default 1000, at most 100,000). */
  ratePerSecond?: number;
  /** Only count what would be published. */
  dryRun?: boolean;
}
true satisfies Agrees<z.input<typeof replayOptionsSchema>, ReplayOptions>;

/** How a replay went (or, for a dry run, would go). */
export interface ReplayResult {
  /** Messages that match the criteria. */
  readonly matched: number;
  /** Messages published (0 for a dry run). */
  readonly published: number;
  /** Whether this was a dry run. */
  readonly dryRun: boolean;
  /** Milliseconds taken. */
  readonly ms: number;
}

/** How a replay is going. */
export interface ReplayProgress {
  /** Messages published so far. */
  readonly published: number;
  /** Matches so far. */
  readonly matched: number;
  /** The last sequence read. */
  readonly lastSeq: number;
  /** Messages in range, where the server could count. */
  readonly total: number | null;
}

/**
 * Headers a replayed copy must not carry: a message id would make the stream drop the copy as a
 * duplicate, expectations would fail, a rollup would purge, batch markers belong to the original.
 */
const DROPPED = /^(Nats-Msg-Id|Nats-Expected-.*|Nats-Rollup|Nats-Batch-.*)$/i;

/** The header naming the original of a replayed copy: `<stream>:<sequence>`. */
export const REPLAY_HEADER = "Nunect-Replay-Of";

/**
 * The headers of a replayed copy: the original's, minus those that would change what the stream
 * does with it, plus {@linkcode REPLAY_HEADER}.
 *
 * @param stream the stream read from
 * @param m the original
 * @returns the copy's header lines
 */
export function replayHeaders(stream: string, m: StoredMessage): Header[] {
  return [...m.headers.filter(([k]) => !DROPPED.test(k)), [REPLAY_HEADER, `${stream}:${m.seq}`]];
}

/**
 * Publishes a range or a search result of a stream again (to the original subjects or to one
 * subject), at a limited rate, in the same account and with that account's credentials; or, as
 * a dry run, counts what would go. The range's end is fixed when the replay starts, so copies
 * landing in the same stream are never replayed again.
 *
 * @param ctx the stream's account (the publishes happen there, with its rights only)
 * @param stream the stream
 * @param criteria which messages (as for a search)
 * @param options target subject, rate, dry run
 * @param signal cancels the replay (what was published stays published)
 * @param onProgress called after each batch
 * @returns how many matched and how many were published
 * @throws {InvalidInputError} for bad criteria or options
 * @throws {ReservedSubjectError} for a `$` target or original subject
 */
export async function replayMessages(
  ctx: AccountContext,
  stream: string,
  criteria: unknown,
  options: ReplayOptions = {},
  signal?: AbortSignal,
  onProgress?: (p: ReplayProgress) => void,
): Promise<ReplayResult> {
  const c = parseScanCriteria(criteria);
  const o = parseInput(replayOptionsSchema, options, "replay options");
  if (o.to) assertPublishable(o.to);
  const t0 = performance.now();
  const limit = c.limit ?? Infinity;
  const range = await resolveRange(ctx.nc, stream, c);
  const elapsed = () => Math.round(performance.now() - t0);

  // A dry run without header or text criteria is answered by the server's count.
  if (o.dryRun && messageMatcher(c) === null && range.total !== null) {
    return { matched: Math.min(range.total, limit), published: 0, dryRun: true, ms: elapsed() };
  }

  const js = jetstream(ctx.nc);
  const jsm = await manager(ctx.nc);
  const captured = new Map<string, boolean>();
  const isCaptured = async (subject: string) => {
    let v = captured.get(subject);
    if (v === undefined) {
      v = await jsm.streams.find(subject).then(() => true, () => false);
      captured.set(subject, v);
    }
    return v;
  };

  let matched = 0;
  let published = 0;
  const started = performance.now();
  for await (const batch of scanRange(ctx.nc, stream, range, c, signal)) {
    const acks: Promise<PubAck>[] = [];
    for (const m of batch.messages) {
      if (matched === limit) break;
      matched++;
      if (o.dryRun) continue;
      const subject = assertPublishable(o.to ?? m.subject);
      // Rate limit: never ahead of ratePerSecond since the start.
      const due = started + (published / o.ratePerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 1) {
        await Promise.all(acks.splice(0));
        await new Promise((r) => setTimeout(r, wait));
        signal?.throwIfAborted();
      }
      const headers = toMsgHdrs(replayHeaders(stream, m));
      if (await isCaptured(subject)) acks.push(js.publish(subject, m.data, { headers }));
      else ctx.nc.publish(subject, m.data, { headers });
      published++;
    }
    await Promise.all(acks);
    await ctx.nc.flush();
    onProgress?.({ published, matched, lastSeq: batch.lastSeq, total: range.total });
    if (matched === limit) break;
  }
  return { matched, published, dryRun: o.dryRun, ms: elapsed() };
}
