import { headers as natsHeaders } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { decodeMessage } from "../protocol/mod.ts";
import { retry } from "../client/mod.ts";
import {
  AUDIT_STREAM,
  AUDIT_SUBJECT_PREFIX,
  type AuditInput,
  type AuditRecord,
  auditRecordSchema,
  auditSubject,
  encodeAuditRecord,
} from "./record.ts";
import { AuditUnavailableError } from "./errors.ts";

/** Options of {@linkcode ensureAuditStream}. */
export interface AuditStreamOptions {
  /** Stream name (default `nunect_audit`). */
  readonly stream?: string;
  /** How long records are kept, in ms (default 365 days). */
  readonly maxAgeMs?: number;
  /** Replicas (default 1). */
  readonly replicas?: number;
}

/**
 * Creates the audit stream in the connection's account, or brings its limits up to date. Records
 * can be neither deleted nor purged through the API (`deny_delete`, `deny_purge`): the trail only
 * grows and ages out.
 *
 * @param nc a connection allowed `$JS.API.STREAM.{INFO,CREATE,UPDATE}.<stream>`
 * @param options name, age limit, replicas
 */
export async function ensureAuditStream(
  nc: NatsConnection,
  options: AuditStreamOptions = {},
): Promise<void> {
  const name = options.stream ?? AUDIT_STREAM;
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const config = {
    subjects: [`${AUDIT_SUBJECT_PREFIX}.>`],
    max_age: Math.round((options.maxAgeMs ?? 365 * 24 * 3600_000) * 1e6),
    num_replicas: options.replicas ?? 1,
    description: "nunect audit trail: who changed what, before and after (mods/audit)",
    deny_delete: true,
    deny_purge: true,
  };
  const exists = await jsm.streams.info(name).then(() => true, () => false);
  if (!exists) {
    await jsm.streams.add({
      name,
      ...config,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
    });
    return;
  }
  await jsm.streams.update(name, config);
}

/** Filters of {@linkcode AuditLog.search}; every one optional. */
export interface AuditSearch {
  /** Only this actor (exact). */
  readonly actor?: string;
  /** Only this action or the actions under it (`users` matches `users.create`). */
  readonly action?: string;
  /** Only records whose target contains this text (case-insensitive). */
  readonly target?: string;
  /** Only records at or after this time (ms since the epoch). */
  readonly from?: number;
  /** Only records at or before this time (ms since the epoch). */
  readonly to?: number;
  /** Only successful (true) or failed and refused (false) ones. */
  readonly ok?: boolean;
  /** At most this many, newest first (default 100, at most 10,000). */
  readonly limit?: number;
  /** Continue below this stream sequence (the `next` of a previous answer). */
  readonly before?: number;
}

/** A record with its place in the stream. */
export type StoredAuditRecord = AuditRecord & { readonly seq: number };

/** What {@linkcode AuditLog.search} found. */
export interface AuditPage {
  /** Matching records, newest first. */
  readonly records: StoredAuditRecord[];
  /** Pass as `before` for the next (older) page; null when the stream has no more. */
  readonly next: number | null;
  /** Records read to find these. */
  readonly scanned: number;
}

/** A submitted record on its way, until its batch is confirmed. */
interface Unconfirmed {
  readonly record: AuditRecord;
  readonly subject: string;
  readonly data: string;
  readonly h: ReturnType<typeof natsHeaders>;
}

/** Records read per batch when searching backwards. */
const SEARCH_BATCH = 512;
/** Records one search reads at most before it answers with what it has (and `next`). */
const SEARCH_MAX_SCAN = 100_000;

/** Options of the {@linkcode AuditLog} constructor. */
export interface AuditLogOptions {
  /** The stream's name (default `nunect_audit`). */
  readonly stream?: string;
  /**
   * Called with a record {@linkcode AuditLog.submit} could not store after a retry (default:
   * the whole record to stderr, so that it is never silently lost).
   */
  readonly onLost?: (record: AuditRecord, error: Error) => void;
}

