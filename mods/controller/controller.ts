import { encodeUser, fmtCreds, type KeyPair } from "@nats-io/jwt";
import { validateUnitId } from "../protocol/mod.ts";
import {
  type AccountLimits,
  accountLimitsSchema,
  type AccountRecord,
  defaultLimits,
  encodeAccountJwt,
  telemetryActivations,
  validateAccountName,
} from "./accounts.ts";
import type { ClaimsTarget } from "./claims.ts";
import type { AuditRequest } from "../audit/mod.ts";
import { IdentityNotFoundError, IdentityRequestError, UnrecordedChangeError } from "./errors.ts";
import type { AuditPlace, AuditSink } from "./journal.ts";
import { jwtClaims, NativeKeyPair, newKeyPair } from "./keys.ts";
import {
  CONSOLE_ROLES,
  consolePermissions,
  type ConsoleRole,
  routerClaimsLinkPermissions,
  SERVICE_USERS,
  servicePermissions,
  type ServiceUserName,
  type SubjectPermissions,
  UNIT_ROLES,
  unitPermissions,
  type UnitRole,
} from "./permissions.ts";
import type { IdentityStore, UserRecord } from "./store.ts";
import { unitKeysEntries, type UnitKeysSink } from "./unit_keys.ts";

const decoder = new TextDecoder();

/** Browser units' IDs start with this; no other role may use it, so a browser never poses as one. */
export const BROWSER_UNIT_PREFIX = "browser-";

/** A request to issue a unit's credentials. */
export interface IssueUnitRequest {
  /** The account (default `OPS`). */
  readonly account?: string;
  /** The unit ID its permissions name. */
  readonly unitId: string;
  /** Its role (default `app`). */
  readonly role?: UnitRole;
  /** Guardians: may publish `ops.time.config`. */
  readonly timeMaster?: boolean;
  /** Tenant apps: their own application subjects to publish to. */
  readonly extraPub?: readonly string[];
  /** Tenant apps: their own application subjects to subscribe to. */
  readonly extraSub?: readonly string[];
  /** Expiry, ms since the epoch (browsers: the session's end). */
  readonly expiresAt?: number;
  /** Revoke the unit's current credentials and issue new ones (a stolen or rebuilt router). */
  readonly replace?: boolean;
  /** Browser users: an opaque tag of the dashboard session they belong to. */
  readonly session?: string;
}

/** Issued credentials. */
export interface Issued {
  /** The user as stored. */
  readonly user: UserRecord;
  /** The `.creds` file: JWT and seed. Secret: hand it to the unit only. */
  readonly creds: string;
}

/** Issued console credentials: the role they follow and the inbox their connection must use. */
export interface IssuedConsole extends Issued {
  /** The dashboard role whose permissions the user has. */
  readonly role: ConsoleRole;
  /** The connection's inbox prefix (`_INBOX.console_…`): the only inbox it may subscribe to. */
  readonly inboxPrefix: string;
}

/** A change of an account's limits or telemetry export. */
export interface AccountUpdate {
  /** New limits (only the given ones change). */
  readonly limits?: Partial<AccountLimits>;
  /** Tenants: whether OPS imports its telemetry. */
  readonly telemetry?: boolean;
}

/** An account as nats-server's resolver holds it, next to the controller's record. */
export interface AccountLookup {
  /** The controller's record. */
  readonly record: AccountRecord;
  /** The decoded claims the resolver holds, or null when it holds none. */
  readonly claims: Record<string, unknown> | null;
  /** Whether the resolver holds exactly the JWT the controller last issued. */
  readonly inSync: boolean;
}

/** Which users {@linkcode Controller.users} lists. */
export interface UserFilter {
  /** Only this account. */
  readonly account?: string;
  /** Only this unit. */
  readonly unitId?: string;
  /** Include revoked and expired users (default false). */
  readonly all?: boolean;
}

/** A user listed with its state. */
export interface UserState extends UserRecord {
  /** Neither revoked nor expired. */
  readonly active: boolean;
}

/** How a {@linkcode Controller} is built. */
export interface ControllerOptions {
  /** The key store. */
  readonly store: IdentityStore;
  /** Where account JWTs go: the running server, or its resolver directory. */
  readonly claims: ClaimsTarget;
  /** Where changes are recorded. */
  readonly audit: AuditSink;
  /** The clock, ms since the epoch (tests). */
  readonly now?: () => number;
  /**
   * Where OPS units' signing keys go after every issue and revocation (the KV bucket the units
   * table verifies telemetry signatures with); none without a server (the offline CLI: the
   * serving controller writes them all when it starts).
   */
  readonly unitKeys?: UnitKeysSink;
}

