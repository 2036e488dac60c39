import type { NatsConnection } from "@nats-io/nats-core";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { KvMap } from "./_kv_map.ts";
import { AccessConflictError, InvalidAccessInputError, UnknownAccessError } from "./errors.ts";
import {
  checkNewPassword,
  hashPassword,
  needsRehash,
  verifyNothing,
  verifyPassword,
} from "./password.ts";
import { type Role, roleSchema, type Scope, scopeSchema } from "./roles.ts";
import { randomCode, SecretBox, sha256Hex } from "./sealed.ts";
import { newTotpSecret, otpauthUri, verifyTotp } from "./totp.ts";

/** A dashboard user name: one NATS subject token (it is a KV key), 1-64 characters. */
export const USER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** zod schema of a user name. */
export const userNameSchema = z.string().regex(
  USER_NAME,
  "expected letters, digits, _ and -, up to 64 characters",
);

/** How many recovery codes a user gets with a second factor. */
export const RECOVERY_CODES = 10;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** A user as the bucket keeps it (password hash, sealed TOTP secret, hashed recovery codes). */
const userRecordSchema = z.object({
  name: userNameSchema,
  role: roleSchema,
  scope: scopeSchema,
  disabled: z.boolean(),
  note: z.string().max(200),
  password: z.string().max(512),
  passwordChangedAt: z.number(),
  totp: z.object({
    secret: z.string().max(512),
    enabled: z.boolean(),
    usedStep: z.number(),
    recovery: z.array(hex64).max(16),
  }).nullable(),
  created: z.number(),
  updated: z.number(),
});

type UserRecord = z.infer<typeof userRecordSchema>;

/** A user as pages, the API and the audit trail show it: no hash, no secret. */
export interface UserView {
  /** The login name. */
  readonly name: string;
  /** The role. */
  readonly role: Role;
  /** The accounts (null: every account). */
  readonly scope: Scope;
  /** A disabled user cannot log in, and its sessions and tokens are refused. */
  readonly disabled: boolean;
  /** Free text (who, which team). */
  readonly note: string;
  /** Second factor: `off`, `pending` (enrolment begun, not confirmed) or `on`. */
  readonly totp: "off" | "pending" | "on";
  /** Unused recovery codes. */
  readonly recoveryLeft: number;
  /** When the password was last set, ms since the epoch. */
  readonly passwordChangedAt: number;
  /** When the user was created. */
  readonly created: number;
  /** When the user was last changed. */
  readonly updated: number;
}

/** zod schema of {@linkcode UserView} (the API's answers). */
export const userViewSchema = z.object({
  name: z.string(),
  role: roleSchema,
  scope: z.array(z.string()).nullable(),
  disabled: z.boolean(),
  note: z.string(),
  totp: z.enum(["off", "pending", "on"]),
  recoveryLeft: z.number().int(),
  passwordChangedAt: z.number(),
  created: z.number(),
  updated: z.number(),
});
true satisfies Agrees<z.output<typeof userViewSchema>, UserView>;

/** What an admin gives for a new user. */
export const newUserSchema = z.object({
  name: userNameSchema,
  role: roleSchema,
  scope: scopeSchema.default(null),
  password: z.string(),
  note: z.string().max(200).default(""),
});

/** What an admin gives for a new user. */
export interface NewUser {
  /** The login name: letters, digits, `_` and `-`, up to 64 characters. */
  name: string;
  /** The role. */
  role: Role;
  /** The accounts (null or left out: every account). */
  scope?: Scope | undefined;
  /** The first password (checked against the password rules). */
  password: string;
  /** Free text (who, which team), up to 200 characters; empty when left out. */
  note?: string | undefined;
}
true satisfies Agrees<z.input<typeof newUserSchema>, NewUser>;

/** What an admin may change about a user (each field optional). */
export const userPatchSchema = z.object({
  role: roleSchema.optional(),
  scope: scopeSchema.optional(),
  note: z.string().max(200).optional(),
  disabled: z.boolean().optional(),
});

/** What an admin may change about a user; a field left out stays as it is. */
export interface UserPatch {
  /** The new role. */
  role?: Role | undefined;
  /** The new accounts (null: every account). */
  scope?: Scope | undefined;
  /** The new note, up to 200 characters. */
  note?: string | undefined;
  /** Disables (true) or enables the user. */
  disabled?: boolean | undefined;
}
true satisfies Agrees<z.output<typeof userPatchSchema>, UserPatch>;

