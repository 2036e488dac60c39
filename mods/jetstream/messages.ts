import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { apiError, manager } from "./_server.ts";
import { parseInput, publishSubject } from "./_schema.ts";
import { decodeBase64 } from "./_bytes.ts";
import type { Header } from "./_wire.ts";
import type { AccountContext } from "./accounts.ts";
import { readerFor } from "./browse.ts";
import { InvalidInputError, NotFoundError, ReservedSubjectError } from "./errors.ts";
import { type MessageView, viewMessage } from "./message_view.ts";

/**
 * Refuses subjects that start with `$`: NATS's own APIs (`$JS`, `$KV`, `$O`, `$SYS`, `$SRV`, …).
 * Publishing there by hand would bypass the checks of the stream, KV, object store and services
 * pages, so the console's raw publish, request, re-publish and replay never do.
 *
 * @param subject the subject to publish to
 * @returns the subject
 * @throws {ReservedSubjectError} for a `$` subject
 */
export function assertPublishable(subject: string): string {
  if (subject.startsWith("$")) {
    throw new ReservedSubjectError(
      `Subject "${subject}" is reserved: subjects starting with "$" are NATS's own APIs; ` +
        `use the stream, KV, object store and services pages instead`,
    );
  }
  return subject;
}

const headerName = z.string().min(1).max(256).regex(
  /^[!-9;-~]+$/,
  "header names are printable ASCII without spaces or colons",
);
const headerValue = z.string().max(64 * 1024).regex(/^[^\r\n]*$/, "no line breaks in values");

/** zod schema of a message to publish: subject, headers, payload (text or base64). */
export const outgoingMessageSchema = z.object({
  subject: publishSubject,
  headers: z.array(z.tuple([headerName, headerValue])).max(256).default([]),
  payload: z.string().default(""),
  encoding: z.enum(["text", "base64"]).default("text"),
}).strict();

/** A message to publish, as a form or the API sends it. */
export interface OutgoingMessage {
  /** Where to publish (no wildcards). */
  subject: string;
  /** Header lines as `[name, value]`, at most 256 (default none). */
  headers?: [string, string][];
  /** The payload, as `encoding` says (default empty). */
  payload?: string;
  /** How `payload` is written: `text` (UTF-8, the default) or `base64`. */
  encoding?: "text" | "base64";
}
true satisfies Agrees<z.input<typeof outgoingMessageSchema>, OutgoingMessage>;

/** The validated message: subject, header lines and payload bytes. */
export interface Outgoing {
  readonly subject: string;
  readonly headers: readonly Header[];
  readonly data: Uint8Array;
}

/**
 * Validates a message to publish (subject not reserved, headers, payload decoded).
 *
 * @param input what the form or API sent
 * @param what what it is, for errors
 * @param reservedOk allow `$` subjects (only for subjects the console discovered itself)
 * @returns subject, header lines, payload bytes
 */
export function outgoing(input: unknown, what: string, reservedOk = false): Outgoing {
  const m = parseInput(outgoingMessageSchema, input, what);
  if (!reservedOk) assertPublishable(m.subject);
  let data: Uint8Array;
  try {
    data = m.encoding === "base64" ? decodeBase64(m.payload) : new TextEncoder().encode(m.payload);
  } catch (e) {
    throw new InvalidInputError(what, [{ path: "payload", message: (e as Error).message }]);
  }
  return { subject: m.subject, headers: m.headers, data };
}

/**
 * nats.js headers from header lines.
 *
 * @param lines header lines
 * @returns the headers, or undefined when there are none
 */
export function toMsgHdrs(lines: readonly Header[]): MsgHdrs | undefined {
  if (lines.length === 0) return undefined;
  const h = natsHeaders();
  for (const [k, v] of lines) h.append(k, v);
  return h;
}

/** Where a JetStream publish landed. */
export interface PublishResult {
  /** The stream that stored it, or null when no stream captures the subject (plain publish). */
  readonly stream: string | null;
  /** Its sequence there, or null. */
  readonly seq: number | null;
  /** Whether the stream saw it as a duplicate (Nats-Msg-Id within the duplicate window). */
  readonly duplicate: boolean;
}

/**
 * Publishes a message in the account: stored and acknowledged when a stream captures the
 * subject, a plain publish (flushed) otherwise.
 *
 * @param ctx the account to publish in (its credentials limit what is allowed)
 * @param input subject, headers, payload
 * @returns the stream and sequence it landed at, if any
 * @throws {InvalidInputError} for a bad subject, header or payload
 * @throws {ReservedSubjectError} for `$` subjects
 */
export async function publishMessage(ctx: AccountContext, input: unknown): Promise<PublishResult> {
  const m = outgoing(input, "message");
  return await publishOutgoing(ctx, m);
}

/**
 * Publishes already validated parts (a subject that passed {@linkcode assertPublishable}):
 * acknowledged by the stream that captures the subject, else a plain publish, flushed.
 *
 * @param ctx the account to publish in
 * @param m subject, header lines, payload
 * @returns where it landed
 */
