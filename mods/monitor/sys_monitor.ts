import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/nats-core";
import { type AccountNames, jwtName } from "./account_names.ts";
import { SysRequestError } from "./errors.ts";
import { RingBuffer } from "./ring_buffer.ts";
import {
  connectEventSchema,
  disconnectEventSchema,
  type EventServer,
  eventServerSchema,
  PING_KINDS,
  PING_SUBJECTS,
  type PingData,
  pingDataSchemas,
  type PingKind,
} from "./sys_schemas.ts";
import { z } from "zod";

/**
 * What happened: to a client connection (`connect`, `disconnect`, `auth_error`), or to a server
 * (`lame_duck`: it entered lame-duck mode and is moving its clients away; `shutdown`).
 */
export type ConnectionEventKind =
  | "connect"
  | "disconnect"
  | "auth_error"
  | "lame_duck"
  | "shutdown";

/**
 * One connect, disconnect or authentication failure, flattened from the server's advisory so it
 * can go to a browser as it is (JSON-serialisable).
 */
export interface ConnectionEvent {
  /** Position in this monitor's event sequence, from 1. */
  readonly seq: number;
  /** Connect, disconnect or failed authentication. */
  readonly kind: ConnectionEventKind;
  /** The server's event ID. */
  readonly id: string;
  /** When the server raised the event (ISO 8601). */
  readonly time: string;
  /** Account of the client, by name (`$G` for a failed authentication). */
  readonly account: string;
  /** The account as the server names it: its public key in operator mode. */
  readonly accountKey: string;
  /** The user the client authenticated (or tried to authenticate) as: its public key for JWTs. */
  readonly user: string;
  /** The user JWT's name (the unit ID of a unit's user), or "" without one. */
  readonly userName: string;
  /** The client's connection name, if it gave one. */
  readonly name: string;
  /** The client's IP address. */
  readonly host: string;
  /** Client ID on its server. */
  readonly cid: number;
  /** Client library and version, e.g. `nats.js 3.4.0`. */
  readonly lang: string;
  /** Client library version. */
  readonly version: string;
  /** Name of the server the client was connected to. */
  readonly server: string;
  /** Why the connection ended (disconnect, auth_error), e.g. `Client Closed`. */
  readonly reason: string | null;
  /** Messages and bytes the client sent to the server (disconnect only, else 0). */
  readonly inMsgs: number;
  /** Bytes the client sent to the server (disconnect only, else 0). */
  readonly inBytes: number;
  /** Messages and bytes the server sent to the client (disconnect only, else 0). */
  readonly outMsgs: number;
  /** Bytes the server sent to the client (disconnect only, else 0). */
  readonly outBytes: number;
  /** Round-trip time in microseconds, when the server had measured one. */
  readonly rttUs: number | null;
}

/** One server's answer to a cluster-wide ping. */
export type ServerReply<T> =
  | { readonly ok: true; readonly server: EventServer; readonly data: T }
  | { readonly ok: false; readonly server: EventServer | null; readonly error: string };

/** Options of {@linkcode SysMonitor.ping}. */
export interface PingOptions {
  /** How long to collect replies, in milliseconds (default 1000). */
  readonly windowMs?: number;
  /** Stop as soon as this many servers answered (e.g. STATSZ `active_servers`). */
  readonly expected?: number;
  /**
   * The request body: the endpoint's options in the server's JSON form, e.g.
   * `{ "subscriptions": true }` for CONNZ, `{ "accounts": true }` for JSZ,
   * `{ "accounts": ["OPS"], "include_unused": true }` for ACCSTATZ, and the server filters
   * `server_name`, `cluster`, `host`, `tags`, `domain`.
   */
  readonly request?: Readonly<Record<string, unknown>>;
}

/** Options of {@linkcode SysMonitor}. */
export interface SysMonitorOptions {
  /** How many recent events to keep (default 1000). */
  readonly bufferSize?: number;
  /** Names accounts in events (operator mode: the server gives public keys). */
  readonly accountNames?: AccountNames;
}

/** Counters of a {@linkcode SysMonitor}. */
export interface SysMonitorStats {
  /** Events received and relayed. */
  readonly events: number;
  /** Connect events. */
  readonly connects: number;
  /** Disconnect events. */
  readonly disconnects: number;
  /** Authentication failures. */
  readonly authErrors: number;
  /** Servers entering lame-duck mode or shutting down. */
  readonly serverEvents: number;
  /** Events whose payload did not match the advisory schema (counted and dropped). */
  readonly malformed: number;
}

const EVENT_SUBJECTS: Record<string, ConnectionEventKind> = {
  "$SYS.ACCOUNT.*.CONNECT": "connect",
  "$SYS.ACCOUNT.*.DISCONNECT": "disconnect",
  "$SYS.SERVER.*.CLIENT.AUTH.ERR": "auth_error",
  "$SYS.SERVER.*.LAMEDUCK": "lame_duck",
  "$SYS.SERVER.*.SHUTDOWN": "shutdown",
};

