import type { KeyPair } from "@nats-io/jwt";
import { z } from "zod";
import { accountLimitsSchema, type AccountRecord } from "./accounts.ts";
import { type IdentityPaths, identityPaths } from "./creds_files.ts";
import { IdentityStoreError } from "./errors.ts";
import { NativeKeyPair } from "./keys.ts";
import { UNIT_ROLES } from "./permissions.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A user as the controller keeps it (public parts; the seed stays in the store). */
export interface UserRecord {
  /** The account's name. */
  readonly account: string;
  /** The user's public key (`U…`). */
  readonly publicKey: string;
  /** The JWT's name: the unit ID, or the program (`dashboard-sys`). */
  readonly name: string;
  /**
   * `unit` (guardian, app, browser), `service` (one of nunect's own programs), `console` (the
   * JetStream console acting for a dashboard user inside one account) or `link` (a router's
   * claims link in the system account, see `routerClaimsLinkPermissions`).
   */
  readonly kind: "unit" | "service" | "console" | "link";
  /** Units: the role. */
  readonly role?: (typeof UNIT_ROLES)[number];
  /** Units: the unit ID its permissions name; links: the router's unit ID. */
  readonly unitId?: string;
  /** Guardians: may publish `ops.time.config`. */
  readonly timeMaster?: boolean;
  /** The permissions in its JWT (absent: everything in its account). */
  readonly permissions?: {
    readonly pub: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
    readonly sub: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  };
  /** Issued, s since the epoch (the JWT's `iat`). */
  readonly issuedAt: number;
  /** Expiry, s since the epoch, or null for none. */
  readonly expiresAt: number | null;
  /** When it was revoked (s since the epoch), or null. */
  readonly revokedAt: number | null;
  /** Who issued it. */
  readonly issuedBy: string;
  /** Browser users: the dashboard session it belongs to (an opaque tag, not the session ID). */
  readonly session?: string;
  /** The user JWT (public). */
  readonly jwt: string;
}

const permissionListSchema = z.object({
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
});

const userFileSchema = z.object({
  account: z.string(),
  publicKey: z.string().regex(/^U[A-Z2-7]{55}$/),
  name: z.string(),
  kind: z.enum(["unit", "service", "console", "link"]),
  role: z.enum(UNIT_ROLES).optional(),
  unitId: z.string().optional(),
  timeMaster: z.boolean().optional(),
  permissions: z.object({ pub: permissionListSchema, sub: permissionListSchema }).optional(),
  issuedAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  issuedBy: z.string(),
  session: z.string().optional(),
  jwt: z.string(),
  seed: z.string().regex(/^SU[A-Z2-7]{56}$/),
});

