import { createInbox, type NatsConnection, RequestError, TimeoutError } from "@nats-io/nats-core";
import { z } from "zod";
import { ServerActionError, SysRequestError } from "./errors.ts";
import { requireFeature } from "./require_feature.ts";
import { type Idz, idzSchema, profilezSchema } from "./sys_schemas.ts";

/** Which server an action is for: its ID (the `$SYS` subject token), name and version. */
export interface ServerRef {
  /** The server's ID (`N…`), e.g. `server.id` of a ping reply. */
  readonly id: string;
  /** The server's name, for messages. */
  readonly name: string;
  /** The version it runs, e.g. `server.ver` of a ping reply; gates the action. */
  readonly version: string;
}

/** Options of {@linkcode ServerControl}. */
export interface ServerControlOptions {
  /** How long a server may take to answer, in milliseconds (default 5000; PROFILEZ adds its duration). */
  readonly timeoutMs?: number;
}

/** The Go profiles PROFILEZ returns (`runtime/pprof` names). */
export const PROFILES = [
  "cpu",
  "heap",
  "allocs",
  "goroutine",
  "mutex",
  "block",
  "threadcreate",
] as const;
/** A PROFILEZ profile name. */
export type ProfileName = (typeof PROFILES)[number];

const replySchema = z.looseObject({
  data: z.unknown().optional(),
  error: z.looseObject({ code: z.number().optional(), description: z.string().optional() })
    .optional(),
});

/**
 * The actions nats-server ≥ 2.10 takes over the system account, one server at a time:
 * disconnect a client (KICK), ask a client to move to another server (LDM: the client gets the
 * lame-duck notice and reconnects elsewhere), reload the configuration (RELOAD), and take a CPU
 * or memory profile (PROFILEZ); plus IDZ from every server. Each action is checked against the
 * server's version first: an older server gets no request, the caller a
 * {@linkcode FeatureUnavailableError} saying which release is needed. Give it a SYS connection
 * (the dashboard server's; never a browser's).
 *
 * @example
 * ```ts
 * const control = new ServerControl(sysConnection);
 * const [reply] = await sys.ping("VARZ", { expected: 1 });
 * const server = { id: reply.server!.id, name: reply.server!.name, version: reply.server!.ver };
 * await control.kick(server, 42);
 * ```
 */
export class ServerControl {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;

  /**
   * Creates the control; nothing is requested yet.
   *
   * @param nc a connection of the SYS user
   * @param options request timeout
   */
  constructor(nc: NatsConnection, options: ServerControlOptions = {}) {
    this.#nc = nc;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * Disconnects client (or leaf node) `cid` from `server`; its DISCONNECT event gives the reason
   * `Kicked`.
   *
   * @param server the server the client is connected to
   * @param cid the client's connection ID on that server
   * @throws {FeatureUnavailableError} when the server is older than 2.10
   * @throws {ServerActionError} when the server refuses (e.g. no such client)
   * @throws {SysRequestError} when the server does not answer
   */
  async kick(server: ServerRef, cid: number): Promise<void> {
    await this.#act(server, "kick", "KICK", { cid: connectionId(cid) });
  }

  /**
   * Sends client `cid` the lame-duck notice of `server`: a client that supports it (nats.js,
   * nats.go, …) reconnects to another server of the cluster.
   *
   * @param server the server the client is connected to
   * @param cid the client's connection ID on that server
   * @throws {FeatureUnavailableError} when the server is older than 2.10
   * @throws {ServerActionError} when the server refuses (no such client, or one that cannot
   *   take the notice)
   * @throws {SysRequestError} when the server does not answer
   */
  async ldm(server: ServerRef, cid: number): Promise<void> {
    await this.#act(server, "ldm_client", "LDM", { cid: connectionId(cid) });
  }

  /**
   * Makes `server` re-read its configuration files (as SIGHUP does), without dropping clients.
   *
   * @param server the server
   * @throws {FeatureUnavailableError} when the server is older than 2.10
   * @throws {ServerActionError} when the new configuration is rejected (the server's reason)
   * @throws {SysRequestError} when the server does not answer
   */
  async reload(server: ServerRef): Promise<void> {
    await this.#act(server, "reload", "RELOAD", {});
  }

  /**
   * A profile of `server` in pprof format, for `go tool pprof`: `cpu` samples for `seconds`
   * (1-15), the others are a snapshot.
   *
   * @param server the server
   * @param name which profile
   * @param seconds CPU profile length (default 5)
   * @returns the profile's bytes (gzip-compressed protobuf)
   * @throws {FeatureUnavailableError} when the server is older than 2.10
   * @throws {ServerActionError} when the server cannot take it
   * @throws {RangeError} for an unknown profile or a length outside 1-15 s
   */
  async profile(
    server: ServerRef,
    name: ProfileName,
    seconds = 5,
  ): Promise<Uint8Array<ArrayBuffer>> {
    if (!(PROFILES as readonly string[]).includes(name)) {
      throw new RangeError(`Invalid profile "${name}": expected one of ${PROFILES.join(", ")}`);
    }
    if (name === "cpu" && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 15)) {
      throw new RangeError(`Invalid CPU profile length ${seconds} s: expected 1 to 15 seconds`);
    }
    const request = name === "cpu" ? { name, duration: seconds * 1e9 } : { name, debug: 0 };
    const extraMs = name === "cpu" ? seconds * 1000 : 0;
    const data = profilezSchema.safeParse(
      await this.#act(server, "profilez", "PROFILEZ", request, extraMs),
    );
    if (!data.success || data.data.error || !data.data.profile) {
      const why = data.success ? data.data.error || "an empty profile" : "an unreadable answer";
      throw new ServerActionError(`Server "${server.name}" gave no ${name} profile: ${why}`);
    }
    return Uint8Array.from(atob(data.data.profile), (c) => c.charCodeAt(0));
  }

