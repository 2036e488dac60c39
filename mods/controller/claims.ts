import { CLAIMS_UPDATE_SUBJECT } from "./permissions.ts";
import type { NatsConnection } from "@nats-io/nats-core";
import { ClaimsPushError } from "./errors.ts";
import { writeFileAtomic } from "./store.ts";

/** Where account JWTs go: a running server's resolver, or its directory while it is stopped. */
export interface ClaimsTarget {
  /** A short description for messages, e.g. `nats-server at nats://127.0.0.1:4222`. */
  readonly description: string;
  /**
   * Hands an account JWT to the resolver; connections of that account get the new limits and
   * revocations at once (revoked users are disconnected).
   *
   * @param accountPublicKey the account
   * @param jwt its new JWT, signed by the operator
   */
  update(accountPublicKey: string, jwt: string): Promise<void>;
  /**
   * The JWT the resolver holds for an account.
   *
   * @param accountPublicKey the account
   * @returns the JWT, or null when the resolver has none
   */
  lookup(accountPublicKey: string): Promise<string | null>;
}

const decoder = new TextDecoder();

interface ClaimsReply {
  data?: { code?: number; message?: string };
  error?: { code?: number; description?: string };
}

/**
 * Account claims over the system account of a running server: `$SYS.REQ.CLAIMS.UPDATE` and
 * `$SYS.REQ.ACCOUNT.<id>.CLAIMS.LOOKUP` (nats-server 2.2 and later, full resolver). No restart,
 * no config file edit; in a cluster every server's resolver takes the update.
 */
export class NatsClaims implements ClaimsTarget {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  /** What this target is, for messages. */
  readonly description: string;

  /**
   * Creates it.
   *
   * @param nc a connection of a system-account user allowed `$SYS.REQ.>`
   * @param timeoutMs how long to wait for the server's answer (default 5000)
   */
  constructor(nc: NatsConnection, timeoutMs = 5000) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
    this.description = `nats-server at ${nc.getServer()}`;
  }

  /** Sends an account JWT to where nats-server reads it. */
  async update(accountPublicKey: string, jwt: string): Promise<void> {
    let reply: ClaimsReply;
    try {
      const msg = await this.#nc.request(CLAIMS_UPDATE_SUBJECT, jwt, {
        timeout: this.#timeoutMs,
      });
      reply = JSON.parse(decoder.decode(msg.data)) as ClaimsReply;
    } catch (e) {
      throw new ClaimsPushError(
        `Cannot update account "${accountPublicKey}" on ${this.description}: ${
          (e as Error).message
        }`,
        { cause: e },
      );
    }
    if (reply.error !== undefined || (reply.data?.code ?? 200) >= 300) {
      throw new ClaimsPushError(
        `nats-server refused the claims of account "${accountPublicKey}": ${
          reply.error?.description ?? reply.data?.message ?? "no reason given"
        }`,
      );
    }
  }

  /** The account JWT nats-server holds, or null when it has none. */
  async lookup(accountPublicKey: string): Promise<string | null> {
    try {
      const msg = await this.#nc.request(
        `$SYS.REQ.ACCOUNT.${accountPublicKey}.CLAIMS.LOOKUP`,
        "",
        { timeout: this.#timeoutMs },
      );
      const text = decoder.decode(msg.data).trim();
      return text.startsWith("eyJ") ? text : null;
    } catch (e) {
      throw new ClaimsPushError(
        `Cannot look up account "${accountPublicKey}" on ${this.description}: ${
          (e as Error).message
        }`,
        { cause: e },
      );
    }
  }
}

/**
 * Account claims written into a stopped server's full-resolver directory (`<pubkey>.jwt`), read
 * at its next start. For the first start and for changes made while nats-server is down.
 */
export class ResolverDir implements ClaimsTarget {
  readonly #dir: string;
  /** What this target is, for messages. */
  readonly description: string;

  /**
   * Creates it.
   *
   * @param dir the resolver's `dir` (NATS_DATA_DIR/jwt)
   */
  constructor(dir: string) {
    this.#dir = dir;
    this.description = `the resolver directory ${dir}`;
  }

  /** Sends an account JWT to where nats-server reads it. */
  async update(accountPublicKey: string, jwt: string): Promise<void> {
    await writeFileAtomic(`${this.#dir}/${accountPublicKey}.jwt`, jwt, 0o644);
  }

  /** The account JWT nats-server holds, or null when it has none. */
  async lookup(accountPublicKey: string): Promise<string | null> {
    try {
      return (await Deno.readTextFile(`${this.#dir}/${accountPublicKey}.jwt`)).trim();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }
}