const pingReplySchema = z.looseObject({
  server: eventServerSchema,
  data: z.unknown().optional(),
  statsz: z.unknown().optional(),
  error: z.looseObject({ code: z.number().optional(), description: z.string().optional() })
    .optional(),
});

/**
 * The whole-cluster view through the system account: cluster-wide `$SYS.REQ.SERVER.PING.*`
 * requests and the live stream of connects, disconnects and authentication failures, with a
 * bounded buffer of recent events. Give it a connection of the SYS user (dashboard server only;
 * browsers never get SYS credentials). Closing it leaves the connection open.
 *
 * @example
 * ```ts
 * const nc = await connect({ servers, user: sysUser, pass: sysPassword });
 * await using sys = new SysMonitor(nc);
 * const servers = await sys.ping("VARZ"); // one reply per server in the cluster
 * const off = sys.onEvent((e) => console.log(e.kind, e.account, e.user));
 * ```
 */
export class SysMonitor implements AsyncDisposable {
  readonly #nc: NatsConnection;
  readonly #subs: Subscription[] = [];
  readonly #recent: RingBuffer<ConnectionEvent>;
  readonly #listeners = new Set<(e: ConnectionEvent) => void>();
  readonly #names: AccountNames | undefined;
  #seq = 0;
  #closed = false;
  #ready: Promise<void>;
  #stats = {
    events: 0,
    connects: 0,
    disconnects: 0,
    authErrors: 0,
    serverEvents: 0,
    malformed: 0,
  };

  /**
   * Subscribes the event subjects at once; `ready()` resolves when the server has them.
   *
   * @param nc a connection of the SYS user
   * @param options buffer sizes
   */
  constructor(nc: NatsConnection, options: SysMonitorOptions = {}) {
    this.#nc = nc;
    this.#names = options.accountNames;
    this.#recent = new RingBuffer(options.bufferSize ?? 1000);
    for (const [subject, kind] of Object.entries(EVENT_SUBJECTS)) {
      this.#subs.push(nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) this.#onEvent(kind, msg);
        },
      }));
    }
    this.#ready = nc.flush();
    // Callers that never await ready() must not see an unhandled rejection.
    this.#ready.catch(() => {});
  }

  /**
   * Resolves when the server has registered the event subscriptions (events raised after this
   * are seen).
   *
   * @returns after a round trip to the server
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Asks every server of the cluster (and of connected super-clusters) for one monitoring
   * endpoint and collects the replies that arrive within the window.
   *
   * @param kind the endpoint, e.g. `"VARZ"`
   * @param options window, early stop and the request body
   * @returns one reply per server, sorted by server name; a server that answered with an error
   *   or an unparsable body is listed with `ok: false`
   * @throws {SysRequestError} when the monitor is closed or the kind is unknown
   */
  ping<K extends PingKind>(
    kind: K,
    options: PingOptions = {},
  ): Promise<ServerReply<PingData[K]>[]> {
    return this.#request(kind, options, pingDataSchemas[kind] as unknown as z.ZodType<PingData[K]>);
  }

  /**
   * {@linkcode ping} without validating the data against its schema: for callers that read the
   * answer tolerantly anyway and cannot afford validating large answers on every call (the
   * Prometheus scrape reads JSZ with every stream and consumer several times a minute). The
   * reply envelope (server, error) is still checked.
   *
   * @param kind the endpoint, e.g. `"JSZ"`
   * @param options window, early stop and the request body
   * @returns one reply per server, sorted by server name; `data` as the server sent it
   * @throws {SysRequestError} when the monitor is closed or the kind is unknown
   */
  pingUnchecked(kind: PingKind, options: PingOptions = {}): Promise<ServerReply<unknown>[]> {
    return this.#request(kind, options, null);
  }

  async #request<T>(
    kind: PingKind,
    options: PingOptions,
    schema: z.ZodType<T> | null,
  ): Promise<ServerReply<T>[]> {
    if (this.#closed) throw new SysRequestError("SysMonitor is closed");
    if (!(PING_KINDS as readonly string[]).includes(kind)) {
      throw new SysRequestError(
        `Invalid ping kind "${kind}": expected one of ${PING_KINDS.join(", ")}`,
      );
    }
    const windowMs = options.windowMs ?? 1000;
    const inbox = createInbox();
    const replies: ServerReply<T>[] = [];
    const sub = this.#nc.subscribe(inbox);
    const timer = setTimeout(() => sub.unsubscribe(), windowMs);
    const body = options.request === undefined ? "" : JSON.stringify(options.request);
    this.#nc.publish(PING_SUBJECTS[kind], body, { reply: inbox });
    try {
      for await (const msg of sub) {
        // No responders (503) arrive as an empty status message: nobody to wait for.
        if (msg.data.length === 0) {
          if (msg.headers?.code === 503) break;
          continue;
        }
        replies.push(parseReply(msg, schema));
        if (options.expected !== undefined && replies.length >= options.expected) break;
      }
    } finally {
      clearTimeout(timer);
      if (!sub.isClosed()) sub.unsubscribe();
    }
    return replies.sort((a, b) => (a.server?.name ?? "").localeCompare(b.server?.name ?? ""));
  }

  /**
   * Calls `fn` for every event from now on.
   *
   * @param fn the listener; exceptions it throws are ignored
   * @returns a function that removes the listener
   */
  onEvent(fn: (event: ConnectionEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * The most recent events, oldest first (at most `bufferSize`).
   *
   * @param last only the newest `last` events
   * @returns a copy
   */
  recent(last?: number): ConnectionEvent[] {
    return this.#recent.toArray(last);
  }

  /**
   * Event counters.
   *
   * @returns a snapshot
   */
  stats(): SysMonitorStats {
    return { ...this.#stats };
  }

  /** Unsubscribes and drops the listeners; the connection stays open. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const s of this.#subs) {
      try {
        s.unsubscribe();
      } catch { /* connection already closed */ }
    }
    this.#listeners.clear();
    return Promise.resolve();
  }

  /** Same as {@linkcode SysMonitor.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onEvent(kind: ConnectionEventKind, msg: Msg): void {
    let json: unknown;
    try {
      json = msg.json();
    } catch {
      this.#stats.malformed++;
      return;
    }
    if (kind === "lame_duck" || kind === "shutdown") return this.#onServerEvent(kind, json);
    const parsed = disconnectEventSchema.safeParse(json);
    if (!parsed.success || (kind === "connect" && !connectEventSchema.safeParse(json).success)) {
      this.#stats.malformed++;
      return;
    }
    const e = parsed.data;
    // nats-server ≥ 2.10 follows an authentication failure's AUTH.ERR with a DISCONNECT (account
    // $G) of the connection that never logged in: the same failed login once more, not relayed.
    if (kind === "disconnect" && e.reason === "Authentication Failure") return;
    const c = e.client;
    const event: ConnectionEvent = {
      seq: ++this.#seq,
      kind,
      id: e.id,
      time: e.timestamp,
      account: this.#names?.name(c.acc ?? "") ?? c.acc ?? "",
      accountKey: c.acc ?? "",
      user: c.user ?? "",
      userName: c.jwt ? jwtName(c.jwt) ?? "" : "",
      name: c.name ?? "",
      host: c.host ?? "",
      cid: c.id ?? 0,
      lang: c.lang ?? "",
      version: c.ver ?? "",
      server: e.server.name,
      reason: e.reason ?? null,
      inMsgs: e.sent?.msgs ?? 0,
      inBytes: e.sent?.bytes ?? 0,
      outMsgs: e.received?.msgs ?? 0,
      outBytes: e.received?.bytes ?? 0,
      rttUs: c.rtt === undefined ? null : Math.round(c.rtt / 1000),
    };
    this.#stats.events++;
    if (kind === "connect") this.#stats.connects++;
    else if (kind === "disconnect") this.#stats.disconnects++;
    else this.#stats.authErrors++;
    this.#emit(event);
  }

  /** LAMEDUCK and SHUTDOWN carry the server block alone (`ServerInfo`). */
  #onServerEvent(kind: "lame_duck" | "shutdown", json: unknown): void {
    const parsed = eventServerSchema.safeParse(json);
    if (!parsed.success) {
      this.#stats.malformed++;
      return;
    }
    const s = parsed.data;
    this.#stats.events++;
    this.#stats.serverEvents++;
    this.#emit({
      seq: ++this.#seq,
      kind,
      id: `${s.id}.${s.seq}`,
      time: s.time,
      account: "",
      accountKey: "",
      user: "",
      userName: "",
      name: "",
      host: s.host,
      cid: 0,
      lang: "",
      version: s.ver,
      server: s.name,
      reason: kind === "lame_duck" ? "Lame duck mode" : "Server shutdown",
      inMsgs: 0,
      inBytes: 0,
      outMsgs: 0,
      outBytes: 0,
      rttUs: null,
    });
  }

  #emit(event: ConnectionEvent): void {
    this.#recent.push(event);
    for (const fn of this.#listeners) {
      try {
        fn(event);
      } catch { /* a listener's failure is its own */ }
    }
  }
}

function parseReply<T>(msg: Msg, schema: z.ZodType<T> | null): ServerReply<T> {
  let json: unknown;
  try {
    json = msg.json();
  } catch {
    return { ok: false, server: null, error: `Invalid JSON reply of ${msg.data.length} bytes` };
  }
  const reply = pingReplySchema.safeParse(json);
  if (!reply.success) {
    return { ok: false, server: null, error: `Invalid reply: ${reply.error.issues[0]?.message}` };
  }
  const { server, error } = reply.data;
  if (error !== undefined) {
    return {
      ok: false,
      server,
      error: `Server "${server.name}" answered ${error.code ?? "?"}: ${error.description ?? ""}`,
    };
  }
  if (schema === null) {
    return { ok: true, server, data: (reply.data.data ?? reply.data.statsz) as T };
  }
  const data = schema.safeParse(reply.data.data ?? reply.data.statsz);
  if (!data.success) {
    const issue = data.error.issues[0];
    return {
      ok: false,
      server,
      error: `Invalid reply from "${server.name}": ${
        issue?.path.join(".") || "(root)"
      }: ${issue?.message}`,
    };
  }
  return { ok: true, server, data: data.data };
}