/** What enrolling a second factor shows the user once. */
export interface TotpEnrolment {
  /** The shared secret, base32 (to type into an app). */
  readonly secret: string;
  /** The `otpauth://` URI (for a QR code). */
  readonly uri: string;
}

/** Options of {@linkcode UserStore.open}. */
export interface UserStoreOptions {
  /** DASHBOARD_SECRET: seals TOTP secrets. */
  readonly secret: string;
  /** Who TOTP codes are for in authenticator apps, e.g. `nunect ops.example.org`. */
  readonly issuer: string;
  /** KV bucket in OPS (default `nunect_users`); null keeps users in this process only. */
  readonly bucket?: string | null;
  /** Replicas of the bucket (default 1). */
  readonly replicas?: number;
}

function view(r: UserRecord): UserView {
  return {
    name: r.name,
    role: r.role,
    scope: r.scope,
    disabled: r.disabled,
    note: r.note,
    totp: r.totp === null ? "off" : r.totp.enabled ? "on" : "pending",
    recoveryLeft: r.totp?.enabled ? r.totp.recovery.length : 0,
    passwordChangedAt: r.passwordChangedAt,
    created: r.created,
    updated: r.updated,
  };
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new InvalidAccessInputError(`Invalid ${i.path.join(".") || what}: ${i.message}`);
}

/**
 * Dashboard users in a JetStream KV bucket of the OPS account (`nunect_users`), mirrored in
 * memory by every dashboard instance: names, roles, account scopes, argon2id password hashes,
 * optional TOTP second factors (secrets sealed under DASHBOARD_SECRET) with hashed recovery
 * codes. The `.env` admin is created when the bucket holds nobody ({@linkcode UserStore.bootstrap}).
 * There is always at least one enabled unscoped admin: the last one cannot be disabled, demoted
 * or scoped.
 */
export class UserStore {
  readonly #map: KvMap<UserRecord>;
  readonly #box: SecretBox;
  readonly #issuer: string;

  private constructor(map: KvMap<UserRecord>, options: UserStoreOptions) {
    this.#map = map;
    this.#box = new SecretBox(options.secret);
    this.#issuer = options.issuer;
  }

  /**
   * Opens (or creates) the bucket and loads every user.
   *
   * @param nc an OPS connection, or null with `bucket: null`
   * @param options secret, issuer, bucket, replicas
   * @returns the store
   * @throws when the bucket cannot be created (JetStream off for the account)
   */
  static async open(nc: NatsConnection | null, options: UserStoreOptions): Promise<UserStore> {
    const bucket = options.bucket === undefined ? "nunect_users" : options.bucket;
    const map = await KvMap.open(bucket === null ? null : nc, bucket ?? "", userRecordSchema, {
      description: "nunect dashboard users: roles, scopes, password hashes (mods/access)",
      replicas: options.replicas,
    });
    return new UserStore(map, options);
  }

  /** Whether users live in KV (shared by every instance) or in this process only. */
  get shared(): boolean {
    return this.#map.shared;
  }