/** Options of {@linkcode AuditLog.recent}. */
export interface RecentOptions {
  /** At most this many, oldest first (default 100). */
  readonly limit?: number;
  /** Only this action, or a prefix of actions ending in `>` (`user.>`). */
  readonly action?: string;
}

/**
 * The audit trail: {@linkcode AuditLog.append} stores one record (acknowledged by JetStream) and
 * {@linkcode AuditLog.recent} reads the newest. Writers need publish rights on
 * `nunect.audit.>` only; readers need a consumer on the stream.
 *
 * @example
 * ```ts
 * const audit = new AuditLog(nc);
 * await audit.append({
 *   actor: "admin", action: "account.update", target: "account BRIDGE",
 *   before: { conn: 10 }, after: { conn: 50 }, ok: true,
 * });
 * ```
 */
export class AuditLog {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #stream: string;
  readonly #pending = new Set<Promise<void>>();
  #unconfirmed: Unconfirmed[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failed = 0;
  /** Why the last record was not stored, until one is again. */
  #failing: Error | undefined;
  #probe: Promise<void> | undefined;
  readonly #onLost: (record: AuditRecord, error: Error) => void;

  /**
   * Creates the log over an existing stream (see {@linkcode ensureAuditStream}).
   *
   * @param nc a connection in the account that holds the stream
   * @param options the stream's name, and where records that cannot be stored go
   */
  constructor(nc: NatsConnection, options: AuditLogOptions = {}) {
    this.#nc = nc;
    this.#js = jetstream(nc, { checkAPI: false });
    this.#stream = options.stream ?? AUDIT_STREAM;
    this.#onLost = options.onLost ??
      ((record, error) =>
        console.error(`Audit record not stored (${error.message}): ${JSON.stringify(record)}`));
  }