/**
 * The only holder of signing keys: creates accounts and users as JWTs, changes accounts live
 * (limits, telemetry imports, revocations) through the resolver, and records every change in
 * the audit trail — who, what, before and after — also when nats-server refuses it.
 */
export class Controller {
  readonly #store: IdentityStore;
  readonly #claims: ClaimsTarget;
  readonly #audit: AuditSink;
  readonly #now: () => number;
  /** Each dashboard request's record: where it went, and whether the change was made. */
  readonly #records = new WeakMap<AuditRequest, { place: AuditPlace; ok: boolean }>();
  readonly #unitKeys: UnitKeysSink | undefined;

  /**
   * Creates it.
   *
   * @param options store, claims target, audit sink
   */
  constructor(options: ControllerOptions) {
    this.#store = options.store;
    this.#claims = options.claims;
    this.#audit = options.audit;
    this.#now = options.now ?? Date.now;
    this.#unitKeys = options.unitKeys;
  }

  /**
   * Writes the signing keys of OPS units to the unit key directory (see `unitKeysEntries`):
   * of the units named, or of every OPS unit. Does nothing without a directory.
   *
   * @param units the units whose keys changed; all OPS units when absent
   * @returns when written
   * @throws when the directory refuses a write (tried again at the next full sync)
   */
  async syncUnitKeys(units?: readonly string[]): Promise<void> {
    if (this.#unitKeys === undefined) return;
    const users = units === undefined
      ? await this.#usersOf("OPS")
      : (await Promise.all(units.map((u) => this.#usersOf("OPS", u)))).flat();
    const entries = unitKeysEntries(users);
    await this.#unitKeys.write(units ?? [...entries.keys()], entries);
  }

  // After a change of units' users: the directory follows; a failed write is retried by the
  // service's next full sync and must not fail the change itself (already made and recorded).
  async #unitKeysChanged(account: string, units: readonly string[]): Promise<void> {
    if (account !== "OPS" || units.length === 0) return;
    await this.syncUnitKeys([...new Set(units)]).catch((e) => {
      console.error(`controller: unit key directory not updated: ${(e as Error).message}`);
    });
  }

  /** The key store (for the bundle builder and the service). */
  get store(): IdentityStore {
    return this.#store;
  }

  /** Every account. */
  accounts(): Promise<AccountRecord[]> {
    return this.#store.accounts();
  }

  /**
   * One account's record.
   *
   * @param name the account
   * @throws {IdentityNotFoundError} when there is none
   */
  async account(name: string): Promise<AccountRecord> {
    return (await this.#keys(name)).record;
  }

  async #keys(name: string) {
    const a = await this.#store.account(validateAccountName(name));
    if (a === undefined) {
      throw new IdentityNotFoundError(
        `Unknown account "${name}": \`deno task identity accounts\` lists them`,
      );
    }
    return a;
  }

  /**
   * An account as the resolver holds it, next to the controller's record.
   *
   * @param name the account
   * @returns both, and whether they agree
   */
  async lookupAccount(name: string): Promise<AccountLookup> {
    const record = await this.account(name);
    const held = await this.#claims.lookup(record.publicKey);
    const expected = await this.#accountJwt(record);
    return {
      record,
      claims: held === null ? null : jwtClaims(held),
      inSync: held !== null && sameClaims(held, expected),
    };
  }

  /**
   * Creates a tenant account with its limits and (by default) its telemetry export to OPS, and
   * hands both JWTs to the resolver: the account works at once, without a restart.
   *
   * @param request name, limits, telemetry
   * @param actor who asks
   * @param context the dashboard request the change is made for: its record carries it
   * @returns the new account
   * @throws {IdentityRequestError} for a bad name or one that exists
   */
  async createAccount(
    request: { name: string; limits?: Partial<AccountLimits>; telemetry?: boolean },
    actor: string,
    context?: AuditRequest,
  ): Promise<AccountRecord> {
    const name = validateAccountName(request.name);
    return await this.#recorded(
      { actor, context },
      "account.create",
      `account ${name}`,
      null,
      () =>
        this.#store.locked(async () => {
          if (await this.#store.account(name)) {
            throw new IdentityRequestError(`Account "${name}" exists already`);
          }
          const ops = await this.#keys("OPS");
          const identity = newKeyPair("account");
          const signing = newKeyPair("account");
          const now = this.#now();
          const record: AccountRecord = {
            name,
            kind: "tenant",
            publicKey: identity.getPublicKey(),
            signingKey: signing.getPublicKey(),
            limits: checkLimits({ ...defaultLimits("tenant"), ...request.limits }),
            telemetry: request.telemetry ?? true,
            revocations: {},
            activations: await telemetryActivations(
              { publicKey: identity.getPublicKey(), signing },
              ops.record.publicKey,
            ),
            createdAt: now,
            updatedAt: now,
          };
          await this.#store.saveAccount(record, { identity, signing });
          await this.#push(record);
          await this.#push(ops.record);
          return { result: record, after: accountSummary(record) };
        }),
    );
  }

