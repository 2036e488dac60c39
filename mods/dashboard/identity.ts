import {
  type AccountLimits,
  type AccountRecord,
  type ControllerClient,
  type UserState,
} from "../controller/mod.ts";
import { accountLimitsSchema } from "../controller/accounts.ts";
import type { AuditLog, AuditRecord } from "../audit/mod.ts";
import { unitKey } from "../monitor/mod.ts";
import { InvalidRequestError } from "./errors.ts";

/** An account as the Accounts page shows it: the controller's record without tokens. */
export interface IdentityAccount {
  /** Its name (`OPS`, `BRIDGE`, …). */
  readonly name: string;
  /** `system`, `ops` or `tenant`. */
  readonly kind: AccountRecord["kind"];
  /** Its public key (`A…`), as nats-server names it. */
  readonly publicKey: string;
  /** Connections, payload, JetStream memory and storage (-1: no limit). */
  readonly limits: AccountLimits;
  /** Whether its units' telemetry is exported to OPS (tenants). */
  readonly telemetry: boolean;
  /** How many users are revoked (their keys are in the account JWT until they expire). */
  readonly revoked: number;
  /** Created, s since the epoch. */
  readonly createdAt: number;
  /** Last changed, s since the epoch. */
  readonly updatedAt: number;
}

/** A user as the Accounts page shows it (no JWT, no seed). */
export interface IdentityUser {
  /** The account's name. */
  readonly account: string;
  /** The user's public key (`U…`). */
  readonly publicKey: string;
  /** Its name (a unit's ID, or one of nunect's own users). */
  readonly name: string;
  /** `unit`, `service` or `console`. */
  readonly kind: UserState["kind"];
  /** A unit's role, null for others. */
  readonly role: UserState["role"] | null;
  /** The unit its permissions name, null for others. */
  readonly unitId: string | null;
  /** A guardian that may publish `ops.time.config`. */
  readonly timeMaster: boolean;
  /** s since the epoch. */
  readonly issuedAt: number;
  /** s since the epoch, null for none. */
  readonly expiresAt: number | null;
  /** s since the epoch, null while in force. */
  readonly revokedAt: number | null;
  /** Who issued it (a dashboard user, `cli`, `init`). */
  readonly issuedBy: string;
  /** Neither revoked nor expired. */
  readonly active: boolean;
}

/** The credential of a unit in the Units table. */
export interface UnitCredential {
  /** The account it lives in. */
  readonly account: string;
  /** The user's public key (`U…`). */
  readonly publicKey: string;
  /** The unit's role. */
  readonly role: UserState["role"] | null;
  /** A guardian that may publish `ops.time.config`. */
  readonly timeMaster: boolean;
  /** Issued, s since the epoch. */
  readonly issuedAt: number;
  /** Expiry, s since the epoch, null for none. */
  readonly expiresAt: number | null;
}

/** A new account, or a change of one, as a form or JSON body gives it. */
export interface AccountInput {
  /** The new account's name (creation only). */
  readonly name?: string;
  /** The limits to set; those left out keep their value. */
  readonly limits: Partial<AccountLimits>;
  /** Export its units' telemetry to OPS. */
  readonly telemetry?: boolean;
}

