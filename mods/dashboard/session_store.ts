import type { NatsConnection } from "@nats-io/nats-core";
import { type KV, Kvm, KvWatchInclude } from "@nats-io/kv";
import { z } from "zod";
import { AccessStoreUnavailableError } from "../access/mod.ts";

/** A login session as the server keeps it. JSON-serialisable; it never holds the session's ID. */
export interface SessionRecord {
  /** The session's handle: SHA-256 of its secret ID, hex; the KV key, and what an admin ends. */
  readonly ref: string;
  /** Who logged in. */
  readonly user: string;
  /** When (ms since the epoch). */
  readonly created: number;
  /** The last request seen, to a minute (idle expiry). */
  readonly lastSeen: number;
  /** When it ends whatever happens (the cookie's lifetime). */
  readonly expires: number;
  /** The client address at login. */
  readonly address: string;
  /** The browser's User-Agent at login (first 200 characters). */
  readonly agent: string;
}

/** Options of {@linkcode SessionStore.open}. */
export interface SessionStoreOptions {
  /** KV bucket in OPS (default `nunect_sessions`); `null` keeps sessions in this process only. */
  readonly bucket?: string | null;
  /** A session unused this long ends (DASHBOARD_SESSION_IDLE_MIN). */
  readonly idleMs: number;
  /** A session ends this long after login at the latest (DASHBOARD_SESSION_MAX_H). */
  readonly maxAgeMs: number;
  /** Replicas of the bucket (default 1). */
  readonly replicas?: number;
  /**
   * Called once for each session this instance ends by its times (idle or lifetime), on a
   * request or by the sweep that runs every quarter of `idleMs` (1 s to 1 min): what the session
   * was given (its browsers' NATS users) is revoked there. Logout and an admin's end do their
   * own revoking.
   */
  readonly onExpired?: (record: SessionRecord) => Promise<unknown>;
}

/** What {@linkcode SessionStore.create} gives the new session's cookie. */
export interface NewSession {
  /** The secret ID the cookie carries (never stored). */
  readonly id: string;
  /** What is stored. */
  readonly record: SessionRecord;
}

const recordSchema = z.object({
  ref: z.string().regex(/^[0-9a-f]{64}$/),
  user: z.string().max(64),
  created: z.number(),
  lastSeen: z.number(),
  expires: z.number(),
  address: z.string().max(64),
  agent: z.string().max(200),
});

const encoder = new TextEncoder();

/**
 * The handle of a session ID: SHA-256, hex. Stored and shown instead of the ID, so that neither
 * the bucket nor an admin's list holds what a cookie carries.
 *
 * @param id the session's secret ID
 * @returns 64 hex digits
 */
