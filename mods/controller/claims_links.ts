import { createInbox } from "@nats-io/nats-core";
import type { NatsConnection, Subscription } from "../client/nats_types.ts";
import { z } from "zod";
import { retry } from "../client/mod.ts";
import { leafzSchema } from "../monitor/schemas.ts";
import { connectEventSchema } from "../monitor/sys_schemas.ts";
import { CLAIMS_UPDATE_SUBJECT, systemConnectSubject } from "./permissions.ts";

/** A router's claims link that came up, from the `$SYS.ACCOUNT.<system>.CONNECT` event. */
export interface ClaimsLinkUp {
  /** The router's unit ID (the link user's `unit:` tag), or null when the JWT has none. */
  readonly unitId: string | null;
  /** The link user's public key. */
  readonly user: string;
  /** The ID of the hub server that accepted the link. */
  readonly serverId: string;
  /** The link's connection ID on that server. */
  readonly cid: number;
  /** The router's address as that server sees it. */
  readonly host: string;
  /** Whether that server showed the link's interest in claims updates within the wait. */
  readonly interest: boolean;
}

/** Options of {@linkcode ClaimsLinks}. */
export interface ClaimsLinksOptions {
  /** How long a cluster-wide LEAFZ collects replies, ms (default 500). */
  readonly windowMs?: number;
  /** How long a link's interest is waited for after its CONNECT event, ms (default 10 000). */
  readonly interestWaitMs?: number;
}

/** Counters of a {@linkcode ClaimsLinks}. */
export interface ClaimsLinksStats {
  /** Leaf node connections in the system account seen coming up. */
  readonly links: number;
  /** Connect events that did not match the advisory schema (counted and dropped). */
  readonly malformed: number;
}

const replySchema = z.looseObject({ data: leafzSchema.optional() });

/**
 * Routers' claims links as the hub's servers know them, for the controller's resend of account
 * JWTs: the system account's connect events (nats-server raises `$SYS.ACCOUNT.<acc>.CONNECT` for
 * a leaf node it accepts as for a client, on 2.9 as well; `…LEAFNODE.CONNECT` is sent only where
 * gateways are configured and names no connection), and LEAFZ for the system account to see a
 * link's interest in `$SYS.REQ.CLAIMS.UPDATE` (the server raises the event before the leaf node
 * has sent its interest: an update sent at once would not reach it).
 */
export class ClaimsLinks {
  readonly #nc: NatsConnection;
  readonly #systemAccountKey: string;
  readonly #windowMs: number;
  readonly #interestWaitMs: number;
  #stats = { links: 0, malformed: 0 };

  /**
   * Creates it.
   *
   * @param nc a connection of the controller's system-account user
   * @param systemAccountKey the system account's public key
   * @param options LEAFZ window, how long to wait for a link's interest
   */
  constructor(nc: NatsConnection, systemAccountKey: string, options: ClaimsLinksOptions = {}) {
    this.#nc = nc;
    this.#systemAccountKey = systemAccountKey;
    this.#windowMs = options.windowMs ?? 500;
    this.#interestWaitMs = options.interestWaitMs ?? 10_000;
  }

  /** Counters. */
  get stats(): ClaimsLinksStats {
    return { ...this.#stats };
  }

  /**
   * Calls `fn` for every claims link that comes up from now on, once the server that accepted it
   * shows its interest in claims updates (or the wait for it ended: `interest` false).
   *
   * @param fn the listener; exceptions it throws are ignored
   * @returns the subscription; unsubscribe to stop
   */
  watch(fn: (link: ClaimsLinkUp) => void): Subscription {
    return this.#nc.subscribe(systemConnectSubject(this.#systemAccountKey), {
      callback: (err, msg) => {
        if (err !== null) return;
        let parsed;
        try {
          parsed = connectEventSchema.safeParse(msg.json());
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) return void this.#stats.malformed++;
        const { server, client } = parsed.data;
        if (client.kind !== "Leafnode" || client.id === undefined) return;
        this.#stats.links++;
        const tags = (parsed.data.client as { tags?: unknown }).tags;
        const unitTag = Array.isArray(tags)
          ? tags.find((t): t is string => typeof t === "string" && t.startsWith("unit:"))
          : undefined;
        const up = {
          unitId: unitTag?.slice("unit:".length) ?? null,
          user: client.user ?? "",
          serverId: server.id,
          cid: client.id,
          host: client.host ?? "",
        };
        this.#waitForInterest(up).then((interest) => {
          try {
            fn({ ...up, interest });
          } catch { /* the listener's own affair */ }
        });
      },
    });
  }

  /**
   * Whether any server of the cluster has a claims link with interest in claims updates: when
   * none has, a resend reaches no router.
   *
   * @returns true as soon as one server shows one; false when none did within the window
   * @throws when the request cannot be sent (connection closed)
   */
  async anyConnected(): Promise<boolean> {
    const inbox = createInbox();
    const sub = this.#nc.subscribe(inbox);
    const timer = setTimeout(() => sub.unsubscribe(), this.#windowMs);
    this.#nc.publish("$SYS.REQ.SERVER.PING.LEAFZ", this.#leafzRequest(), { reply: inbox });
    try {
      for await (const m of sub) {
        if (m.data.length === 0) break; // no responders
        if (this.#links(m.data).length > 0) return true;
      }
      return false;
    } finally {
      clearTimeout(timer);
      if (!sub.isClosed()) sub.unsubscribe();
    }
  }

  /** One server's claims links with interest in claims updates, from its LEAFZ reply. */
  #links(data: Uint8Array) {
    let parsed;
    try {
      parsed = replySchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    } catch {
      return [];
    }
    const leafs = (parsed.success ? parsed.data.data?.leafs : null) ?? [];
    return leafs.filter((l) =>
      l.account === this.#systemAccountKey &&
      (l.subscriptions_list ?? []).includes(CLAIMS_UPDATE_SUBJECT)
    );
  }

  #leafzRequest(): string {
    return JSON.stringify({ account: this.#systemAccountKey, subscriptions: true });
  }

  /**
   * Asks the link's server until it lists the link with its interest: by connection ID
   * (nats-server ≥ 2.12 names it in LEAFZ), else by the router's address.
   */
  async #waitForInterest(up: { serverId: string; cid: number; host: string }): Promise<boolean> {
    const deadline = Date.now() + this.#interestWaitMs;
    try {
      return await retry(async () => {
        const m = await this.#nc.request(
          `$SYS.REQ.SERVER.${up.serverId}.LEAFZ`,
          this.#leafzRequest(),
          { timeout: 2000 },
        );
        const found = this.#links(m.data).some((l) => {
          const id = (l as { id?: unknown }).id;
          return typeof id === "number" ? id === up.cid : l.ip === up.host;
        });
        if (!found && Date.now() < deadline) throw new Error("no interest yet");
        return found;
      }, {
        backoff: { initialMs: 20, factor: 2, maxMs: 1000, jitterMs: 0 },
        onError: (e) => {
          if (Date.now() >= deadline) throw e;
        },
      });
    } catch {
      return false;
    }
  }
}
