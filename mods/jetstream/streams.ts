import type { PurgeOpts, StreamConfig } from "@nats-io/jetstream";
import type { StreamInfo } from "./nats_types.ts";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { apiError, manager, serverVersion } from "./_server.ts";
import { parseInput, subjectFilter } from "./_schema.ts";
import type { AccountContext } from "./accounts.ts";
import { readerFor } from "./browse.ts";
import { InvalidInputError } from "./errors.ts";
import {
  streamConfigSchema,
  type StreamConfigValue,
  validateStreamConfig,
} from "./stream_config.ts";

/** A stream as a row of the list, with its limits and how full it is. JSON-serialisable. */
export interface StreamRow {
  /** The account the stream is in. */
  readonly account: string;
  /** The stream's name. */
  readonly name: string;
  /** Its description, or "". */
  readonly description: string;
  /** Its subjects (none for a mirror). */
  readonly subjects: readonly string[];
  /** Retention policy. */
  readonly retention: string;
  /** Storage type. */
  readonly storage: string;
  /** Replicas. */
  readonly replicas: number;
  /** Messages stored. */
  readonly messages: number;
  /** Bytes stored. */
  readonly bytes: number;
  /** Consumers. */
  readonly consumers: number;
  /** First and last sequence. */
  readonly firstSeq: number;
  /** Last sequence. */
  readonly lastSeq: number;
  /** Time of the last message (RFC 3339), or null when empty. */
  readonly lastTime: string | null;
  /** The cluster leader's server name, or null when not clustered. */
  readonly leader: string | null;
  /** Limits (-1 = unlimited; maxAge in nanoseconds, 0 = unlimited). */
  readonly limits: {
    readonly maxMsgs: number;
    readonly maxBytes: number;
    readonly maxAge: number;
    readonly maxMsgsPerSubject: number;
  };
  /** Fraction of the message and byte limits in use (0..1), null where unlimited. */
  readonly usage: { readonly msgs: number | null; readonly bytes: number | null };
  /** The stream it mirrors, or null. */
  readonly mirror: string | null;
  /** The streams it sources from. */
  readonly sources: readonly string[];
  /** Sealed streams take no more messages and cannot be purged or deleted from. */
  readonly sealed: boolean;
}

/** Which streams to list. */
export interface StreamFilter {
  /** Only this account. */
  readonly account?: string;
  /** Only names containing this text (case-insensitive). */
  readonly name?: string;
  /** Only streams that hold this subject (or filter), including mirrors and sources of those. */
  readonly subject?: string;
}

/** The list of streams across accounts, and the accounts that could not be listed. */
export interface StreamList {
  /** Streams, by account then name. */
  readonly streams: readonly StreamRow[];
  /** Accounts whose streams could not be listed, and why (e.g. JetStream not enabled). */
  readonly errors: readonly { readonly account: string; readonly message: string }[];
}

/**
 * A stream's list row from its info.
 *
 * @param account the stream's account
 * @param si the stream's info
 * @returns the row
 */
export function streamRow(account: string, si: StreamInfo): StreamRow {
  const c = si.config;
  const frac = (used: number, max: number) => (max > 0 ? Math.min(1, used / max) : null);
  return {
    account,
    name: c.name,
    description: c.description ?? "",
    subjects: c.subjects ?? [],
    retention: c.retention,
    storage: c.storage,
    replicas: c.num_replicas,
    messages: si.state.messages,
    bytes: si.state.bytes,
    consumers: si.state.consumer_count,
    firstSeq: si.state.first_seq,
    lastSeq: si.state.last_seq,
    lastTime: si.state.messages > 0 || si.state.last_seq > 0 ? si.state.last_ts : null,
    leader: si.cluster?.leader ?? null,
    limits: {
      maxMsgs: c.max_msgs,
      maxBytes: c.max_bytes,
      maxAge: c.max_age,
      maxMsgsPerSubject: c.max_msgs_per_subject,
    },
    usage: { msgs: frac(si.state.messages, c.max_msgs), bytes: frac(si.state.bytes, c.max_bytes) },
    mirror: c.mirror?.name ?? null,
    sources: (c.sources ?? []).map((s) => s.name),
    sealed: c.sealed === true,
  };
}

/**
 * Lists the streams of several accounts, in parallel: filtered by account, name and subject
 * ("which streams hold subject X": the server's subject match, plus the mirrors and sources of
 * those streams in the same account). An account that fails is reported, not fatal.
 *
 * @param contexts a connection per account
 * @param filter which streams
 * @returns the rows and the accounts that failed
 * @throws {InvalidInputError} for an invalid subject filter
 */
