import type { StreamInfo } from "./nats_types.ts";
import { z } from "zod";
import { parseDuration } from "./_schema.ts";
import { apiError, manager } from "./_server.ts";
import type { AccountContext } from "./accounts.ts";
import { readerFor } from "./browse.ts";
import { NotFoundError } from "./errors.ts";
import { type MessageSummary, summarize } from "./message_view.ts";
import { assertPublishable, publishOutgoing, type PublishResult } from "./messages.ts";
import { replayHeaders } from "./replay.ts";

/** The stream, in each account, that keeps the max-deliveries and terminated advisories. */
export const DEAD_LETTER_STREAM = "NUNECT_DEAD_LETTERS";
/** Advisories it captures: a message reached a consumer's MaxDeliver. */
export const MAX_DELIVERIES_SUBJECT = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES";
/**
 * Advisories it captures: a consumer's client terminated a message (`+TERM`, `msg.term()`), with
 * the reason it gave. nats-server 2.9.10 sends them too; the reason needs nats-server ≥ 2.10.
 */
export const MSG_TERMINATED_SUBJECT = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED";
/** The subjects of {@linkcode DEAD_LETTER_STREAM}. */
const DEAD_LETTER_SUBJECTS = [`${MAX_DELIVERIES_SUBJECT}.>`, `${MSG_TERMINATED_SUBJECT}.>`];

/**
 * The advisory nats-server publishes when a message reached MaxDeliver or was terminated
 * (tolerant: extra fields pass).
 */
const advisorySchema = z.object({
  type: z.string(),
  id: z.string().optional(),
  timestamp: z.string(),
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int(),
  deliveries: z.number().int(),
  reason: z.string().optional(),
});

type Advisory = z.output<typeof advisorySchema>;