  /**
   * Changes an account's limits or telemetry export live (connections over a lowered limit are
   * closed by the server).
   *
   * @param name the account
   * @param update the changes
   * @param actor who asks
   * @param context the dashboard request the change is made for: its record carries it
   * @returns the account after the change
   */
  async updateAccount(
    name: string,
    update: AccountUpdate,
    actor: string,
    context?: AuditRequest,
  ): Promise<AccountRecord> {
    const before = await this.account(name);
    return await this.#recorded(
      { actor, context },
      "account.update",
      `account ${name}`,
      accountSummary(before),
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys(name);
          if (update.telemetry !== undefined && a.record.kind !== "tenant") {
            throw new IdentityRequestError(
              `Account "${name}" is not a tenant: only tenants export telemetry to OPS`,
            );
          }
          const record: AccountRecord = {
            ...a.record,
            limits: checkLimits({ ...a.record.limits, ...update.limits }),
            telemetry: update.telemetry ?? a.record.telemetry,
            updatedAt: this.#now(),
          };
          await this.#store.saveAccount(record, a);
          await this.#push(record);
          if (record.telemetry !== a.record.telemetry) {
            await this.#push((await this.#keys("OPS")).record);
          }
          return { result: record, after: accountSummary(record) };
        }),
    );
  }

  /**
   * Issues a unit's credentials: a new key pair and a user JWT, signed by the account's signing
   * key, whose permissions name the unit (see `unitPermissions`). A guardian or app unit has
   * one active credential at a time: `replace` revokes the current one first.
   *
   * @param request account, unit, role, time master, expiry
   * @param actor who asks
   * @param context the dashboard request the change is made for: its record carries it
   * @returns the user and its `.creds`
   * @throws {IdentityRequestError} for a bad unit ID or role, or a unit that has credentials
   */
  async issueUnit(
    request: IssueUnitRequest,
    actor: string,
    context?: AuditRequest,
  ): Promise<Issued> {
    const account = validateAccountName(request.account ?? "OPS");
    const unitId = validateUnitId(request.unitId);
    const role = request.role ?? "app";
    if (!(UNIT_ROLES as readonly string[]).includes(role)) {
      throw new IdentityRequestError(
        `Invalid role "${role}": expected one of ${UNIT_ROLES.join(", ")}`,
      );
    }
    if ((role === "browser") !== unitId.startsWith(BROWSER_UNIT_PREFIX)) {
      throw new IdentityRequestError(
        role === "browser"
          ? `Invalid browser unit "${unitId}": browser units start with "${BROWSER_UNIT_PREFIX}"`
          : `Invalid unit "${unitId}": "${BROWSER_UNIT_PREFIX}…" is reserved for browsers`,
      );
    }
    if (request.timeMaster && role !== "guardian") {
      throw new IdentityRequestError(
        `Invalid unit "${unitId}": only a guardian can be time master`,
      );
    }
    const target = `unit ${unitId} in ${account}`;
    const issued = await this.#recorded(
      { actor, context },
      "user.issue",
      target,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys(account);
          if (a.record.kind === "system") {
            throw new IdentityRequestError(`Units cannot live in the system account "${account}"`);
          }
          const revoked: string[] = [];
          if (role !== "browser") {
            const current = (await this.#usersOf(account, unitId)).filter((u) =>
              u.active && u.kind === "unit"
            );
            if (current.length > 0 && !request.replace) {
              throw new IdentityRequestError(
                `Unit "${unitId}" in ${account} has credentials already (${
                  current[0]!.publicKey
                }, issued ${
                  isoSeconds(current[0]!.issuedAt)
                }): download them, or issue with replace to revoke them and issue new ones`,
              );
            }
            for (const u of current) revoked.push(u.publicKey);
          }
          const permissions = unitPermissions({
            role,
            unitId,
            timeMaster: request.timeMaster,
            extraPub: request.extraPub,
            extraSub: request.extraSub,
          });
          const issued = await this.#issue(a, {
            name: unitId,
            kind: "unit",
            role,
            unitId,
            ...(role === "guardian" ? { timeMaster: !!request.timeMaster } : {}),
            permissions,
            expiresAt: request.expiresAt === undefined
              ? null
              : Math.floor(request.expiresAt / 1000),
            issuedBy: actor,
            ...(request.session ? { session: request.session } : {}),
          });
          if (revoked.length > 0) await this.#revokeLocked(a, revoked);
          return {
            result: issued,
            after: {
              ...userSummary(issued.user),
              ...(revoked.length ? { replaced: revoked } : {}),
            },
          };
        }),
    );
    await this.#unitKeysChanged(account, [unitId]);
    return issued;
  }

  /**
   * Issues a JetStream console user: inside one tenant or OPS account, for one dashboard user,
   * with the NATS permissions of that user's role ({@linkcode consolePermissions}: a viewer's
   * reads, an operator's also writes data, an admin's is everything in the account), expiring
   * after `ttlMs`. The dashboard asks for one per account, dashboard user and role, and keeps it
   * until shortly before it expires.
   *
   * @param account the account
   * @param actor the dashboard user it acts for
   * @param role that user's role
   * @param ttlMs its lifetime (default 8 h)
   * @returns the user, its `.creds` and the inbox prefix its connection must use
   * @throws {IdentityRequestError} for the system account
   * @throws {IdentityNotFoundError} for an unknown account
   */
  async issueConsole(
    account: string,
    actor: string,
    role: ConsoleRole,
    ttlMs = 8 * 3600_000,
  ): Promise<IssuedConsole> {
    const name = validateAccountName(account);
    if (!(CONSOLE_ROLES as readonly string[]).includes(role)) {
      throw new IdentityRequestError(
        `Invalid console role "${role}": expected one of ${CONSOLE_ROLES.join(", ")}`,
      );
    }
    return await this.#recorded(
      { actor },
      "user.issue",
      `console user (${role}) in ${name}`,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys(name);
          if (a.record.kind === "system") {
            throw new IdentityRequestError(
              `The console does not act in the system account "${name}"`,
            );
          }
          // Its own inbox, not guessable: a viewer's console user reads no other inbox.
          const token = Array.from(crypto.getRandomValues(new Uint8Array(12)))
            .map((b) => b.toString(16).padStart(2, "0")).join("");
          const inboxPrefix = `_INBOX.console_${token}`;
          const permissions = consolePermissions(role, inboxPrefix);
          const issued = await this.#issue(a, {
            name: `console-${actor}`.slice(0, 64),
            kind: "console",
            ...(permissions ? { permissions } : {}),
            expiresAt: Math.floor((this.#now() + ttlMs) / 1000),
            issuedBy: actor,
          });
          return { result: { ...issued, role, inboxPrefix }, after: userSummary(issued.user) };
        }),
    );
  }

  /**
   * Issues one of nunect's own users (`dashboard-sys`, `controller-audit`, …) with
   * {@linkcode servicePermissions}, revoking the one it replaces.
   *
   * @param name which program's user
   * @param actor who asks
   * @returns the user and its `.creds`
   */
  async issueService(name: ServiceUserName, actor: string): Promise<Issued> {
    const spec = SERVICE_USERS[name];
    return await this.#recorded(
      { actor },
      "user.issue",
      `service user ${name}`,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys(spec.account);
          const previous = (await this.#usersOf(spec.account, name))
            .filter((u) => u.active && u.kind === "service" && u.name === name)
            .map((u) => u.publicKey);
          const permissions = servicePermissions(name, (await this.#systemKeys()).record.publicKey);
          const issued = await this.#issue(a, {
            name,
            kind: "service",
            ...(permissions ? { permissions } : {}),
            expiresAt: null,
            issuedBy: actor,
          });
          if (previous.length > 0) await this.#revokeLocked(a, previous);
          return { result: issued, after: userSummary(issued.user) };
        }),
    );
  }

  /**
   * Issues a router's claims link (see `routerClaimsLinkPermissions`): the system-account user its
   * leaf server links the system account with, to receive the account JWTs the controller pushes.
   * Revokes the router's previous link. Revoking the router's unit revokes its link too.
   *
   * @param unitId the router's unit ID
   * @param actor who asks
   * @returns the user and its `.creds` (for the router's bundle only)
   */
  async issueRouterLink(unitId: string, actor: string): Promise<Issued> {
    const id = validateUnitId(unitId);
    return await this.#recorded(
      { actor },
      "user.issue",
      `claims link of router ${id}`,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#systemKeys();
          const previous = (await this.#usersOf(a.record.name, id))
            .filter((u) => u.active && u.kind === "link")
            .map((u) => u.publicKey);
          const issued = await this.#issue(a, {
            name: id,
            kind: "link",
            unitId: id,
            permissions: routerClaimsLinkPermissions(),
            expiresAt: null,
            issuedBy: actor,
          });
          if (previous.length > 0) await this.#revokeLocked(a, previous);
          return { result: issued, after: userSummary(issued.user) };
        }),
    );
  }

  async #systemKeys() {
    const sys = (await this.#store.accounts()).find((a) => a.kind === "system");
    if (sys === undefined) throw new IdentityNotFoundError("No system account in the identity");
    return await this.#keys(sys.name);
  }

  async #issue(
    a: { record: AccountRecord; signing: KeyPair },
    u: Omit<UserRecord, "account" | "publicKey" | "issuedAt" | "revokedAt" | "jwt">,
  ): Promise<Issued> {
    const kp = newKeyPair("user");
    const perms = u.permissions as SubjectPermissions | undefined;
    const jwt = await encodeUser(u.name, kp, a.record.publicKey, {
      ...(perms
        ? {
          pub: { allow: [...(perms.pub.allow ?? [])], deny: [...(perms.pub.deny ?? [])] },
          sub: { allow: [...(perms.sub.allow ?? [])], deny: [...(perms.sub.deny ?? [])] },
        }
        : {}),
      ...(u.kind === "unit" ? { tags: [`unit:${u.unitId}`, `role:${u.role}`] } : {}),
      // A router's claims link logs in as its leaf server only, never as a client.
      ...(u.kind === "link"
        ? { tags: [`unit:${u.unitId}`, "role:link"], allowed_connection_types: ["LEAFNODE"] }
        : {}),
    }, { signer: a.signing, ...(u.expiresAt !== null ? { exp: u.expiresAt } : {}) });
    const user: UserRecord = {
      ...u,
      account: a.record.name,
      publicKey: kp.getPublicKey(),
      issuedAt: jwtClaims(jwt).iat,
      revokedAt: null,
      jwt,
    };
    const seed = decoder.decode(kp.getSeed());
    await this.#store.saveUser(user, seed);
    return { user, creds: decoder.decode(fmtCreds(jwt, kp)) };
  }

  /**
   * Users with their state, oldest first.
   *
   * @param filter account, unit, whether to include revoked and expired ones
   * @returns the users
   */
  async users(filter: UserFilter = {}): Promise<UserState[]> {
    const all = await this.#usersOf(filter.account, filter.unitId);
    return all.filter((u) => filter.all || u.active);
  }

  async #usersOf(account?: string, name?: string): Promise<UserState[]> {
    const nowS = this.#now() / 1000;
    const a = account === undefined ? undefined : validateAccountName(account);
    return (await this.#store.users(a, name))
      .map((u) => ({
        ...u,
        active: u.revokedAt === null && (u.expiresAt === null || u.expiresAt > nowS),
      }));
  }

  /**
   * A unit's `.creds` again (download). Recorded in the audit trail. Only guardian and app units'
   * credentials are handed out again: nunect's own programs' users (SYS among them) stay on this
   * host, a browser user goes to its session only, a console user to the dashboard only.
   *
   * @param account the account
   * @param publicKey the user
   * @param actor who asks
   * @param context the dashboard request the change is made for: its record carries it
   * @returns the `.creds` text
   * @throws {IdentityNotFoundError} for an unknown user; {IdentityRequestError} for a revoked one
   *   or one that is not a guardian or app unit
   */
  async creds(
    account: string,
    publicKey: string,
    actor: string,
    context?: AuditRequest,
  ): Promise<string> {
    return await this.#recorded(
      { actor, context },
      "user.creds",
      `user ${publicKey} in ${account}`,
      null,
      async () => {
        const u = await this.#store.user(validateAccountName(account), publicKey);
        if (u === undefined) {
          throw new IdentityNotFoundError(`Unknown user "${publicKey}" in account "${account}"`);
        }
        if (u.record.kind !== "unit" || u.record.role === "browser") {
          throw new IdentityRequestError(
            `User "${publicKey}" (${u.record.name}) is ${
              u.record.kind === "unit" ? "a browser's" : `a ${u.record.kind} user`
            }: only guardian and app units' credentials can be downloaded`,
          );
        }
        if (u.record.revokedAt !== null) {
          throw new IdentityRequestError(
            `User "${publicKey}" was revoked at ${
              isoSeconds(u.record.revokedAt)
            }: issue new credentials`,
          );
        }
        const kp = new NativeKeyPair(u.seed);
        return { result: decoder.decode(fmtCreds(u.record.jwt, kp)), after: userSummary(u.record) };
      },
    );
  }

  /**
   * Revokes users: adds them to their account's revocation list and hands the account JWT to the
   * resolver, which closes their connections at once and refuses them from then on (nats-server
   * 2.9 as well: no KICK needed).
   *
   * @param account the account
   * @param who the users' public keys, or a unit ID (every active user of that unit)
   * @param actor who asks
   * @param context the dashboard request the change is made for: its record carries it
   * @returns the users revoked
   * @throws {IdentityNotFoundError} when nothing matches
   */
  async revoke(
    account: string,
    who: { publicKeys: readonly string[] } | { unitId: string },
    actor: string,
    context?: AuditRequest,
  ): Promise<UserRecord[]> {
    const name = validateAccountName(account);
    const target = "unitId" in who
      ? `unit ${who.unitId} in ${name}`
      : who.publicKeys.length === 1
      ? `user ${who.publicKeys[0]} in ${name}`
      : `${who.publicKeys.length} users in ${name}`; // the keys are in the record's `after`
    const revoked = await this.#recorded(
      { actor, context },
      "user.revoke",
      target,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys(name);
          const users = "unitId" in who
            ? (await this.#usersOf(name, who.unitId)).filter((u) => u.active)
            : (await Promise.all(who.publicKeys.map((k) => this.#store.user(name, k))))
              .flatMap((u) => u === undefined ? [] : [u.record]);
          if (users.length === 0) {
            throw new IdentityNotFoundError(
              `Nothing to revoke: no ${"unitId" in who ? "active user of " : ""}${target}`,
            );
          }
          const revoked = await this.#revokeLocked(a, users.map((u) => u.publicKey));
          // A router's claims link goes with the router (an OPS unit), after the account JWT that
          // revokes the router has reached its leaf server over that link.
          if ("unitId" in who && a.record.kind === "ops") {
            const sys = await this.#systemKeys();
            const links = (await this.#usersOf(sys.record.name, who.unitId))
              .filter((u) => u.active && u.kind === "link");
            if (links.length > 0) {
              revoked.push(...await this.#revokeLocked(sys, links.map((u) => u.publicKey)));
            }
          }
          return { result: revoked, after: revoked.map(userSummary) };
        }),
    );
    await this.#unitKeysChanged(name, revoked.flatMap((u) => u.kind === "unit" ? [u.unitId!] : []));
    return revoked;
  }

  /**
   * Revokes every active browser user of a dashboard session (logout).
   *
   * @param session the session's tag, as given when its users were issued
   * @param actor who asks
   * @returns the users revoked (none when the session had none)
   */
  async revokeSession(session: string, actor: string): Promise<UserRecord[]> {
    const revoked = await this.#recorded(
      { actor },
      "user.revoke",
      `browser session ${session}`,
      null,
      () =>
        this.#store.locked(async () => {
          const a = await this.#keys("OPS");
          const users = (await this.#usersOf("OPS")).filter((u) =>
            u.active && u.role === "browser" && u.session === session
          );
          const revoked = users.length === 0
            ? []
            : await this.#revokeLocked(a, users.map((u) => u.publicKey));
          return { result: revoked, after: revoked.map(userSummary) };
        }),
    );
    await this.#unitKeysChanged("OPS", revoked.flatMap((u) => u.unitId ?? []));
    return revoked;
  }

  async #revokeLocked(
    a: { record: AccountRecord; identity: KeyPair; signing: KeyPair },
    publicKeys: readonly string[],
  ): Promise<UserRecord[]> {
    const nowS = Math.floor(this.#now() / 1000);
    const revoked: UserRecord[] = [];
    // In chunks: revoking a site's worth of users is hundreds of small files.
    for (let i = 0; i < publicKeys.length; i += 32) {
      const chunk = await Promise.all(
        publicKeys.slice(i, i + 32).map(async (key) => {
          const u = await this.#store.user(a.record.name, key);
          if (u === undefined) return undefined;
          const record = { ...u.record, revokedAt: u.record.revokedAt ?? nowS };
          await this.#store.saveUser(record, u.seed);
          return record;
        }),
      );
      for (const r of chunk) if (r !== undefined) revoked.push(r);
    }
    const record: AccountRecord = {
      ...a.record,
      revocations: {
        ...a.record.revocations,
        ...Object.fromEntries(publicKeys.map((k) => [k, nowS])),
      },
      updatedAt: this.#now(),
    };
    await this.#store.saveAccount(record, a);
    await this.#push(record);
    return revoked;
  }

  /**
   * Forgets expired browser users (their files and revocation entries): an expired JWT is refused
   * by the server anyway, and the account JWT must stay small.
   *
   * @returns how many users were removed
   */
  async pruneExpired(): Promise<number> {
    return await this.#store.locked(async () => {
      const nowS = this.#now() / 1000;
      let removed = 0;
      for (const a of await this.#store.accounts()) {
        const expired = (await this.#store.users(a.name)).filter((u) =>
          u.expiresAt !== null && u.expiresAt <= nowS
        );
        for (const u of expired) await this.#store.removeUser(a.name, u.publicKey);
        removed += expired.length;
        const revocations = await this.#prunedRevocations(a);
        if (Object.keys(revocations).length !== Object.keys(a.revocations).length) {
          const keys = await this.#keys(a.name);
          const record = { ...a, revocations, updatedAt: this.#now() };
          await this.#store.saveAccount(record, keys);
          await this.#push(record);
        }
      }
      return removed;
    });
  }

  async #prunedRevocations(a: AccountRecord): Promise<Record<string, number>> {
    const nowS = this.#now() / 1000;
    const out: Record<string, number> = {};
    for (const [key, at] of Object.entries(a.revocations)) {
      const u = await this.#store.user(a.name, key);
      // Kept unless the user's JWT has expired (or its record is gone after expiring).
      if (u !== undefined && (u.record.expiresAt === null || u.record.expiresAt > nowS)) {
        out[key] = at;
      }
    }
    return out;
  }

  /**
   * Hands every account's JWT to the resolver where it holds a different one (after changes made
   * while nats-server was down, or a server restored from an old backup).
   *
   * @returns the accounts updated
   */
  async sync(): Promise<string[]> {
    return await this.#sendClaims(false);
  }

  /**
   * Sends every account's JWT over `$SYS.REQ.CLAIMS.UPDATE` again, for routers' leaf nodes that
   * missed an update while their claims link was down (or that started again from their bundle's
   * older JWTs): where the hub holds the controller's claims it sends exactly the JWT the hub
   * holds, which the hub's servers take as no change and a leaf node that lacks it takes as an
   * update; elsewhere it pushes the controller's, as {@linkcode sync} does (so a republish is a
   * sync too). Under the store's lock, so it never sends an older JWT after a change.
   *
   * @returns the accounts whose JWT the hub lacked or held differently (updated, as by `sync`)
   */
  async republish(): Promise<string[]> {
    return await this.#sendClaims(true);
  }

  /**
   * sync's and republish's walk: the accounts updated; `resendHeld` also sends the held ones.
   * The most recently changed accounts go first: a router linking again takes the revocation it
   * missed before the other accounts' JWTs (hundreds of them) reach it.
   */
  #sendClaims(resendHeld: boolean): Promise<string[]> {
    return this.#store.locked(async () => {
      const updated: string[] = [];
      const all = await this.#store.accounts();
      const operator = await this.#store.operator();
      const newestFirst = [...all].sort((a, b) => b.updatedAt - a.updatedAt);
      for (const a of newestFirst) {
        const held = await this.#claims.lookup(a.publicKey);
        const current = await encodeAccountJwt(a, operator, a.kind === "ops" ? all : []);
        if (held !== null && sameClaims(held, current)) {
          if (resendHeld) await this.#claims.update(a.publicKey, held);
          continue;
        }
        await this.#claims.update(a.publicKey, current);
        updated.push(a.name);
      }
      return updated.sort();
    });
  }

  async #accountJwt(record: AccountRecord): Promise<string> {
    const operator = await this.#store.operator();
    const tenants = record.kind === "ops" ? await this.#store.accounts() : [];
    return await encodeAccountJwt(record, operator, tenants);
  }

  async #push(record: AccountRecord): Promise<void> {
    await this.#claims.update(record.publicKey, await this.#accountJwt(record));
  }

  /**
   * Where the record of a change made for a dashboard request went, and whether it records a
   * change made or one that failed: the service tells the dashboard, which stores no record of
   * its own for the request when this one is in the trail.
   *
   * @param context the `context` given to the change (the same object)
   * @returns the record's place and outcome; undefined when no change recorded for it (refused
   *   before it was tried, or its record could be stored nowhere)
   */
  recordFor(
    context: AuditRequest,
  ): { readonly place: AuditPlace; readonly ok: boolean } | undefined {
    return this.#records.get(context);
  }

  // Records a change, made or failed: who asked (with the dashboard request it came in, if
  // any), what, on what, before and after. A change made whose record can be stored nowhere is
  // not reported as done.
  async #recorded<T>(
    who: { readonly actor: string; readonly context?: AuditRequest },
    action: string,
    target: string,
    before: unknown,
    change: () => Promise<{ result: T; after: unknown }>,
  ): Promise<T> {
    const { actor, context } = who;
    const asked = { ...context, actor, action, target, before };
    let outcome: { result: T; after: unknown };
    try {
      outcome = await change();
    } catch (e) {
      const error = (e as Error).message.slice(0, 1024);
      const failure = { ...asked, after: null, ok: false, error };
      // The failure is reported either way; unrecorded, its record goes to the log and the
      // caller (not told `recorded`) records it.
      const place = await this.#audit.append(failure).catch((cause) => {
        unstored(failure, cause);
        return undefined;
      });
      if (context !== undefined && place !== undefined) {
        this.#records.set(context, { place, ok: false });
      }
      throw e;
    }
    const record = { ...asked, after: outcome.after, ok: true };
    let place: AuditPlace;
    try {
      place = await this.#audit.append(record);
    } catch (cause) {
      unstored(record, cause);
      throw new UnrecordedChangeError(
        `The change "${action}" on "${target}" was made, but its audit record could not be stored (${
          (cause as Error).message
        }): the record is in the controller's log`,
        { cause },
      );
    }
    if (context !== undefined) this.#records.set(context, { place, ok: true });
    return outcome.result;
  }
}