  /**
   * Creates the first user, an unscoped admin, when the bucket holds nobody: the `.env` admin
   * (DASHBOARD_ADMIN_USER and _PASSWORD). Later changes to those variables change nothing.
   *
   * @param name DASHBOARD_ADMIN_USER
   * @param password DASHBOARD_ADMIN_PASSWORD
   * @returns whether the user was created now
   */
  async bootstrap(name: string, password: string): Promise<boolean> {
    if (this.#map.entries().length > 0) return false;
    const now = Date.now();
    try {
      await this.#map.create(name, {
        name,
        role: "admin",
        scope: null,
        disabled: false,
        note: "created from DASHBOARD_ADMIN_USER",
        password: await hashPassword(password),
        passwordChangedAt: now,
        totp: null,
        created: now,
        updated: now,
      });
      return true;
    } catch (e) {
      if (e instanceof AccessConflictError) return false; // another instance was first
      throw e;
    }
  }

  /**
   * Every user, by name.
   *
   * @returns the users
   */
  list(): UserView[] {
    return this.#map.entries().map(([, v]) => view(v.value))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * One user.
   *
   * @param name the user's name
   * @returns the user, or undefined
   */
  async get(name: string): Promise<UserView | undefined> {
    if (!USER_NAME.test(name)) return undefined;
    const r = await this.#map.get(name);
    return r === undefined ? undefined : view(r.value);
  }

  /**
   * One user, or an error naming it.
   *
   * @param name the user's name
   * @returns the user
   * @throws {UnknownAccessError} when there is no such user
   */
  async need(name: string): Promise<UserView> {
    const u = await this.get(name);
    if (u === undefined) throw new UnknownAccessError(`Unknown user "${name.slice(0, 64)}"`);
    return u;
  }

  /**
   * Creates a user.
   *
   * @param input name, role, scope, password, note
   * @returns the user
   * @throws {InvalidAccessInputError} naming a bad field (a short password, a bad name)
   * @throws {AccessConflictError} when the name is taken
   */
  async create(input: NewUser): Promise<UserView> {
    const u = parse(newUserSchema, input, "user");
    checkNewPassword(u.password);
    const now = Date.now();
    const record: UserRecord = {
      name: u.name,
      role: u.role,
      scope: u.scope,
      disabled: false,
      note: u.note,
      password: await hashPassword(u.password),
      passwordChangedAt: now,
      totp: null,
      created: now,
      updated: now,
    };
    await this.#map.create(u.name, record).catch((e) => {
      throw e instanceof AccessConflictError
        ? new AccessConflictError(`User "${u.name}" exists already`, { cause: e })
        : e;
    });
    return view(record);
  }

  /**
   * Changes a user's role, scope, note or whether it is disabled.
   *
   * @param name the user
   * @param patch what to change
   * @returns the user before and after
   * @throws {UnknownAccessError} for an unknown user
   * @throws {AccessConflictError} when the change would leave no enabled unscoped admin
   */
  async update(name: string, patch: UserPatch): Promise<{ before: UserView; after: UserView }> {
    const p = parse(userPatchSchema, patch, "change");
    let before: UserView | undefined;
    const after = await this.#modify(name, (r) => {
      before = view(r);
      const next = {
        ...r,
        ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
        updated: Date.now(),
      } as UserRecord;
      this.#keepAnAdmin(r, next);
      return next;
    });
    return { before: before!, after: view(after) };
  }

  /**
   * Sets a new password (an admin's reset, or the user's own change).
   *
   * @param name the user
   * @param password the new password
   * @returns the user
   * @throws {InvalidAccessInputError} for a password that is too short or too long
   * @throws {UnknownAccessError} for an unknown user
   */
  async setPassword(name: string, password: string): Promise<UserView> {
    checkNewPassword(password);
    const hash = await hashPassword(password);
    return view(
      await this.#modify(name, (r) => ({
        ...r,
        password: hash,
        passwordChangedAt: Date.now(),
        updated: Date.now(),
      })),
    );
  }

  /**
   * Checks a login's name and password. Unknown and disabled users cost as much time as known
   * ones, and get the same answer.
   *
   * @param name the name given
   * @param password the password given
   * @returns the user and whether a second factor is due, or undefined
   */
  async authenticate(
    name: string,
    password: string,
  ): Promise<{ user: UserView; secondFactor: boolean } | undefined> {
    const r = USER_NAME.test(name) ? await this.#map.get(name) : undefined;
    if (r === undefined) return void await verifyNothing(password);
    if (!await verifyPassword(password, r.value.password) || r.value.disabled) return undefined;
    if (needsRehash(r.value.password)) {
      const hash = await hashPassword(password);
      await this.#modify(name, (cur) => ({ ...cur, password: hash })).catch(() => {});
    }
    return { user: view(r.value), secondFactor: r.value.totp?.enabled === true };
  }

  /**
   * Checks a password of a known user (before changing one's own password or second factor).
   *
   * @param name the user
   * @param password the password given
   * @returns whether it is the user's password
   */
  async checkPassword(name: string, password: string): Promise<boolean> {
    const r = await this.#map.get(name);
    return r !== undefined && await verifyPassword(password, r.value.password);
  }

  /**
   * Begins enrolling a second factor: a new secret, stored sealed and not yet in force.
   *
   * @param name the user
   * @returns the secret and its `otpauth://` URI, to show once
   * @throws {AccessConflictError} when a second factor is in force already
   */
  async totpBegin(name: string): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const sealed = await this.#box.seal(secret, name);
    await this.#modify(name, (r) => {
      if (r.totp?.enabled) {
        throw new AccessConflictError(
          `User "${name}" has a second factor already: remove it first to set up another`,
        );
      }
      return {
        ...r,
        totp: { secret: sealed, enabled: false, usedStep: -1, recovery: [] },
        updated: Date.now(),
      };
    });
    return { secret, uri: otpauthUri(this.#issuer, name, secret) };
  }

  /**
   * Completes enrolment with a code from the app: the second factor is in force from now on.
   *
   * @param name the user
   * @param code the app's current code
   * @param now the current time in ms
   * @returns the recovery codes (shown once; only their hashes are kept)
   * @throws {InvalidAccessInputError} for a wrong code or no enrolment begun
   */
  async totpConfirm(name: string, code: string, now = Date.now()): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, () => {
      const c = randomCode(16);
      return `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8, 12)}-${c.slice(12)}`;
    });
    const hashes = await Promise.all(codes.map((c) => recoveryHash(name, c)));
    await this.#modify(name, async (r) => {
      if (r.totp === null || r.totp.enabled) {
        throw new InvalidAccessInputError("No second factor is being set up: begin again");
      }
      const step = await this.#checkCode(r, code, now);
      if (step === undefined) {
        throw new InvalidAccessInputError("Invalid code: check the app's clock and try again");
      }
      return {
        ...r,
        totp: { ...r.totp, enabled: true, usedStep: step, recovery: hashes },
        updated: Date.now(),
      };
    });
    return codes;
  }

  /**
   * Removes a user's second factor (the user, after a password check, or an admin's reset).
   *
   * @param name the user
   * @returns the user
   */
  async totpRemove(name: string): Promise<UserView> {
    return view(await this.#modify(name, (r) => ({ ...r, totp: null, updated: Date.now() })));
  }

  /**
   * Checks a login's second factor: a TOTP code (each works once) or a recovery code (used up).
   *
   * @param name the user
   * @param code a 6-digit code or a recovery code
   * @param now the current time in ms
   * @returns how it was proven, or undefined
   */
  async secondFactor(
    name: string,
    code: string,
    now = Date.now(),
  ): Promise<"totp" | "recovery" | undefined> {
    let how: "totp" | "recovery" | undefined;
    await this.#modify(name, async (r) => {
      how = undefined;
      if (r.totp === null || !r.totp.enabled || r.disabled) return r;
      const step = await this.#checkCode(r, code, now);
      if (step !== undefined) {
        how = "totp";
        return { ...r, totp: { ...r.totp, usedStep: step } };
      }
      const hash = await recoveryHash(name, code.trim().toLowerCase());
      if (r.totp.recovery.includes(hash)) {
        how = "recovery";
        return { ...r, totp: { ...r.totp, recovery: r.totp.recovery.filter((h) => h !== hash) } };
      }
      return r;
    }).catch((e) => {
      if (!(e instanceof AccessConflictError)) throw e;
      how = undefined;
    });
    return how;
  }

  /** Stops following the bucket. */
  close(): void {
    this.#map.close();
  }

  async #checkCode(r: UserRecord, code: string, now: number): Promise<number | undefined> {
    if (r.totp === null) return undefined;
    const secret = await this.#box.open(r.totp.secret, r.name);
    if (secret === undefined) return undefined;
    return await verifyTotp(secret, code, now, r.totp.usedStep);
  }

  #keepAnAdmin(before: UserRecord, after: UserRecord): void {
    const isAdmin = (r: UserRecord) => r.role === "admin" && r.scope === null && !r.disabled;
    if (!isAdmin(before) || isAdmin(after)) return;
    const others = this.#map.entries().filter(([k, v]) => k !== before.name && isAdmin(v.value));
    if (others.length === 0) {
      throw new AccessConflictError(
        `User "${before.name}" is the last enabled admin of every account: make another one first`,
      );
    }
  }

  async #modify(
    name: string,
    change: (r: UserRecord) => UserRecord | Promise<UserRecord>,
  ): Promise<UserRecord> {
    if (!USER_NAME.test(name) || await this.#map.get(name) === undefined) {
      throw new UnknownAccessError(`Unknown user "${name.slice(0, 64)}"`);
    }
    return await this.#map.modify(name, change);
  }
}

function recoveryHash(user: string, code: string): Promise<string> {
  return sha256Hex(`nunect recovery\n${user}\n${code}`);
}