/** The advisory in a stored message, or null when it is not one (never fatal). */
function parseAdvisory(data: Uint8Array): Advisory | null {
  try {
    const r = advisorySchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Why a message is a dead letter: it reached MaxDeliver, or a client terminated it. */
export type DeadLetterCause = "max_deliveries" | "terminated";

/** One dead letter: the advisory and, while the stream still holds it, the message itself. */
export interface DeadLetter {
  /** Sequence of the advisory in {@linkcode DEAD_LETTER_STREAM} (the dead letter's ID). */
  readonly id: number;
  /** Why: MaxDeliver reached, or terminated by a client. */
  readonly cause: DeadLetterCause;
  /**
   * The reason the client gave when it terminated the message (`msg.term("…")`; needs
   * nats-server ≥ 2.10), else null.
   */
  readonly reason: string | null;
  /** When the server gave up on it. */
  readonly time: string;
  /** The stream the message is in. */
  readonly stream: string;
  /** The consumer that could not deliver it. */
  readonly consumer: string;
  /** The message's stream sequence. */
  readonly streamSeq: number;
  /** How often it was delivered. */
  readonly deliveries: number;
  /** The message, or null when the stream no longer holds it. */
  readonly message: MessageSummary | null;
}

/** Whether dead letters are kept in an account, and how many. */
export interface DeadLetterStatus {
  /** Whether {@linkcode DEAD_LETTER_STREAM} exists in the account. */
  readonly enabled: boolean;
  /** Advisories kept. */
  readonly count: number;
  /** How long they are kept (nanoseconds; 0 = until the byte or count limit). */
  readonly maxAge: number;
}

/**
 * Whether the account keeps dead letters.
 *
 * @param ctx a connection in the account
 * @returns enabled, count and retention
 */
export async function deadLetterStatus(ctx: AccountContext): Promise<DeadLetterStatus> {
  const jsm = await manager(ctx.nc);
  let si: StreamInfo;
  try {
    si = await jsm.streams.info(DEAD_LETTER_STREAM);
  } catch {
    return { enabled: false, count: 0, maxAge: 0 };
  }
  return { enabled: true, count: si.state.messages, maxAge: si.config.max_age };
}

/**
 * Starts keeping dead letters in the account: creates {@linkcode DEAD_LETTER_STREAM}, capturing
 * `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>` and `….MSG_TERMINATED.>` (at most `maxMsgs`, for
 * `maxAge`). Idempotent; a stream made before terminated messages were kept gets their subject.
 *
 * @param ctx a connection in the account
 * @param options retention (default 7 days, 100,000 advisories)
 * @returns the status after
 */
export async function enableDeadLetters(
  ctx: AccountContext,
  options: { maxAge?: string | number; maxMsgs?: number } = {},
): Promise<DeadLetterStatus> {
  const jsm = await manager(ctx.nc);
  try {
    await jsm.streams.add({
      name: DEAD_LETTER_STREAM,
      description: "nunect: messages that reached a consumer's MaxDeliver or were terminated " +
        "(advisories)",
      subjects: DEAD_LETTER_SUBJECTS,
      max_age: parseDuration(options.maxAge ?? "7d"),
      max_msgs: options.maxMsgs ?? 100_000,
      allow_direct: true,
    });
  } catch (e) {
    const err = apiError(e, `create stream "${DEAD_LETTER_STREAM}"`);
    if (!/already in use/.test(err.message)) throw err;
    const { config } = await jsm.streams.info(DEAD_LETTER_STREAM);
    const missing = DEAD_LETTER_SUBJECTS.filter((s) => !config.subjects?.includes(s));
    if (missing.length > 0) {
      await jsm.streams.update(DEAD_LETTER_STREAM, {
        ...config,
        subjects: [...(config.subjects ?? []), ...missing],
      }).catch((e) => {
        throw apiError(e, `add ${missing.join(", ")} to stream "${DEAD_LETTER_STREAM}"`);
      });
    }
  }
  return await deadLetterStatus(ctx);
}

/**
 * Dead letters of the account, newest first, optionally of one stream or consumer; each with the
 * message while its stream still holds it (read without a consumer).
 *
 * @param ctx a connection in the account
 * @param filter stream and consumer, and how many (default 50)
 * @returns the dead letters
 * @throws {NotFoundError} when dead letters are not kept in the account
 */
export async function listDeadLetters(
  ctx: AccountContext,
  filter: { stream?: string; consumer?: string; limit?: number } = {},
): Promise<DeadLetter[]> {
  const status = await deadLetterStatus(ctx);
  if (!status.enabled) {
    throw new NotFoundError(
      "stream",
      DEAD_LETTER_STREAM,
      `in account "${ctx.account}": enable dead letters first`,
    );
  }
  // $JS.EVENT.ADVISORY.CONSUMER.<MAX_DELIVERIES|MSG_TERMINATED>.<stream>.<consumer>
  const [stream, consumer] = [filter.stream ?? "*", filter.consumer ?? "*"];
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.*.${stream}.${consumer}`;
  const limit = filter.limit ?? 50;
  const reader = readerFor(ctx.nc, DEAD_LETTER_STREAM);
  // Newest first: read backwards in growing windows, as the message browser does.
  const info = await manager(ctx.nc).then((m) => m.streams.info(DEAD_LETTER_STREAM));
  let hi = info.state.last_seq;
  let window = 256;
  const found: DeadLetter[] = [];
  while (hi >= info.state.first_seq && found.length < limit) {
    const lo = Math.max(info.state.first_seq, hi - window + 1);
    const { messages } = await reader.collect({
      seq: lo,
      upToSeq: hi,
      subject,
      limit: hi - lo + 1,
    });
    for (const m of messages.reverse()) {
      const a = parseAdvisory(m.data);
      if (a === null) continue; // not an advisory: skipped, never fatal
      const original = await readerFor(ctx.nc, a.stream).get(a.stream_seq).catch(() => null);
      const terminated = m.subject.startsWith(`${MSG_TERMINATED_SUBJECT}.`);
      found.push({
        id: m.seq,
        cause: terminated ? "terminated" : "max_deliveries",
        reason: terminated && a.reason ? a.reason : null,
        time: a.timestamp,
        stream: a.stream,
        consumer: a.consumer,
        streamSeq: a.stream_seq,
        deliveries: a.deliveries,
        message: original ? summarize(original) : null,
      });
      if (found.length === limit) break;
    }
    hi = lo - 1;
    window *= 2;
  }
  return found;
}

async function advisory(ctx: AccountContext, id: number): Promise<Advisory> {
  const m = await readerFor(ctx.nc, DEAD_LETTER_STREAM).get(id);
  const a = m ? parseAdvisory(m.data) : null;
  if (a === null) {
    throw new NotFoundError("message", String(id), `in stream "${DEAD_LETTER_STREAM}"`);
  }
  return a;
}

/**
 * Publishes a dead letter's message again (to its own subject or `to`), in the account, with
 * the replay headers.
 *
 * @param ctx a connection in the account
 * @param id the dead letter's ID
 * @param to another subject to publish to
 * @returns where it landed
 * @throws {NotFoundError} when the advisory or the message is gone
 */
export async function replayDeadLetter(
  ctx: AccountContext,
  id: number,
  to?: string,
): Promise<PublishResult> {
  const a = await advisory(ctx, id);
  const m = await readerFor(ctx.nc, a.stream).get(a.stream_seq);
  if (m === null) {
    throw new NotFoundError("message", String(a.stream_seq), `in stream "${a.stream}"`);
  }
  const subject = assertPublishable(to ?? m.subject);
  return await publishOutgoing(ctx, { subject, headers: replayHeaders(a.stream, m), data: m.data });
}

/**
 * Removes a dead letter: its advisory, and with `original` the message from its stream too.
 *
 * @param ctx a connection in the account
 * @param id the dead letter's ID
 * @param original also delete the message from its stream
 */
export async function deleteDeadLetter(
  ctx: AccountContext,
  id: number,
  original = false,
): Promise<void> {
  const a = await advisory(ctx, id);
  const jsm = await manager(ctx.nc);
  if (original) {
    await jsm.streams.deleteMessage(a.stream, a.stream_seq).catch((e) => {
      const err = apiError(e, `delete message ${a.stream_seq} of "${a.stream}"`);
      if (!/not found/i.test(err.message)) throw err;
    });
  }
  await jsm.streams.deleteMessage(DEAD_LETTER_STREAM, id);
}