  /**
   * Every server's identity (IDZ, 2.10+), collected for `windowMs`; an older server stays silent.
   *
   * @param windowMs how long to collect replies
   * @returns name, host and ID per answering server, sorted by name
   */
  async idz(windowMs = 1000): Promise<Idz[]> {
    const inbox = createInbox();
    const sub = this.#nc.subscribe(inbox);
    const timer = setTimeout(() => sub.unsubscribe(), windowMs);
    this.#nc.publish("$SYS.REQ.SERVER.PING.IDZ", "", { reply: inbox });
    const out: Idz[] = [];
    try {
      for await (const m of sub) {
        if (m.data.length === 0) break; // no responders
        const parsed = idzSchema.safeParse(safeJson(m.string()));
        if (parsed.success) out.push(parsed.data);
      }
    } finally {
      clearTimeout(timer);
      if (!sub.isClosed()) sub.unsubscribe();
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async #act(
    server: ServerRef,
    feature: string,
    kind: string,
    body: unknown,
    extraMs = 0,
  ): Promise<unknown> {
    requireFeature(server.version, feature, server.name);
    if (!/^[A-Z0-9]+$/.test(server.id)) {
      throw new SysRequestError(`Invalid server ID "${server.id}": expected an ID such as NAB…`);
    }
    const subject = `$SYS.REQ.SERVER.${server.id}.${kind}`;
    let text: string;
    try {
      const reply = await this.#nc.request(subject, JSON.stringify(body), {
        timeout: this.#timeoutMs + extraMs,
      });
      text = reply.string();
    } catch (e) {
      const why = e instanceof RequestError && e.isNoResponders()
        ? `no server with ID ${server.id} answers ${kind}`
        : e instanceof TimeoutError || (e instanceof Error && e.cause instanceof TimeoutError)
        ? `no answer within ${this.#timeoutMs + extraMs} ms`
        : e instanceof Error
        ? e.message
        : String(e);
      throw new SysRequestError(`${kind} to server "${server.name}" failed: ${why}`, { cause: e });
    }
    const reply = replySchema.safeParse(safeJson(text));
    if (!reply.success) {
      throw new ServerActionError(
        `Server "${server.name}" answered ${kind} with "${text.slice(0, 200)}"`,
      );
    }
    if (reply.data.error) {
      throw new ServerActionError(
        `Server "${server.name}" refused ${kind}: ${
          reply.data.error.description ?? "no reason given"
        }`,
        reply.data.error.code,
      );
    }
    return reply.data.data;
  }
}

function connectionId(cid: number): number {
  if (!Number.isSafeInteger(cid) || cid < 1) {
    throw new RangeError(`Invalid connection ID ${cid}: expected a whole number from 1`);
  }
  return cid;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
