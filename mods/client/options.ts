import {
  type Authenticator,
  credsAuthenticator,
  jwtAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/nats-core/internal";
import type { ConnectionOptions, TlsOptions } from "./nats_types.ts";
import { LOG_LEVELS, type LogLevel, subjects, validateUnitId } from "../protocol/core.ts";
import { type Backoff, backoffAfter } from "./backoff.ts";
import { InvalidOptionError, UnsupportedTransportError } from "./errors.ts";
import { OUTBOX_DEFAULTS, type OutboxOptions, type OutboxOverflow } from "./outbox.ts";
import { type DispatchOptions, type Runtime, transportKind } from "./transport.ts";
import type { WebSocketConstructor } from "./ws_transport.ts";

/** Options of {@linkcode connect}. Exactly one auth method (or none) may be given. */
export interface ConnectOptions {
  /** One URL or several of the same kind: `ws://`/`wss://` (WebSocket) or `nats://`/`tls://` (TCP). */
  servers: string | readonly string[];
  /** This unit's ID, `[A-Za-z0-9_-]{1,64}`; sent as `X-Unit-ID` and used in ops.* subjects. */
  unitId: string;
  /** Connection name shown by the server's monitoring (default: the unit ID). */
  name?: string;
  /** User name (with `pass`). */
  user?: string;
  /** Password (with `user`). */
  pass?: string;
  /** Auth token. */
  token?: string;
  /** NKey seed (`SU…`), alone for NKey auth or with `jwt` for JWT auth. */
  nkeySeed?: string | Uint8Array;
  /** A user JWT, signed with `nkeySeed`'s key pair (operator/JWT mode). */
  jwt?: string;
  /** The contents of a `.creds` file (JWT and seed). */
  creds?: string | Uint8Array;
  /**
   * TLS options (`null` refuses TLS): `caFile`/`ca` (the CA that signed the server's
   * certificate), `certFile`/`cert` and `keyFile`/`key` (a client certificate, for servers that
   * verify clients), `handshakeFirst`. For `tls://` and `wss://` servers; file options are read
   * again at every reconnect. Browsers use their own trust store and refuse the file options.
   */
  tls?: TlsOptions | null;
  /** A WebSocket class to use instead of the runtime's (the global one, or npm `ws` in Node). */
  webSocket?: WebSocketConstructor;
  /**
   * Publishes made while disconnected wait here and go out, in order, after the reconnect
   * (default on: 1000 messages, 1 MiB, dropping the oldest when full). `false` turns it off:
   * such publishes are dropped. Either way `client.outbox.dropped` counts what was dropped.
   */
  outbox?: OutboxOptions | false;
  /** Reconnect after losing the connection (default true). */
  reconnect?: boolean;
  /** Reconnect attempts per server, -1 for forever (default -1). */
  maxReconnectAttempts?: number;
  /** Shortest wait between attempts on one server, right after losing it (default 500 ms). */
  reconnectTimeWaitMs?: number;
  /** Longest wait between attempts: the wait grows with the outage up to this (default 10000 ms). */
  reconnectMaxWaitMs?: number;
  /** Random extra wait of up to this much, so a fleet does not reconnect in lockstep (default 1000 ms). */
  reconnectJitterMs?: number;
  /** Keep trying when the first connect fails instead of rejecting (default false). */
  waitOnFirstConnect?: boolean;
  /** Connect timeout (default 10000 ms). */
  timeoutMs?: number;
  /** Client PING interval, which bounds how fast a dead peer is noticed (default 30000 ms). */
  pingIntervalMs?: number;
  /** Lowest level the logger publishes (default `"info"`). */
  logLevel?: LogLevel;
  /** Log records kept while disconnected (default 1000); older ones are dropped and counted. */
  logBufferSize?: number;
  /** Further nats.js connection options, applied last (expert use). */
  natsOptions?: Partial<ConnectionOptions>;
}

/** {@linkcode ConnectOptions} checked and resolved. */
export interface ResolvedOptions {
  readonly unitId: string;
  readonly servers: readonly string[];
  readonly kind: "ws" | "tcp";
  readonly logLevel: LogLevel;
  readonly logBufferSize: number;
  /** Outbox limits, or false when off. */
  readonly outbox: Required<OutboxOptions> | false;
  /** The WebSocket class given, if any. */
  readonly webSocket?: WebSocketConstructor;
  readonly nats: DispatchOptions;
  /** When the current outage began (set and cleared by the client), for the backoff. */
  readonly outage: { since?: number };
}

const encoder = new TextEncoder();

function bad(name: string, value: unknown, why: string): InvalidOptionError {
  const shown = typeof value === "string" ? `"${value}"` : String(value);
  return new InvalidOptionError(`Invalid option ${name} ${shown}: ${why}`);
}

function optionalString(o: Record<string, unknown>, name: string): string | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) throw bad(name, v, "expected a non-empty string");
  return v;
}

