import type { NatsConnection } from "@nats-io/nats-core";

const ACCOUNT_KEY = /^A[A-Z2-7]{55}$/;
const decoder = new TextDecoder();

/**
 * The `name` claim of a JWT (an account's or a user's), not verified: names are for display only.
 *
 * @param jwt the JWT
 * @returns the name, or undefined when the JWT has none or does not decode
 */
export function jwtName(jwt: string): string | undefined {
  try {
    const b64 = jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    return typeof json.name === "string" && json.name !== "" ? json.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Account names for display. In operator mode nats-server identifies accounts by public key
 * (`A…`) in events, connz and accountz; the names (OPS, BRIDGE, …) live in the account JWTs the
 * resolver holds. This reads them over the system account (`$SYS.REQ.CLAIMS.LIST` and each
 * account's `CLAIMS.LOOKUP`, nats-server 2.2 and later with a full resolver) and keeps them; an
 * unknown key triggers one refresh and shows as the key until then. Outside operator mode an
 * account's name is its key already.
 */
export class AccountNames {
  readonly #nc: NatsConnection;
  readonly #names = new Map<string, string>();
  readonly #timeoutMs: number;
  #refreshing: Promise<void> | undefined;

  /**
   * Creates it.
   *
   * @param nc a connection of a system-account user
   * @param timeoutMs how long to wait for each answer (default 2000)
   */
  constructor(nc: NatsConnection, timeoutMs = 2000) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * The name of an account key, or the key itself while it is unknown (a refresh starts).
   *
   * @param key an account as the server names it
   * @returns its display name
   */
  name(key: string): string {
    const known = this.#names.get(key);
    if (known !== undefined) return known;
    if (ACCOUNT_KEY.test(key)) void this.refresh();
    return key;
  }

  /**
   * The account key of a name, if known (for filters such as `connz?acc=`).
   *
   * @param name e.g. `BRIDGE`
   * @returns the key, or undefined
   */
  key(name: string): string | undefined {
    for (const [k, n] of this.#names) if (n === name) return k;
    return undefined;
  }

  /** Every known key and its name. */
  all(): ReadonlyMap<string, string> {
    return this.#names;
  }

  /**
   * Reads the resolver's accounts and their names again (one at a time is enough: a handful of
   * accounts, refreshed only when an unknown key shows up).
   *
   * @returns when done; failures leave the names as they were
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().catch(() => {}).finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  async #read(): Promise<void> {
    const list = await this.#nc.request("$SYS.REQ.CLAIMS.LIST", "", { timeout: this.#timeoutMs });
    const keys = (JSON.parse(decoder.decode(list.data)) as { data?: unknown }).data;
    if (!Array.isArray(keys)) return;
    for (const key of keys) {
      if (typeof key !== "string" || this.#names.has(key) || !ACCOUNT_KEY.test(key)) continue;
      const msg = await this.#nc.request(`$SYS.REQ.ACCOUNT.${key}.CLAIMS.LOOKUP`, "", {
        timeout: this.#timeoutMs,
      });
      const name = jwtName(decoder.decode(msg.data).trim());
      if (name !== undefined) this.#names.set(key, name);
    }
  }
}