  /**
   * Stores one record without waiting for JetStream: the record is on the connection, in
   * order, when this returns. Records are confirmed in batches (every 64, or 20 ms after the
   * first unconfirmed one): the batch's last record is sent again with the same message ID, and
   * JetStream's answer "duplicate" proves that it, and so every record before it on this
   * connection, was stored; otherwise each record of the batch is sent again and acknowledged
   * one by one (the message ID makes a record stored twice count once). What cannot be stored
   * after that goes to `onLost`. For request paths that must not wait a round trip per change
   * (one JetStream acknowledgement per write nearly doubles a fast write's latency);
   * {@linkcode AuditLog.flush} waits until every submitted record is confirmed.
   *
   * @param input who did what to what, before and after
   * @returns the record as it will be stored
   * @throws {InvalidAuditRecordError} for a malformed record or one holding a secret
   */
  submit(input: AuditInput): AuditRecord {
    const { record, json } = encodeAuditRecord(input);
    const h = natsHeaders();
    h.set("Nats-Msg-Id", record.id);
    const item = { record, subject: auditSubject(record.action), data: json, h };
    try {
      this.#nc.publish(item.subject, item.data, { headers: h });
    } catch { /* closed or draining: the confirmation sends it again or reports it lost */ }
    this.#unconfirmed.push(item);
    if (this.#unconfirmed.length >= 64) this.#confirm();
    else this.#timer ??= setTimeout(() => this.#confirm(), 20);
    return record;
  }

  #confirm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#unconfirmed;
    this.#unconfirmed = [];
    if (batch.length === 0) return;
    // One more try a second later: a JetStream leader election, a reconnect.
    const store = (item: Unconfirmed): Promise<boolean> =>
      retry(async () => {
        const reply = await this.#nc.request(item.subject, item.data, {
          headers: item.h,
          timeout: 5000,
        });
        const ack = JSON.parse(new TextDecoder().decode(reply.data)) as {
          stream?: string;
          duplicate?: boolean;
          error?: { description?: string };
        };
        if (ack.error !== undefined || ack.stream !== this.#stream) {
          throw new Error(
            ack.error?.description ?? `stored in "${ack.stream}", not the audit stream`,
          );
        }
        return ack.duplicate === true;
      }, { attempts: 2, backoff: { initialMs: 1000, factor: 1, maxMs: 1000, jitterMs: 0 } });
    const done: Promise<void> = (async () => {
      if (!await store(batch.at(-1)!)) {
        // The last one had not arrived: any of the batch may be missing. Each is sent again.
        for (const item of batch.slice(0, -1)) await store(item);
      }
      this.#failing = undefined;
    })().catch((e) => {
      for (const item of batch) this.#lose(item.record, e as Error);
    }).finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  /** Waits until every submitted record is confirmed (or lost and reported). */
  async flush(): Promise<void> {
    this.#confirm();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Records {@linkcode AuditLog.submit} and {@linkcode AuditLog.append} could not store. */
  get failed(): number {
    return this.#failed;
  }

  /**
   * Resolves when the trail stores records: at once while the last record was stored; after a
   * record was not, it stores one that marks the gap (`audit.resume`, the error in `before`)
   * and resolves once that one is stored. Callers about to make a change that needs its record
   * call this first, so that a trail known not to store refuses the change before it is made.
   *
   * @throws {AuditUnavailableError} while the trail still does not store
   */
  async check(): Promise<void> {
    const failing = this.#failing;
    if (failing === undefined) return;
    // One probe at a time: concurrent writers wait for the same answer.
    this.#probe ??= (async () => {
      const { record, json } = encodeAuditRecord({
        actor: "nunect",
        action: "audit.resume",
        target: `stream ${this.#stream}`,
        before: { error: failing.message },
        after: null,
        ok: true,
      });
      await this.#store(record, json);
      this.#failing = undefined;
    })().finally(() => this.#probe = undefined);
    await this.#probe.catch((cause) => {
      throw new AuditUnavailableError(
        `The audit trail cannot store records (${
          (cause as Error).message
        }): changes are refused until it can; check that JetStream runs in the OPS account and that the stream "${this.#stream}" exists`,
        { cause },
      );
    });
  }

  /**
   * Searches the trail from the newest record backwards.
   *
   * @param filter actor, action, target, time range, outcome, page size and cursor
   * @returns matching records, newest first, and where to continue
   */
  async search(filter: AuditSearch = {}): Promise<AuditPage> {
    const limit = Math.min(10_000, Math.max(1, filter.limit ?? 100));
    const jsm = await jetstreamManager(this.#nc, { checkAPI: false });
    const state = (await jsm.streams.info(this.#stream)).state;
    const lo = state.first_seq;
    let hi = Math.min(state.last_seq, (filter.before ?? Infinity) - 1);
    const records: StoredAuditRecord[] = [];
    const target = filter.target?.toLowerCase();
    const js = jetstream(this.#nc, { checkAPI: false });
    let scanned = 0;
    let done = false;
    while (!done && hi >= lo && records.length < limit && scanned < SEARCH_MAX_SCAN) {
      const from = Math.max(lo, hi - SEARCH_BATCH + 1);
      const batch: StoredAuditRecord[] = [];
      const consumer = await js.consumers.get(this.#stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
      });
      const iter = await consumer.fetch({ max_messages: hi - from + 1, expires: 5000 });
      for await (const m of iter) {
        if (m.seq > hi) break;
        const d = decodeMessage(auditRecordSchema, m.data);
        if (d.ok) batch.push({ ...d.value, seq: m.seq });
        if (m.seq >= hi || m.info.pending === 0) break;
      }
      iter.stop();
      scanned += hi - from + 1;
      for (const r of batch.reverse()) {
        if (filter.from !== undefined && r.at < filter.from) {
          done = true;
          break;
        }
        if (records.length >= limit) break;
        if (matches(r, filter, target)) records.push(r);
      }
      hi = from - 1;
    }
    const last = records.at(-1);
    const next = records.length >= limit && last !== undefined
      ? last.seq
      : !done && hi >= lo
      ? hi + 1
      : null;
    return { records, next: next !== null && next > lo ? next : null, scanned };
  }

  /**
   * Stores one record and waits for JetStream's acknowledgement. After a record is not stored,
   * {@linkcode AuditLog.check} refuses until the trail stores again.
   *
   * @param input who did what to what, before and after
   * @returns the stored record with its ID and time
   * @throws {InvalidAuditRecordError} for a malformed record or one holding a secret
   * @throws {AuditUnavailableError} when JetStream does not acknowledge (stream missing, no
   *   permission, no answer), with the record: the caller decides whether the change may stand
   *   unrecorded, and keeps the record (a journal) or hands it to {@linkcode AuditLog.reportLost}
   */
  async append(input: AuditInput): Promise<AuditRecord> {
    const { record, json } = encodeAuditRecord(input);
    try {
      await this.#store(record, json);
    } catch (e) {
      this.#failed++;
      this.#failing = e as Error;
      throw new AuditUnavailableError(
        `Audit record "${record.action}" on "${record.target}" not stored: ${(e as Error).message}`,
        { cause: e, record },
      );
    }
    this.#failing = undefined;
    return record;
  }

  /**
   * Hands a record that could not be stored to `onLost` (by default: the whole record to
   * stderr), so that it is never silently lost.
   *
   * @param record the record {@linkcode AuditLog.append} did not store
   * @param error why
   */
  reportLost(record: AuditRecord, error: Error): void {
    this.#onLost(record, error);
  }

  #store(record: AuditRecord, json: string): Promise<unknown> {
    return this.#js.publish(auditSubject(record.action), json, {
      msgID: record.id,
      expect: { streamName: this.#stream },
    });
  }

  #lose(record: AuditRecord, error: Error): void {
    this.#failed++;
    this.#failing = error;
    this.#onLost(record, error);
  }

  /**
   * The newest records, oldest first. Records that do not parse are skipped.
   *
   * @param options how many, which action
   * @returns the records
   */
  async recent(options: RecentOptions = {}): Promise<AuditRecord[]> {
    const limit = Math.max(1, options.limit ?? 100);
    const filter = options.action === undefined
      ? `${AUDIT_SUBJECT_PREFIX}.>`
      : auditFilter(options.action);
    const jsm = await jetstreamManager(this.#nc);
    const info = await jsm.streams.info(this.#stream, { subjects_filter: filter });
    const count = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    if (count === 0) return [];
    const consumer = await jetstream(this.#nc).consumers.get(this.#stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.All,
    });
    const out: AuditRecord[] = [];
    try {
      const skip = Math.max(0, count - limit);
      let seen = 0;
      const batch = await consumer.fetch({ max_messages: count, expires: 2000 });
      for await (const m of batch) {
        if (seen++ >= skip) {
          const d = decodeMessage(auditRecordSchema, m.data);
          if (d.ok) out.push(d.value);
        }
        if (m.info.pending === 0) break;
      }
      batch.stop();
    } finally {
      await consumer.delete().catch(() => false);
    }
    return out;
  }
}

function matches(r: AuditRecord, f: AuditSearch, target: string | undefined): boolean {
  if (f.actor !== undefined && r.actor !== f.actor) return false;
  if (f.action !== undefined && r.action !== f.action && !r.action.startsWith(`${f.action}.`)) {
    return false;
  }
  if (target !== undefined && !r.target.toLowerCase().includes(target)) return false;
  if (f.to !== undefined && r.at > f.to) return false;
  if (f.ok !== undefined && r.ok !== f.ok) return false;
  return true;
}

function auditFilter(action: string): string {
  if (action.endsWith(".>")) return `${auditSubject(action.slice(0, -2))}.>`;
  return auditSubject(action);
}
