import type { NatsConnection } from "../client/nats_types.ts";
import { AccountUnavailableError, NotFoundError } from "./errors.ts";

/** Who a console action is done for: the dashboard user behind the request. */
export interface Requester {
  /** The dashboard user's name (for audit, and for credentials issued for that user). */
  readonly user: string;
  /**
   * The role in force for this request (`viewer`, `operator`, `admin`): a connector that issues
   * credentials per requester gives them this role's rights and no more.
   */
  readonly role: "viewer" | "operator" | "admin";
}

/** A connection inside one account, as the console uses it. */
export interface AccountContext {
  /** The account's name (`BRIDGE`, `OPS`, or an operator-mode account's name). */
  readonly account: string;
  /** A connection authenticated inside that account. */
  readonly nc: NatsConnection;
}

/**
 * The seam between the console and credentials: gives the console a connection inside an account,
 * acting for a requester. Whoever implements it decides which credentials that is: today the
 * account's given user ({@linkcode AccountPool}), or a user the controller issues for that
 * requester (the dashboard's `ConsoleAccounts`). The console never holds more rights than the connection
 * it is given, so a connector must never hand out more than the requester may do.
 */
export interface AccountConnector {
  /** The accounts the console can act in, in display order. */
  accounts(): readonly string[];
  /**
   * A connection inside `account` for `requester`.
   *
   * @throws {NotFoundError} when the account is unknown
   * @throws {AccountUnavailableError} when its credentials are refused or the server is down
   */
  connect(account: string, requester: Requester): Promise<AccountContext>;
  /** Closes every connection it opened. */
  close(): Promise<void>;
}

/** How {@linkcode AccountPool} opens a connection: the account and its user's credentials. */
export type Dialer = (
  account: string,
  credentials: AccountCredentials,
) => Promise<NatsConnection>;

/** One user of an account: its name (for messages) and its `.creds` (operator mode). */
export interface AccountCredentials {
  /** The user's name, e.g. `console-admin` (never the secret). */
  readonly user: string;
  /** The `.creds` file: JWT and seed. */
  readonly creds: string;
}

/**
 * An {@linkcode AccountConnector} over configured users: one user per account, one connection per
 * account, opened on first use and kept (nats.js reconnects it). Every requester shares the
 * account's connection, so what the console can do in an account is what that user may do.
 *
 * @example
 * ```ts
 * const pool = new AccountPool({ BRIDGE: { user: "bridge-console", creds } }, (account, c) =>
 *   connect({ servers: url, authenticator: credsAuthenticator(new TextEncoder().encode(c.creds)),
 *     name: `console-${account}` }));
 * const { nc } = await pool.connect("BRIDGE", { user: "admin", role: "admin" });
 * ```
 */
export class AccountPool implements AccountConnector, AsyncDisposable {
  readonly #credentials: ReadonlyMap<string, AccountCredentials>;
  readonly #dial: Dialer;
  readonly #open = new Map<string, Promise<NatsConnection>>();
  #closed = false;

  /**
   * Creates the pool; connections are opened on first use.
   *
   * @param credentials one user per account, by account name
   * @param dial opens a connection with those credentials
   */
  constructor(credentials: Readonly<Record<string, AccountCredentials>>, dial: Dialer) {
    this.#credentials = new Map(Object.entries(credentials));
    this.#dial = dial;
  }

  /** The configured accounts, in the order given. */
  accounts(): readonly string[] {
    return [...this.#credentials.keys()];
  }

  /**
   * The account's connection, opened on first use; a connection that closed is opened again.
   *
   * @param account the account
   * @param _requester who asks (every requester shares the account's user here)
   * @returns the account and its connection
   * @throws {NotFoundError} for an account it has no credentials for
   * @throws {AccountUnavailableError} when the credentials are refused or the server is down
   */
  async connect(account: string, _requester: Requester): Promise<AccountContext> {
    if (this.#closed) throw new AccountUnavailableError(account, "the console is shut down");
    const credentials = this.#credentials.get(account);
    if (credentials === undefined) {
      throw new NotFoundError(
        "account",
        account,
        `among the console's accounts (${this.accounts().join(", ") || "none"})`,
      );
    }
    let pending = this.#open.get(account);
    if (pending !== undefined) {
      const nc = await pending.catch(() => undefined);
      if (nc !== undefined && !nc.isClosed()) return { account, nc };
      this.#open.delete(account);
    }
    pending = this.#dial(account, credentials);
    this.#open.set(account, pending);
    try {
      return { account, nc: await pending };
    } catch (e) {
      this.#open.delete(account);
      throw new AccountUnavailableError(
        account,
        `could not connect as "${credentials.user}": ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(open.map(async (p) => {
      const nc = await p.catch(() => undefined);
      await nc?.close().catch(() => {});
    }));
  }

  /** Same as {@linkcode AccountPool.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
