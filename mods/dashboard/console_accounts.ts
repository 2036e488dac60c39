import type { NatsConnection } from "../client/nats_types.ts";
import type { AccountRecord, ControllerClient } from "../controller/mod.ts";
import {
  type AccountConnector,
  type AccountContext,
  AccountUnavailableError,
  NotFoundError,
  type Requester,
} from "../jetstream/mod.ts";

/** How {@linkcode ConsoleAccounts} opens a connection: the account and the user's `.creds`. */
export type CredsDialer = (account: string, creds: string) => Promise<NatsConnection>;

/** A console user's connection, kept until shortly before the user expires. */
interface Open {
  readonly nc: Promise<NatsConnection>;
  /** The user's expiry, ms since the epoch. */
  readonly expiresAt: number;
}

/** A console user is replaced when it has less than this left (ms). */
const RENEW_BEFORE_MS = 10 * 60_000;

/**
 * The JetStream console's {@linkcode AccountConnector} in operator mode: for each account and
 * dashboard user, a user the controller issues (everything inside that one account, expiring
 * after hours), so an action in BRIDGE has BRIDGE's rights and nothing beyond, and the dashboard
 * keeps no tenant's password. The accounts are the controller's (OPS and every tenant, also those
 * created after the dashboard started; never the system account).
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
   * A connection inside `account` for `requester`, with a console user issued for them on first
   * use and again shortly before it expires.
   *
   * @param account the account's name
   * @param requester the dashboard user
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
    const key = `${account}\n${requester.user}`;
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
    let issued: { creds: string; expiresAt: number };
    try {
      issued = await controller.call("console.issue", { actor: requester.user, account }) as {
        creds: string;
        expiresAt: number;
      };
    } catch (e) {
      throw new AccountUnavailableError(
        account,
        `the controller issued no console user: ${(e as Error).message}`,
        { cause: e },
      );
    }
    const nc = this.#dial(account, issued.creds);
    this.#open.set(key, { nc, expiresAt: issued.expiresAt * 1000 });
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