export async function listStreams(
  contexts: readonly AccountContext[],
  filter: StreamFilter = {},
): Promise<StreamList> {
  const subject = filter.subject
    ? parseInput(subjectFilter, filter.subject, "subject filter")
    : undefined;
  const name = filter.name?.toLowerCase();
  const chosen = contexts.filter((c) => !filter.account || c.account === filter.account);
  const results = await Promise.all(chosen.map(async ({ account, nc }) => {
    try {
      const jsm = await manager(nc);
      const all: StreamInfo[] = [];
      for await (const si of jsm.streams.list()) all.push(si);
      let held = all;
      if (subject !== undefined) {
        const matched = new Set<string>();
        for await (const si of jsm.streams.list(subject)) matched.add(si.config.name);
        // Mirrors and sources of a matching stream hold its messages too.
        for (let grew = true; grew;) {
          grew = false;
          for (const si of all) {
            if (matched.has(si.config.name)) continue;
            const from = [si.config.mirror, ...(si.config.sources ?? [])];
            if (from.some((s) => s && matched.has(s.name) && !s.external)) {
              matched.add(si.config.name);
              grew = true;
            }
          }
        }
        held = all.filter((si) => matched.has(si.config.name));
      }
      const rows = held
        .filter((si) => !name || si.config.name.toLowerCase().includes(name))
        .map((si) => streamRow(account, si))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { rows, error: null };
    } catch (e) {
      return { rows: [], error: { account, message: (e as Error).message } };
    }
  }));
  return {
    streams: results.flatMap((r) => r.rows),
    errors: results.flatMap((r) => (r.error ? [r.error] : [])),
  };
}

/**
 * A stream's whole info: configuration, state, cluster placement, mirror and sources with lag.
 *
 * @param ctx a connection in the stream's account
 * @param name the stream
 * @param subjectsFilter also count messages per subject matching this filter
 * @returns the server's stream info
 * @throws {NotFoundError} when there is no such stream
 */
export async function streamInfo(
  ctx: AccountContext,
  name: string,
  subjectsFilter?: string,
): Promise<StreamInfo> {
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.streams.info(
      name,
      subjectsFilter ? { subjects_filter: subjectsFilter } : undefined,
    );
  } catch (e) {
    throw apiError(e, `read stream "${name}"`, notFound(ctx, name));
  }
}

function notFound(ctx: AccountContext, name: string) {
  return { kind: "stream" as const, name, where: `in account "${ctx.account}"` };
}

/**
 * Creates a stream from a configuration validated for the running server.
 *
 * @param ctx a connection in the account
 * @param input the configuration (form or API)
 * @returns the new stream's info
 * @throws {InvalidInputError} for a configuration that does not validate, field by field
 * @throws {ServerRefusedError} when the server refuses it (with the field it concerns)
 */
export async function createStream(ctx: AccountContext, input: unknown): Promise<StreamInfo> {
  const cfg = validateStreamConfig(input, serverVersion(ctx.nc));
  if (cfg.sealed) {
    throw new InvalidInputError("stream configuration", [
      { path: "sealed", message: "a stream is sealed by editing it after creation" },
    ]);
  }
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.streams.add(cfg as unknown as StreamConfig);
  } catch (e) {
    throw apiError(e, `create stream "${cfg.name}"`);
  }
}

/** Fields the server does not let an edit change. */
const IMMUTABLE = ["name", "storage", "mirror", "first_seq"] as const;

/**
 * Edits a stream: the changes are merged into its current configuration, the result is validated
 * for the running server, and fields that cannot change are refused by name before the server is
 * asked. Configuration fields this console does not know are kept as they are.
 *
 * @param ctx a connection in the stream's account
 * @param name the stream
 * @param changes the fields to change (same shape as the configuration)
 * @returns the stream's info after the edit
 * @throws {InvalidInputError} for changes that do not validate or touch fixed fields
 * @throws {ServerRefusedError} when the server refuses it (with the field it concerns)
 * @throws {NotFoundError} when there is no such stream
 */
export async function updateStream(
  ctx: AccountContext,
  name: string,
  changes: unknown,
): Promise<StreamInfo> {
  if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
    throw new InvalidInputError("stream changes", [{ path: "", message: "expected an object" }]);
  }
  const current = (await streamInfo(ctx, name)).config as unknown as Record<string, unknown>;
  const known = Object.keys(streamConfigSchema.shape);
  const base: Record<string, unknown> = {};
  for (const k of known) if (current[k] !== undefined && current[k] !== null) base[k] = current[k];
  // Server-managed metadata (_nats.level, …) is the server's business.
  if (base.metadata) {
    base.metadata = Object.fromEntries(
      Object.entries(base.metadata as Record<string, string>).filter(([k]) =>
        !k.startsWith("_nats.")
      ),
    );
  }
  const merged = { ...base, ...changes };
  const cfg: StreamConfigValue = validateStreamConfig(merged, serverVersion(ctx.nc));
  const fixed = IMMUTABLE.filter((k) =>
    k in (changes as object) && JSON.stringify(cfg[k]) !== JSON.stringify(base[k] ?? undefined)
  );
  if (fixed.length > 0) {
    throw new InvalidInputError(
      "stream changes",
      fixed.map((path) => ({ path, message: "cannot be changed after the stream is created" })),
    );
  }
  const jsm = await manager(ctx.nc);
  try {
    return await jsm.streams.update(name, { ...current, ...cfg } as unknown as StreamConfig);
  } catch (e) {
    throw apiError(e, `edit stream "${name}"`, notFound(ctx, name));
  }
}