export async function sessionRef(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(id)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Server-side login sessions in a JetStream KV bucket of the OPS account, so that they can be
 * ended at once and several dashboard instances share them. A session ends on logout
 * ({@linkcode SessionStore.end}), when an admin ends it (the same), after `idleMs` without a
 * request, and `maxAgeMs` after login; the cookie that names it is then worth nothing, on every
 * instance: each keeps the bucket's sessions in memory, follows its changes with a KV watch, and
 * asks the bucket for a session it has not seen yet (made on another instance a moment ago).
 */
export class SessionStore implements AsyncDisposable {
  readonly #kv: KV | null;
  readonly #idleMs: number;
  readonly #maxAgeMs: number;
  /** Last-seen updates are written at most this often per session. */
  readonly #touchMs: number;
  /** By ref, with the KV revision it was read at (0 in memory mode). */
  readonly #sessions = new Map<string, { record: SessionRecord; revision: number }>();
  #stopWatch: (() => void) | undefined;
  readonly #onExpired: ((record: SessionRecord) => Promise<unknown>) | undefined;
  readonly #sweeper: ReturnType<typeof setInterval>;
  #sweeping: Promise<void> | undefined;
  /** Sessions ended whose `onExpired` failed, by ref: handed on again by the next sweep. */
  readonly #unrevoked = new Map<string, SessionRecord>();

  private constructor(kv: KV | null, options: SessionStoreOptions) {
    this.#kv = kv;
    this.#idleMs = options.idleMs;
    this.#maxAgeMs = options.maxAgeMs;
    this.#touchMs = Math.min(60_000, Math.max(1000, Math.floor(options.idleMs / 4)));
    this.#onExpired = options.onExpired;
    this.#sweeper = setInterval(() => {
      this.#sweeping ??= this.sweep().finally(() => this.#sweeping = undefined);
    }, this.#touchMs);
  }

  /**
   * Opens (or creates) the bucket and starts following it.
   *
   * @param nc a connection of the OPS dashboard user, or null with `bucket: null`
   * @param options bucket, idle time and lifetime
   * @returns the store
   * @throws when the bucket cannot be created (JetStream off for the account): retry, or open
   *   with `bucket: null`
   */
  static async open(
    nc: NatsConnection | null,
    options: SessionStoreOptions,
  ): Promise<SessionStore> {
    const bucket = options.bucket === undefined ? "nunect_sessions" : options.bucket;
    if (bucket === null || nc === null) return new SessionStore(null, options);
    const kv = await new Kvm(nc).create(bucket, {
      history: 1,
      replicas: options.replicas ?? 1,
      // A record nobody touched for a whole lifetime is gone even if no instance deleted it.
      ttl: options.maxAgeMs,
      description: "nunect dashboard login sessions (mods/dashboard SessionStore)",
    });
    const store = new SessionStore(kv, options);
    const watch = await kv.watch({ include: KvWatchInclude.AllHistory });
    store.#stopWatch = () => watch.stop();
    (async () => {
      for await (const e of watch) {
        if (e.operation !== "PUT") store.#sessions.delete(e.key);
        else {
          const record = store.#parse(e.value);
          if (record !== undefined && record.ref === e.key) {
            store.#sessions.set(record.ref, { record, revision: e.revision });
          }
        }
      }
    })().catch(() => {/* the watch ends with the connection */});
    return store;
  }

  /** Whether sessions live in KV (shared) or in this process only. */
  get shared(): boolean {
    return this.#kv !== null;
  }

  /**
   * Starts a session.
   *
   * @param user who logged in
   * @param client the client address and User-Agent
   * @param now the current time in ms
   * @returns the secret ID for the cookie, and the record
   */
  async create(
    user: string,
    client: { address: string; agent: string },
    now = Date.now(),
  ): Promise<NewSession> {
    const id = b64url(crypto.getRandomValues(new Uint8Array(24)));
    const record: SessionRecord = {
      ref: await sessionRef(id),
      user,
      created: now,
      lastSeen: now,
      expires: now + this.#maxAgeMs,
      address: client.address.slice(0, 64),
      agent: client.agent.slice(0, 200),
    };
    const revision = await this.#kv?.create(record.ref, JSON.stringify(record)) ?? 0;
    this.#sessions.set(record.ref, { record, revision });
    return { id, record };
  }

  /**
   * The live session a cookie's ID names; notes the request for idle expiry. An idle or
   * outlived session is ended on the way.
   *
   * @param id the secret ID from the (verified) cookie
   * @param now the current time in ms
   * @returns the record, or undefined when the session has ended or never was
   * @throws {AccessStoreUnavailableError} when this instance has not seen the session and the
   *   bucket does not answer: a missing answer is not "no such session", so the user stays
   *   logged in and is asked to try again (503)
   */
  async get(id: string, now = Date.now()): Promise<SessionRecord | undefined> {
    const ref = await sessionRef(id);
    let known = this.#sessions.get(ref);
    if (known === undefined && this.#kv !== null) {
      // Made on another instance a moment ago, before this one's watch saw it.
      const e = await this.#kv.get(ref).catch((cause) => {
        throw new AccessStoreUnavailableError(
          "Cannot read your login session: the session store (JetStream KV in OPS) did not answer; you are still logged in, try again in a moment",
          { cause },
        );
      });
      const record = e?.operation === "PUT" ? this.#parse(e.value) : undefined;
      if (record !== undefined && record.ref === ref) {
        known = { record, revision: e!.revision };
        this.#sessions.set(ref, known);
      }
    }
    if (known === undefined) return undefined;
    const { record, revision } = known;
    if (this.#over(record, now)) {
      // Over by its own times on every instance; a bucket that does not answer now cannot keep
      // it alive, and its TTL removes the record later (and the sweep of another instance, or
      // this one's next, revokes what it was given).
      await this.#expire(record, revision).catch(() => {});
      return undefined;
    }
    if (now - record.lastSeen >= this.#touchMs) {
      const touched = { ...record, lastSeen: now };
      this.#sessions.set(ref, { record: touched, revision });
      // Compare-and-set: a session ended meanwhile on another instance stays ended.
      this.#kv?.update(ref, JSON.stringify(touched), revision).then(
        (r) => {
          const current = this.#sessions.get(ref);
          if (current !== undefined && current.revision === revision) {
            this.#sessions.set(ref, { record: touched, revision: r });
          }
        },
        () => {/* changed or ended elsewhere: the watch brings the news */},
      );
    }
    return record;
  }

  /**
   * Ends every session this instance knows that is over by its times (idle or lifetime), and
   * hands each to `onExpired`. Runs on its own every quarter of the idle time (1 s to 1 min), so
   * that a session nobody uses again still ends, and its browsers' users are revoked, within that
   * long after its idle time. Several instances share the work: a session is ended, and handed
   * on, by the one instance whose delete of the revision it knows wins.
   *
   * @param now the current time in ms
   */
  async sweep(now = Date.now()): Promise<void> {
    // Ended earlier, but what they were given could not be revoked then: again, until the
    // session's own end (what it was given expires with it).
    for (const record of [...this.#unrevoked.values()]) {
      if (now >= record.expires) this.#unrevoked.delete(record.ref);
      else await this.#handOn(record);
    }
    const over = [...this.#sessions.values()].filter((s) => this.#over(s.record, now));
    for (const { record, revision } of over) {
      await this.#expire(record, revision).catch(() => {/* the next sweep tries again */});
    }
  }

  #over(record: SessionRecord, now: number): boolean {
    return now - record.lastSeen > this.#idleMs || now >= record.expires;
  }

  // Ends a session over by its times; the instance that deletes it hands it to onExpired.
  async #expire(record: SessionRecord, revision: number): Promise<void> {
    if (this.#kv !== null) {
      // Deleted at the revision read: touched meanwhile (in use elsewhere) or already ended by
      // another instance, the delete fails and this instance leaves it.
      await this.#kv.delete(record.ref, { previousSeq: revision });
    }
    if (this.#sessions.get(record.ref)?.revision === revision) this.#sessions.delete(record.ref);
    await this.#handOn(record);
  }

  async #handOn(record: SessionRecord): Promise<void> {
    if (this.#onExpired === undefined) return;
    try {
      await this.#onExpired(record);
      this.#unrevoked.delete(record.ref);
    } catch {
      // The controller did not answer: the next sweep tries again.
      this.#unrevoked.set(record.ref, record);
    }
  }

  /**
   * Ends a session on every instance: its cookie is worth nothing from now on.
   *
   * @param ref the session's handle ({@linkcode SessionRecord.ref})
   * @returns whether it was live
   */
  async end(ref: string): Promise<boolean> {
    const known = this.#sessions.delete(ref);
    if (this.#kv === null) return known;
    const e = await this.#kv.get(ref).catch(() => null);
    await this.#kv.delete(ref);
    return known || e?.operation === "PUT";
  }

  /**
   * The live sessions, newest first (for the admin's list).
   *
   * @param now the current time in ms
   * @returns the records
   */
  list(now = Date.now()): SessionRecord[] {
    return [...this.#sessions.values()].map((s) => s.record)
      .filter((r) => now - r.lastSeen <= this.#idleMs && now < r.expires)
      .sort((a, b) => b.created - a.created);
  }

  /** Stops following the bucket; the connection stays open. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#stopWatch?.();
    await this.#sweeping;
  }

  /** Same as {@linkcode SessionStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #parse(value: Uint8Array): SessionRecord | undefined {
    try {
      const r = recordSchema.safeParse(JSON.parse(new TextDecoder().decode(value)));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }
}