function optionalNumber(
  o: Record<string, unknown>,
  name: string,
  min: number,
): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    throw bad(name, v, `expected a number >= ${min}`);
  }
  return v;
}

function bytes(name: string, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string" && v.length > 0) return encoder.encode(v.trim());
  throw bad(name, typeof v === "string" ? v : typeof v, "expected a string or bytes");
}

function authenticator(o: ConnectOptions, runtime: Runtime): Authenticator | undefined {
  const given = (["user", "token", "nkeySeed", "jwt", "creds"] as const).filter(
    (k) => o[k] !== undefined,
  );
  const methods = given.filter((k) => !(k === "nkeySeed" && given.includes("jwt")));
  if (methods.length > 1) {
    throw new InvalidOptionError(
      `Invalid auth options: ${methods.join(", ")} given, at most one method is allowed`,
    );
  }
  const rec = o as unknown as Record<string, unknown>;
  if (o.pass !== undefined && o.user === undefined) {
    throw new InvalidOptionError("Invalid option pass: it needs user");
  }
  if (o.user !== undefined) {
    const user = optionalString(rec, "user")!;
    if (typeof o.pass !== "string") throw bad("pass", typeof o.pass, "expected a string");
    return usernamePasswordAuthenticator(user, o.pass);
  }
  if (o.token !== undefined) return tokenAuthenticator(optionalString(rec, "token")!);
  if (o.creds !== undefined) {
    // nats.js's parser needs the line break after the seed's END marker, which trimming drops.
    const text = new TextDecoder().decode(bytes("creds", o.creds)) + "\n";
    const jwt = /-----BEGIN NATS USER JWT-----\s*(\S+)/.exec(text)?.[1];
    const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(text)?.[1];
    if (!jwt || !seed) {
      throw new InvalidOptionError(
        "Invalid option creds: expected the contents of a .creds file (a user JWT and a seed)",
      );
    }
    return runtime.nativeAuthenticator?.(jwt, seed) ?? credsAuthenticator(encoder.encode(text));
  }
  if (o.nkeySeed !== undefined) {
    const seed = bytes("nkeySeed", o.nkeySeed);
    if (seed[0] !== 0x53 /* S */ || seed[1] !== 0x55 /* U */) {
      throw new InvalidOptionError(
        'Invalid option nkeySeed: expected a user seed starting with "SU"',
      );
    }
    const jwt = o.jwt === undefined ? undefined : optionalString(rec, "jwt")!;
    const native = runtime.nativeAuthenticator?.(jwt, new TextDecoder().decode(seed));
    if (native !== undefined) return native;
    if (jwt !== undefined) return jwtAuthenticator(jwt, seed);
    return nkeyAuthenticator(seed);
  }
  if (o.jwt !== undefined) throw new InvalidOptionError("Invalid option jwt: it needs nkeySeed");
  return undefined;
}

const OVERFLOWS: readonly OutboxOverflow[] = ["drop-oldest", "drop-newest", "error"];

function outboxOptions(v: unknown): Required<OutboxOptions> | false {
  if (v === undefined) return OUTBOX_DEFAULTS;
  if (v === false) return false;
  if (typeof v !== "object" || v === null) {
    throw bad("outbox", typeof v, "expected an object or false");
  }
  const o = v as Record<string, unknown>;
  const overflow = o.overflow ?? OUTBOX_DEFAULTS.overflow;
  if (!OVERFLOWS.includes(overflow as OutboxOverflow)) {
    throw bad("outbox.overflow", overflow, `expected one of ${OVERFLOWS.join(", ")}`);
  }
  const count = (name: "maxMessages" | "maxBytes") => {
    const n = o[name] ?? OUTBOX_DEFAULTS[name];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw bad(`outbox.${name}`, n, "expected an integer >= 0");
    }
    return n;
  };
  return {
    maxMessages: count("maxMessages"),
    maxBytes: count("maxBytes"),
    overflow: overflow as OutboxOverflow,
  };
}

function tlsOptions(v: unknown): TlsOptions | null | undefined {
  if (v === undefined || v === null || typeof v === "object") return v as TlsOptions;
  throw bad("tls", typeof v, "expected an object or null");
}