const accountFileSchema = z.object({
  name: z.string(),
  kind: z.enum(["system", "ops", "tenant"]),
  publicKey: z.string().regex(/^A[A-Z2-7]{55}$/),
  signingKey: z.string().regex(/^A[A-Z2-7]{55}$/),
  limits: accountLimitsSchema,
  telemetry: z.boolean(),
  revocations: z.record(z.string(), z.number()),
  activations: z.record(z.string(), z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
  seed: z.string().regex(/^SA[A-Z2-7]{56}$/),
  signingSeed: z.string().regex(/^SA[A-Z2-7]{56}$/),
});

type AccountFile = z.infer<typeof accountFileSchema>;
type UserFile = z.infer<typeof userFileSchema>;

/**
 * Writes a file atomically (temporary file, then rename) with owner-only permissions.
 *
 * @param path the file
 * @param text its contents
 * @param mode permission bits (default 0600)
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeFile(tmp, encoder.encode(text), { mode });
  await Deno.chmod(tmp, mode);
  await Deno.rename(tmp, path);
}

async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new IdentityStoreError(`Cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IdentityStoreError(`Cannot parse "${path}": not JSON`, { cause: e });
  }
}

function parsed<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new IdentityStoreError(
    `Invalid identity file "${path}": ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
  );
}

/**
 * The controller's files: the operator's seed and JWT, each account (record and seeds) and each
 * user it issued (record, JWT and seed), like nsc's key store. Only the controller's permission
 * set may read the private directory. Changes are serialised with {@linkcode IdentityStore.locked}
 * so the controller service and the CLI can both write.
 */
export class IdentityStore {
  /** The directory layout. */
  readonly paths: IdentityPaths;

  /**
   * Creates it.
   *
   * @param root NATS_IDENTITY_DIR (absolute)
   */
  constructor(root: string) {
    this.paths = identityPaths(root);
  }

  get #operatorSeedPath(): string {
    return `${this.paths.private}/operator.nk`;
  }

  /** Path of the operator JWT kept in the store. */
  get operatorJwtPath(): string {
    return `${this.paths.private}/operator.jwt`;
  }

  #accountPath(name: string): string {
    return `${this.paths.private}/accounts/${name}.json`;
  }

  #usersDir(account: string): string {
    return `${this.paths.private}/users/${account}`;
  }

  // `<name>.<publicKey>.json`: a unit's users are found by listing one directory, without
  // reading every user's file.
  #userPath(account: string, name: string, publicKey: string): string {
    return `${this.#usersDir(account)}/${name}.${publicKey}.json`;
  }

  // While the lock is held, each account's directory is listed once and kept up to date by this
  // store's own writes (nobody else writes then): revoking 500 users is not 500 listings.
  #listings: Map<string, Set<string>> | undefined;

  async #listing(account: string): Promise<Iterable<string>> {
    if (this.#listings === undefined) return await listNames(this.#usersDir(account), ".json");
    let names = this.#listings.get(account);
    if (names === undefined) {
      names = new Set(await listNames(this.#usersDir(account), ".json"));
      this.#listings.set(account, names);
    }
    return names;
  }

  async #userFiles(account: string, match: (name: string, key: string) => boolean) {
    const out: string[] = [];
    for (const file of await this.#listing(account)) {
      const dot = file.lastIndexOf(".");
      if (dot > 0 && match(file.slice(0, dot), file.slice(dot + 1))) {
        out.push(`${this.#usersDir(account)}/${file}.json`);
      }
    }
    return out;
  }

  async #readUser(path: string): Promise<{ record: UserRecord; seed: string } | undefined> {
    const json = await readJson(path);
    if (json === undefined) return undefined;
    const { seed, ...record } = parsed(userFileSchema, json, path) as UserFile;
    return { record: record as UserRecord, seed };
  }

  /**
   * Runs `fn` holding an exclusive lock on the store (a file lock, so it also excludes other
   * processes: the controller service and `deno task identity` commands).
   *
   * @param fn the change
   * @returns what `fn` returns
   */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await Deno.mkdir(this.paths.private, { recursive: true, mode: 0o700 });
    const file = await Deno.open(`${this.paths.private}/.lock`, {
      create: true,
      write: true,
      mode: 0o600,
    });
    try {
      await file.lock(true);
      this.#listings = new Map();
      return await fn();
    } finally {
      this.#listings = undefined;
      file.close();
    }
  }

  /** Whether the operator exists (the store was initialised). */
  async exists(): Promise<boolean> {
    try {
      await Deno.stat(this.#operatorSeedPath);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw new IdentityStoreError(
        `Cannot read the identity store "${this.paths.private}": ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  /**
   * The operator's key pair.
   *
   * @throws {IdentityStoreError} when the store has no operator yet
   */
  async operator(): Promise<KeyPair> {
    let seed: string;
    try {
      seed = (await Deno.readTextFile(this.#operatorSeedPath)).trim();
    } catch (e) {
      throw new IdentityStoreError(
        `No operator in "${this.paths.private}": run \`deno task identity init\` (deno task start does it on first start)`,
        { cause: e },
      );
    }
    return new NativeKeyPair(seed);
  }

  /** The operator JWT. */
  async operatorJwt(): Promise<string> {
    return (await Deno.readTextFile(this.operatorJwtPath)).trim();
  }

  /**
   * Stores the operator's seed and JWT.
   *
   * @param kp the operator's key pair
   * @param jwt its self-signed JWT
   */
  async saveOperator(kp: KeyPair, jwt: string): Promise<void> {
    await writeFileAtomic(this.#operatorSeedPath, decoder.decode(kp.getSeed()) + "\n");
    await writeFileAtomic(this.operatorJwtPath, jwt + "\n", 0o644);
  }

  /**
   * One account with its key pairs.
   *
   * @param name the account's name
   * @returns the record and keys, or undefined when there is no such account
   */
  async account(
    name: string,
  ): Promise<{ record: AccountRecord; identity: KeyPair; signing: KeyPair } | undefined> {
    const path = this.#accountPath(name);
    const json = await readJson(path);
    if (json === undefined) return undefined;
    const { seed, signingSeed, ...record } = parsed(accountFileSchema, json, path);
    return {
      record,
      identity: new NativeKeyPair(seed),
      signing: new NativeKeyPair(signingSeed),
    };
  }

  /** Every account's record, by name. */
  async accounts(): Promise<AccountRecord[]> {
    const out: AccountRecord[] = [];
    for (const name of await listNames(`${this.paths.private}/accounts`, ".json")) {
      const a = await this.account(name);
      if (a) out.push(a.record);
    }
    return out.sort((a, b) => a.name < b.name ? -1 : 1);
  }

  /**
   * Stores an account.
   *
   * @param record its public state
   * @param keys its identity and signing key pairs
   */
  async saveAccount(
    record: AccountRecord,
    keys: { identity: KeyPair; signing: KeyPair },
  ): Promise<void> {
    const file: AccountFile = {
      ...record,
      revocations: { ...record.revocations },
      activations: { ...record.activations },
      seed: decoder.decode(keys.identity.getSeed()),
      signingSeed: decoder.decode(keys.signing.getSeed()),
    };
    await writeFileAtomic(this.#accountPath(record.name), JSON.stringify(file, null, 2) + "\n");
  }

  /**
   * One user with its seed.
   *
   * @param account the account's name
   * @param publicKey the user's public key
   * @returns record and seed, or undefined
   */
  async user(
    account: string,
    publicKey: string,
  ): Promise<{ record: UserRecord; seed: string } | undefined> {
    const [path] = await this.#userFiles(account, (_, key) => key === publicKey);
    return path === undefined ? undefined : await this.#readUser(path);
  }

  /**
   * Users of one account (or of all), optionally only those of one name (unit ID).
   *
   * @param account only this account
   * @param name only users of this name
   * @returns records, oldest first
   */
  async users(account?: string, name?: string): Promise<UserRecord[]> {
    const accounts = account === undefined
      ? await listNames(`${this.paths.private}/users`, "")
      : [account];
    const out: UserRecord[] = [];
    for (const a of accounts) {
      for (const path of await this.#userFiles(a, (n) => name === undefined || n === name)) {
        const u = await this.#readUser(path);
        if (u) out.push(u.record);
      }
    }
    return out.sort((a, b) => a.issuedAt - b.issuedAt || (a.name < b.name ? -1 : 1));
  }

  /**
   * Stores a user.
   *
   * @param record its public state
   * @param seed its seed (`SU…`)
   */
  async saveUser(record: UserRecord, seed: string): Promise<void> {
    const file = { ...record, seed };
    await writeFileAtomic(
      this.#userPath(record.account, record.name, record.publicKey),
      JSON.stringify(file, null, 2) + "\n",
    );
    this.#listings?.get(record.account)?.add(`${record.name}.${record.publicKey}`);
  }

  /**
   * Removes a user's file (expired browser users, once their revocation entry is pruned too).
   *
   * @param account the account's name
   * @param publicKey the user's public key
   */
  async removeUser(account: string, publicKey: string): Promise<void> {
    for (const path of await this.#userFiles(account, (_, key) => key === publicKey)) {
      await Deno.remove(path).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
      const file = path.slice(path.lastIndexOf("/") + 1, -".json".length);
      this.#listings?.get(account)?.delete(file);
    }
  }
}

async function listNames(dir: string, ext: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (ext === "" ? e.isDirectory : e.isFile && e.name.endsWith(ext)) {
        names.push(ext === "" ? e.name : e.name.slice(0, -ext.length));
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new IdentityStoreError(`Cannot list "${dir}": ${(e as Error).message}`, { cause: e });
  }
  return names.sort();
}
