import type { NatsConnection } from "../client/nats_types.ts";
import type { AccountRecord, ControllerClient } from "../controller/mod.ts";
import {
  type AccountConnector,
  type AccountContext,
  AccountUnavailableError,
  NotFoundError,
  type Requester,
} from "../jetstream/mod.ts";

/**
 * How {@linkcode ConsoleAccounts} opens a connection: the account, the user's `.creds` and the
 * inbox prefix the user was issued with (the only inbox it may subscribe to; the connection must
 * use it).
 */
export type CredsDialer = (
  account: string,
  creds: string,
  inboxPrefix: string,
) => Promise<NatsConnection>;

/** A console user's connection, kept until shortly before the user expires. */
interface Open {
  /** The dashboard user it acts for. */
  readonly user: string;
  readonly nc: Promise<NatsConnection>;
  /** The user's expiry, ms since the epoch. */
  readonly expiresAt: number;
}

/** A console user is replaced when it has less than this left (ms). */
const RENEW_BEFORE_MS = 10 * 60_000;

/**
 * The JetStream console's {@linkcode AccountConnector} in operator mode: for each account,
 * dashboard user and role, a user the controller issues (inside that one account, with the
 * NATS permissions of the role: a viewer's reads only, an operator's no stream creation or
 * deletion, an admin's everything; expiring after hours), so an action in BRIDGE has BRIDGE's
 * rights and the requester's role's, nothing beyond, and the dashboard keeps no tenant's
 * password. Connections are kept per account, user and role: a request in force with a lesser
 * role never reaches a stronger user's connection, and {@linkcode ConsoleAccounts.forget} drops
 * a user's connections when its role, scope or state changes. The accounts are the
 * controller's (OPS and every tenant, also those created after the dashboard started; never the
 * system account).
 */
export class ConsoleAccounts implements AccountConnector {
  readonly #controller: () => ControllerClient | undefined;
  readonly #dial: CredsDialer;
  readonly #open = new Map<string, Open>();
  #names: readonly string[] = [];
  #closed = false;

  /**
   * Creates it.
   *
   * @param controller the controller service, or undefined while there is no SYS connection
   * @param dial opens a connection with a console user's `.creds`
   */
  constructor(controller: () => ControllerClient | undefined, dial: CredsDialer) {
    this.#controller = controller;
    this.#dial = dial;
  }

  /** OPS, then the tenant accounts by name, as last read from the controller. */
  accounts(): readonly string[] {
    return this.#names;
  }

  /**
   * Reads the accounts from the controller again (after the SYS connection comes up, and when a
   * request names an account not known yet).
   *
   * @returns when done; while the controller is away the list stays as it was
   */
  async refresh(): Promise<void> {
    const controller = this.#controller();
    if (controller === undefined) return;
    try {
      const records = await controller.call("accounts.list", {
        actor: "dashboard",
      }) as AccountRecord[];
      this.#names = records.filter((a) => a.kind !== "system")
        .sort((a, b) =>
          a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "ops" ? -1 : 1
        )
        .map((a) => a.name);
    } catch {
      // Kept as it was; the next request tries again.
    }
  }

  /**
   * A connection inside `account` for `requester`, with a console user of the requester's role
   * issued for them on first use and again shortly before it expires.
   *
   * @param account the account's name
   * @param requester the dashboard user and the role in force
   * @returns the account and its connection
   * @throws {NotFoundError} for an account the controller does not have (or the system account)
   * @throws {AccountUnavailableError} when the controller or the server refuses or is away
   */
  async connect(account: string, requester: Requester): Promise<AccountContext> {
    if (this.#closed) throw new AccountUnavailableError(account, "the console is shut down");
    if (!this.#names.includes(account)) await this.refresh();
    if (!this.#names.includes(account)) {
      throw new NotFoundError(
        "account",
        account,
        `among the console's accounts (${this.#names.join(", ") || "none"})`,
      );
    }
    const key = `${account}\n${requester.user}\n${requester.role}`;
    const kept = this.#open.get(key);
    if (kept !== undefined && kept.expiresAt - Date.now() > RENEW_BEFORE_MS) {
      const nc = await kept.nc.catch(() => undefined);
      if (nc !== undefined && !nc.isClosed()) return { account, nc };
    }
    if (kept !== undefined) {
      this.#open.delete(key);
      void kept.nc.then((nc) => nc.close()).catch(() => {});
    }
    const controller = this.#controller();
    if (controller === undefined) {
      throw new AccountUnavailableError(account, "the dashboard has no system connection yet");
    }
    let issued: { creds: string; expiresAt: number; inboxPrefix: string };
    try {
      issued = await controller.call("console.issue", {
        actor: requester.user,
        account,
        role: requester.role,
      }) as { creds: string; expiresAt: number; inboxPrefix: string };
    } catch (e) {
      throw new AccountUnavailableError(
        account,
        `the controller issued no console user: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const nc = this.#dial(account, issued.creds, issued.inboxPrefix);
    this.#open.set(key, { user: requester.user, nc, expiresAt: issued.expiresAt * 1000 });
    try {
      return { account, nc: await nc };
    } catch (e) {
      this.#open.delete(key);
      throw new AccountUnavailableError(
        account,
        `could not connect as its console user: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /**
   * Closes every connection kept for a dashboard user (in every account and role): its role,
   * scope or state changed, and its next request gets a console user issued for what it is now.
   *
   * @param user the dashboard user's name
   * @returns how many connections were closed
   */
  async forget(user: string): Promise<number> {
    const gone = [...this.#open.entries()].filter(([, o]) => o.user === user);
    for (const [key] of gone) this.#open.delete(key);
    await Promise.all(gone.map(async ([, o]) => {
      const nc = await o.nc.catch(() => undefined);
      await nc?.close().catch(() => {});
    }));
    return gone.length;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(open.map(async (o) => {
      const nc = await o.nc.catch(() => undefined);
      await nc?.close().catch(() => {});
    }));
  }
}