/**
 * Checks connect options and turns them into nats.js options.
 *
 * @param options as given by the caller (may come from untyped JavaScript)
 * @param runtime the runtime that will dial
 * @returns the resolved options
 * @throws {InvalidOptionError} naming the bad option and its value
 * @throws {InvalidUnitIdError} for a bad unit ID
 * @throws {UnsupportedTransportError} for a URL or TLS option this runtime cannot dial
 */
export function resolveOptions(options: ConnectOptions, runtime: Runtime): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("Invalid options: expected an object");
  }
  const rec = options as unknown as Record<string, unknown>;
  const unitId = validateUnitId(options.unitId);
  const list = typeof options.servers === "string" ? [options.servers] : options.servers;
  if (!Array.isArray(list) || list.length === 0) {
    throw bad("servers", options.servers, "expected a URL or a non-empty list of URLs");
  }
  let kind: "ws" | "tcp" | undefined;
  for (const s of list as unknown[]) {
    if (typeof s !== "string") throw bad("servers", s, "expected a URL string");
    const k = transportKind(s);
    if (k === undefined) {
      throw bad("servers", s, "expected a ws://, wss://, nats:// or tls:// URL");
    }
    try {
      new URL(s.replace(/^[a-z]+:/i, "http:"));
    } catch {
      throw bad("servers", s, "not a valid URL");
    }
    if (kind !== undefined && k !== kind) {
      throw bad("servers", s, "WebSocket and TCP URLs cannot be mixed in one connection");
    }
    kind = k;
  }
  if (kind === "tcp" && runtime.tcp === undefined) {
    throw new UnsupportedTransportError(
      `Unsupported server "${list[0]}": ${
        runtime.noTcp ?? "this runtime cannot open TCP connections"
      }`,
    );
  }
  const tls = tlsOptions(options.tls);
  if (tls) runtime.checkTls?.(tls, kind!);
  const logLevel = options.logLevel ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw bad("logLevel", logLevel, `expected one of ${LOG_LEVELS.join(", ")}`);
  }
  const name = optionalString(rec, "name") ?? unitId;
  const authenticator_ = authenticator(options, runtime);
  const timeWait = optionalNumber(rec, "reconnectTimeWaitMs", 0) ?? 500;
  const maxWait = optionalNumber(rec, "reconnectMaxWaitMs", 0) ?? Math.max(10_000, timeWait);
  if (maxWait < timeWait) {
    throw bad("reconnectMaxWaitMs", maxWait, `must not be below reconnectTimeWaitMs ${timeWait}`);
  }
  const jitter = optionalNumber(rec, "reconnectJitterMs", 0) ?? 1000;
  // Quick after a blip, gentle in a long outage, never in lockstep with the rest of a fleet.
  const backoff: Backoff = { initialMs: timeWait, factor: 2, maxMs: maxWait, jitterMs: jitter };
  const outage: { since?: number } = {};
  if (options.webSocket !== undefined && typeof options.webSocket !== "function") {
    throw bad("webSocket", typeof options.webSocket, "expected a WebSocket class");
  }
  const nats: DispatchOptions = {
    servers: list.slice(),
    name,
    reconnect: options.reconnect ?? true,
    maxReconnectAttempts: optionalNumber(rec, "maxReconnectAttempts", -1) ?? -1,
    reconnectTimeWait: timeWait,
    reconnectJitter: jitter,
    reconnectJitterTLS: jitter,
    // nats.js asks for the wait on every turn of its dial loop, not once per attempt: the wait is
    // a function of how long the outage has lasted.
    reconnectDelayHandler: () =>
      backoffAfter(outage.since === undefined ? 0 : Date.now() - outage.since, backoff),
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    timeout: optionalNumber(rec, "timeoutMs", 1) ?? 10_000,
    pingInterval: optionalNumber(rec, "pingIntervalMs", 1) ?? 30_000,
    nunectTransport: kind,
    nunectRuntime: runtime,
    // Replies to this unit's requests come to `_INBOX.<unit>.…`: a unit user may subscribe
    // below its own prefix only, never to `_INBOX.>` (where it could read others' replies).
    inboxPrefix: subjects.inbox(unitId),
    ...(authenticator_ ? { authenticator: authenticator_ } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...options.natsOptions,
  };
  return {
    unitId,
    servers: list.slice(),
    kind: kind!,
    logLevel,
    logBufferSize: optionalNumber(rec, "logBufferSize", 0) ?? 1000,
    outbox: outboxOptions(options.outbox),
    ...(options.webSocket ? { webSocket: options.webSocket } : {}),
    nats,
    outage,
  };
}