// A record that could be stored nowhere goes to the log whole, so that it is never lost.
function unstored(record: object, cause: unknown): void {
  console.error(
    `controller: audit record not stored (${(cause as Error).message}): ${JSON.stringify(record)}`,
  );
}

function checkLimits(limits: unknown): AccountLimits {
  const r = accountLimitsSchema.safeParse(limits);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new IdentityRequestError(
    `Invalid account limit ${issue?.path.join(".")}: ${issue?.message} (-1 means unlimited)`,
  );
}

function accountSummary(a: AccountRecord) {
  return {
    name: a.name,
    kind: a.kind,
    publicKey: a.publicKey,
    limits: a.limits,
    telemetry: a.telemetry,
    revocations: Object.keys(a.revocations).length,
  };
}

function userSummary(u: UserRecord) {
  return {
    account: u.account,
    publicKey: u.publicKey,
    name: u.name,
    kind: u.kind,
    ...(u.role ? { role: u.role } : {}),
    ...(u.timeMaster ? { timeMaster: true } : {}),
    expiresAt: u.expiresAt,
    revokedAt: u.revokedAt,
  };
}

function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** Two account JWTs carry the same claims (ignoring when and by whom they were signed). */
function sameClaims(a: string, b: string): boolean {
  const strip = (jwt: string) => {
    const { iat: _i, jti: _j, ...rest } = jwtClaims(jwt);
    return JSON.stringify(rest);
  };
  return strip(a) === strip(b);
}