export async function publishOutgoing(
  ctx: AccountContext,
  m: { readonly subject: string; readonly headers: readonly Header[]; readonly data: Uint8Array },
): Promise<PublishResult> {
  const jsm = await manager(ctx.nc);
  const stream = await jsm.streams.find(m.subject).catch(() => null);
  if (stream === null) {
    ctx.nc.publish(m.subject, m.data, { headers: toMsgHdrs(m.headers) });
    await ctx.nc.flush();
    return { stream: null, seq: null, duplicate: false };
  }
  try {
    const ack = await jetstream(ctx.nc).publish(m.subject, m.data, {
      headers: toMsgHdrs(m.headers),
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (e) {
    throw apiError(e, `publish to "${m.subject}"`);
  }
}

/** The reply to a request. */
export interface RequestReply {
  /** The reply's subject (the request's inbox). */
  readonly subject: string;
  /** Its headers. */
  readonly headers: readonly Header[];
  /** Its payload, viewed like a stored message (JSON, text, hex, base64). */
  readonly payload: MessageView["payload"];
  /** How the payload reads. */
  readonly kind: MessageView["kind"];
  /** Payload size in bytes. */
  readonly size: number;
  /** Round trip in milliseconds. */
  readonly ms: number;
}

/**
 * Sends a request in the account and returns the reply, viewed like a stored message.
 *
 * @param ctx the account to send it in
 * @param input subject, headers, payload
 * @param timeoutMs how long to wait (default 5000)
 * @returns the reply
 * @throws {InvalidInputError} for a bad message
 * @throws {ReservedSubjectError} for `$` subjects
 * @throws the client's no-responders or timeout error
 */
export async function requestMessage(
  ctx: AccountContext,
  input: unknown,
  timeoutMs = 5000,
): Promise<RequestReply> {
  return await requestOutgoing(ctx, outgoing(input, "request"), timeoutMs);
}

/**
 * Sends already validated parts as a request (for subjects the console found itself, such as a
 * service endpoint discovered through `$SRV.INFO`).
 *
 * @param ctx the account to send it in
 * @param m subject, header lines, payload
 * @param timeoutMs how long to wait
 * @returns the reply
 */
export async function requestOutgoing(
  ctx: AccountContext,
  m: { readonly subject: string; readonly headers: readonly Header[]; readonly data: Uint8Array },
  timeoutMs: number,
): Promise<RequestReply> {
  const t0 = performance.now();
  const r = await ctx.nc.request(m.subject, m.data, {
    timeout: timeoutMs,
    headers: toMsgHdrs(m.headers),
  });
  const ms = performance.now() - t0;
  const lines: Header[] = [];
  if (r.headers) {
    for (const k of r.headers.keys()) for (const v of r.headers.values(k)) lines.push([k, v]);
  }
  const v = viewMessage("", { seq: 0, subject: r.subject, time: "", headers: lines, data: r.data });
  return { subject: r.subject, headers: lines, payload: v.payload, kind: v.kind, size: v.size, ms };
}

/**
 * One stored message, for the message view.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param seq the sequence
 * @returns the view (headers, payload in every representation, natscli commands)
 * @throws {NotFoundError} when there is no message at that sequence
 */
export async function getMessage(
  ctx: AccountContext,
  stream: string,
  seq: number,
): Promise<MessageView> {
  const m = await readerFor(ctx.nc, stream).get(seq);
  if (m === null) throw new NotFoundError("message", String(seq), `in stream "${stream}"`);
  return viewMessage(stream, m);
}

/**
 * Deletes a stored message; with `erase` the server overwrites its bytes on disk too.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param seq the sequence
 * @param erase overwrite the message's storage (slower, for secrets)
 * @throws {NotFoundError} when there is no message at that sequence
 * @throws {ServerRefusedError} e.g. for a stream with deny_delete
 */
export async function deleteMessage(
  ctx: AccountContext,
  stream: string,
  seq: number,
  erase = false,
): Promise<void> {
  const jsm = await manager(ctx.nc);
  try {
    const ok = await jsm.streams.deleteMessage(stream, seq, erase);
    if (!ok) throw new NotFoundError("message", String(seq), `in stream "${stream}"`);
  } catch (e) {
    if (e instanceof NotFoundError) throw e;
    const err = apiError(e, `delete message ${seq} of stream "${stream}"`, {
      kind: "stream",
      name: stream,
      where: `in account "${ctx.account}"`,
    });
    if (/no message found|not found/i.test(err.message) && !(err instanceof NotFoundError)) {
      throw new NotFoundError("message", String(seq), `in stream "${stream}"`, { cause: e });
    }
    throw err;
  }
}

/**
 * Publishes a stored message again, optionally edited: subject, headers or payload replaced.
 *
 * @param ctx a connection in the stream's account (the publish happens there)
 * @param stream the stream
 * @param seq the message
 * @param edits what to change (omitted parts stay as stored)
 * @returns where the copy landed
 * @throws {NotFoundError} when there is no message at that sequence
 */
export async function republishMessage(
  ctx: AccountContext,
  stream: string,
  seq: number,
  edits: Partial<OutgoingMessage> = {},
): Promise<PublishResult> {
  const stored = await readerFor(ctx.nc, stream).get(seq);
  if (stored === null) throw new NotFoundError("message", String(seq), `in stream "${stream}"`);
  const m = outgoing({
    subject: edits.subject ?? stored.subject,
    headers: edits.headers ?? stored.headers.map(([k, v]) => [k, v]),
    ...(edits.payload !== undefined
      ? { payload: edits.payload, encoding: edits.encoding ?? "text" }
      : { payload: "" }),
  }, "message");
  return await publishOutgoing(ctx, edits.payload !== undefined ? m : { ...m, data: stored.data });
}