/**
 * Deletes a stream and every message and consumer in it.
 *
 * @param ctx a connection in the stream's account
 * @param name the stream
 * @throws {NotFoundError} when there is no such stream
 */
export async function deleteStream(ctx: AccountContext, name: string): Promise<void> {
  const jsm = await manager(ctx.nc);
  try {
    await jsm.streams.delete(name);
  } catch (e) {
    throw apiError(e, `delete stream "${name}"`, notFound(ctx, name));
  }
}

/** zod schema of a purge request: everything, one subject's messages, keep the newest N, or up to a sequence. */
export const purgeSchema = z.object({
  subject: subjectFilter.optional(),
  keep: z.number().int().min(0).optional(),
  seq: z.number().int().min(1).optional(),
}).strict().refine((p) => !(p.keep !== undefined && p.seq !== undefined), {
  message: "give keep or seq, not both",
  path: ["seq"],
});

/** What to purge: everything (nothing given), one subject's messages, keep the newest N, or up to a sequence. */
export interface PurgeRequest {
  /** Only messages on this subject (a filter). */
  subject?: string;
  /** Keep the newest this many (not with `seq`). */
  keep?: number;
  /** Purge up to, not including, this sequence (not with `keep`). */
  seq?: number;
}
true satisfies Agrees<z.input<typeof purgeSchema>, PurgeRequest>;

/** What a purge removes (or removed). */
export interface PurgeEstimate {
  /** Messages that go. */
  readonly messages: number;
  /** Whether the count is exact (older servers without batched direct get may only bound it). */
  readonly exact: boolean;
  /** The sentence a confirmation shows. */
  readonly description: string;
}

/** How many messages match `subject` (all of them, or from `seq` on where the server can count). */
async function countMatching(
  ctx: AccountContext,
  stream: string,
  subject: string | undefined,
  si: StreamInfo,
): Promise<number> {
  if (subject === undefined) return si.state.messages;
  const n = await readerFor(ctx.nc, stream).countFrom(1, subject);
  if (n !== null) return n;
  const info = await streamInfo(ctx, stream, subject);
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * What a purge would remove, for the confirmation: "all 1,204 messages", "the 300 messages on
 * orders.eu.>", "all but the newest 10 (1,194 messages)", "the 999 messages before sequence 1000".
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param request what to purge
 * @returns the count and the sentence
 * @throws {InvalidInputError} for a bad request
 */
export async function estimatePurge(
  ctx: AccountContext,
  stream: string,
  request: PurgeRequest = {},
): Promise<PurgeEstimate> {
  const p = parseInput(purgeSchema, request, "purge request");
  const si = await streamInfo(ctx, stream);
  const n = (x: number) => x.toLocaleString("en");
  const on = p.subject ? ` on ${p.subject}` : "";
  const matching = await countMatching(ctx, stream, p.subject, si);
  if (p.keep !== undefined) {
    const goes = Math.max(0, matching - p.keep);
    return {
      messages: goes,
      exact: true,
      description: `Purge ${n(goes)} messages${on} from "${stream}", keeping the newest ${
        n(p.keep)
      }`,
    };
  }
  if (p.seq !== undefined) {
    const kept = await readerFor(ctx.nc, stream).countFrom(p.seq, p.subject);
    // Without a server that counts, the sequences below p.seq bound what goes.
    const below = Math.max(0, p.seq - si.state.first_seq);
    const exact = kept !== null || (p.subject === undefined && si.state.num_deleted === 0);
    const goes = kept !== null ? Math.max(0, matching - kept) : Math.min(matching, below);
    return {
      messages: goes,
      exact,
      description: `Purge ${exact ? "" : "up to "}${n(goes)} messages${on} before sequence ${
        n(p.seq)
      } from "${stream}"`,
    };
  }
  return {
    messages: matching,
    exact: true,
    description: p.subject === undefined
      ? `Purge all ${n(matching)} messages from "${stream}"`
      : `Purge the ${n(matching)} messages${on} from "${stream}"`,
  };
}

/**
 * Purges a stream: everything, one subject filter's messages, all but the newest N, or everything
 * before a sequence.
 *
 * @param ctx a connection in the stream's account
 * @param stream the stream
 * @param request what to purge
 * @returns how many messages were removed
 * @throws {InvalidInputError} for a bad request
 * @throws {ServerRefusedError} e.g. for a stream with deny_purge
 */
export async function purgeStream(
  ctx: AccountContext,
  stream: string,
  request: PurgeRequest = {},
): Promise<{ purged: number }> {
  const p = parseInput(purgeSchema, request, "purge request");
  const jsm = await manager(ctx.nc);
  const opts = {
    ...(p.subject ? { filter: p.subject } : {}),
    ...(p.keep !== undefined ? { keep: p.keep } : {}),
    ...(p.seq !== undefined ? { seq: p.seq } : {}),
  };
  try {
    const r = await jsm.streams.purge(
      stream,
      Object.keys(opts).length ? (opts as PurgeOpts) : undefined,
    );
    return { purged: r.purged };
  } catch (e) {
    throw apiError(e, `purge stream "${stream}"`, notFound(ctx, stream));
  }
}
