import {
  type AccountDetail,
  type AccountStat,
  type MonitorClient,
  MonitorResponseError,
} from "../monitor/mod.ts";
import { NotFoundError } from "./errors.ts";

/** One account of the Accounts page. */
export interface AccountRow {
  /** Its name (operator mode: the name in its JWT). */
  readonly name: string;
  /** How nats-server knows it: the public key in operator mode, else the name. */
  readonly key: string;
  /** Connections and traffic (accstatz), null when the server listed no statistics. */
  readonly stats: AccountStat | null;
  /** Subscriptions (from the account's detail), null when it could not be read. */
  readonly subscriptions: number | null;
  /** Whether JetStream is enabled for it, null when its detail could not be read. */
  readonly jetstream: boolean | null;
}

/** Every account of the server. */
export interface AccountsSummary {
  /** The system account's name, when the server has one. */
  readonly systemAccount: string | null;
  /** Accounts by name. */
  readonly accounts: readonly AccountRow[];
}

/**
 * Every account with its connections, subscriptions and traffic: accountz and accstatz, plus
 * each account's detail (subscriptions and JetStream are only there; accounts are few).
 *
 * @param monitor the monitoring client
 * @param nameOf an account's name from the key the server gives (operator mode: from its JWT)
 * @returns the accounts, sorted by name
 * @throws {MonitorUnreachableError} when the server does not answer
 */
export async function accountsSummary(
  monitor: MonitorClient,
  nameOf: (key: string) => string = (key) => key,
): Promise<AccountsSummary> {
  const [accountz, accstatz] = await Promise.all([
    monitor.accountz(),
    monitor.accstatz({ unused: true }),
  ]);
  const stats = new Map(accstatz.account_statz.map((s) => [s.acc, s]));
  const keys = [...new Set([...(accountz.accounts ?? []), ...stats.keys()])]
    .map((key) => ({ key, name: nameOf(key) }))
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const details = await Promise.all(
    keys.map(({ key: acc }) =>
      monitor.accountz({ acc }).then((a) => a.account_detail ?? null).catch(() => null)
    ),
  );
  return {
    systemAccount: accountz.system_account ? nameOf(accountz.system_account) : null,
    accounts: keys.map(({ key, name }, i) => ({
      name,
      key,
      stats: stats.get(key) ?? null,
      subscriptions: details[i]?.subscriptions ?? null,
      jetstream: details[i]?.jetstream_enabled ?? null,
    })),
  };
}

/**
 * One account's detail: counters, imports and exports.
 *
 * @param monitor the monitoring client
 * @param name the account, as the user named it
 * @param key how nats-server knows it (operator mode: its public key; default `name`)
 * @returns its detail
 * @throws {NotFoundError} when the server has no such account
 * @throws {MonitorUnreachableError} when the server does not answer
 */
export async function accountDetail(
  monitor: MonitorClient,
  name: string,
  key = name,
): Promise<AccountDetail> {
  const accountz = await monitor.accountz({ acc: key }).catch((e) => {
    // nats-server answers 400 "Account X does not exist" for an unknown account.
    if (e instanceof MonitorResponseError && e.status === 400) {
      throw new NotFoundError(`Unknown account "${name}"`, { cause: e });
    }
    throw e;
  });
  if (!accountz.account_detail) throw new NotFoundError(`Unknown account "${name}"`);
  return accountz.account_detail;
}