function account(r: AccountRecord): IdentityAccount {
  return {
    name: r.name,
    kind: r.kind,
    publicKey: r.publicKey,
    limits: r.limits,
    telemetry: r.telemetry,
    revoked: Object.keys(r.revocations).length,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function user(u: UserState): IdentityUser {
  return {
    account: u.account,
    publicKey: u.publicKey,
    name: u.name,
    kind: u.kind,
    role: u.role ?? null,
    unitId: u.unitId ?? null,
    timeMaster: u.timeMaster ?? false,
    issuedAt: u.issuedAt,
    expiresAt: u.expiresAt,
    revokedAt: u.revokedAt,
    issuedBy: u.issuedBy,
    active: u.active,
  };
}

/**
 * Every account the controller keeps, system account first, then OPS, then tenants by name.
 *
 * @param controller the controller service
 * @param actor the dashboard user
 * @returns the accounts
 * @throws {ControllerCallError} when the controller refuses or is away
 */
export async function identityAccounts(
  controller: ControllerClient,
  actor: string,
): Promise<IdentityAccount[]> {
  const order = { system: 0, ops: 1, tenant: 2 } as const;
  const records = await controller.call("accounts.list", { actor }) as AccountRecord[];
  return records.map(account).sort((a, b) =>
    order[a.kind] - order[b.kind] || a.name.localeCompare(b.name)
  );
}

/**
 * One account with its users (active ones, or all with `all`) and whether nats-server's resolver
 * holds the JWT the controller issued last.
 *
 * @param controller the controller service
 * @param actor the dashboard user
 * @param name the account
 * @param all include revoked and expired users
 * @returns the account, its users and the resolver's state
 * @throws {ControllerCallError} 404 for an unknown account
 */
export async function identityAccount(
  controller: ControllerClient,
  actor: string,
  name: string,
  all = false,
): Promise<{ account: IdentityAccount; inSync: boolean; users: IdentityUser[] }> {
  const [lookup, users] = await Promise.all([
    controller.call("account.lookup", { actor, name }) as Promise<
      { record: AccountRecord; inSync: boolean }
    >,
    controller.call("users.list", { actor, account: name, all }) as Promise<UserState[]>,
  ]);
  return { account: account(lookup.record), inSync: lookup.inSync, users: users.map(user) };
}

/**
 * The active credential of every unit, by the units table's key (`<unit>` in OPS,
 * `<ACCOUNT>.<unit>` in a tenant's account).
 *
 * @param controller the controller service
 * @param actor the dashboard user
 * @returns key to credential
 */
export async function unitCredentials(
  controller: ControllerClient,
  actor: string,
): Promise<Record<string, UnitCredential>> {
  const users = await controller.call("users.list", { actor }) as UserState[];
  const out: Record<string, UnitCredential> = {};
  for (const u of users) {
    if (u.kind !== "unit" || u.unitId === undefined || !u.active) continue;
    out[unitKey(u.account, u.unitId)] = {
      account: u.account,
      publicKey: u.publicKey,
      role: u.role ?? null,
      timeMaster: u.timeMaster ?? false,
      issuedAt: u.issuedAt,
      expiresAt: u.expiresAt,
    };
  }
  return out;
}

/**
 * The newest changes recorded about one account (its limits, its users, its units), newest first.
 *
 * @param audit the audit log
 * @param account the account's name
 * @param limit how many at most
 * @returns the records
 */
export async function accountChanges(
  audit: AuditLog,
  account: string,
  limit = 20,
): Promise<AuditRecord[]> {
  const about = new RegExp(`(^account | in )${account.replace(/[^A-Z0-9_-]/g, "")}$`);
  const records = await audit.recent({ limit: 1000 });
  return records.filter((r) => about.test(r.target)).reverse().slice(0, limit);
}

const LIMIT_FIELDS = Object.keys(accountLimitsSchema.shape) as (keyof AccountLimits)[];

/**
 * An account form or JSON body: `name`, each limit (`connections`, `jsDisk`, … as integers, -1
 * unlimited; empty fields unchanged) and `telemetry` (`on`/`true`/`false`).
 *
 * @param raw the parsed form or JSON
 * @returns the input
 * @throws {InvalidRequestError} naming the field that is not an integer ≥ -1
 */
export function accountInput(raw: Record<string, unknown>): AccountInput {
  const limits: Partial<Record<keyof AccountLimits, number>> = {};
  const given = (raw.limits && typeof raw.limits === "object" ? raw.limits : raw) as Record<
    string,
    unknown
  >;
  for (const field of LIMIT_FIELDS) {
    const v = given[field];
    if (v === undefined || v === "") continue;
    const n = typeof v === "number" ? v : Number(String(v).trim());
    if (!Number.isInteger(n) || n < -1) {
      throw new InvalidRequestError(
        `Invalid limit ${field} "${
          String(v).slice(0, 40)
        }": expected a whole number, -1 for unlimited`,
      );
    }
    limits[field] = n;
  }
  const t = raw.telemetry;
  const telemetry = t === undefined || t === ""
    ? undefined
    : t === true || t === "on" || t === "true";
  const name = typeof raw.name === "string" ? raw.name.trim() : undefined;
  return { ...(name ? { name } : {}), limits, ...(telemetry === undefined ? {} : { telemetry }) };
}
