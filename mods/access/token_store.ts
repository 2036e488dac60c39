import type { NatsConnection } from "@nats-io/nats-core";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { KvMap } from "./_kv_map.ts";
import { AccessDeniedError, InvalidAccessInputError, UnknownAccessError } from "./errors.ts";
import {
  lesserRole,
  narrowScope,
  type Role,
  roleAllows,
  roleSchema,
  type Scope,
  scopeSchema,
} from "./roles.ts";
import { randomToken, sha256Hex } from "./sealed.ts";
import { safeEqualHex } from "./_compare.ts";

/**
 * An API token as scripts send it: `nunect_<id>_<secret>` (the prefix lets secret scanners find
 * a leaked one; the ID names it in lists and the audit trail; the secret is 256 random bits).
 */
export const TOKEN_PATTERN = /^nunect_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The longest a token may live, in days. */
export const MAX_TOKEN_DAYS = 366;

const tokenRecordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  user: z.string().max(64),
  name: z.string().max(100),
  role: roleSchema,
  scope: scopeSchema,
  created: z.number(),
  expires: z.number(),
  lastUsed: z.number().nullable(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A token as lists show it: never its secret or hash. */
export interface TokenView {
  /** The token's ID (16 hex digits, the first part of the secret). */
  readonly id: string;
  /** Its user. */
  readonly user: string;
  /** What the user named it. */
  readonly name: string;
  /** Its role (the user's or less). */
  readonly role: Role;
  /** Its accounts (within the user's), or null for every account the user has. */
  readonly scope: Scope;
  /** When it was created (ms since the epoch). */
  readonly created: number;
  /** When it expires (ms since the epoch). */
  readonly expires: number;
  /** When it was last used, or null. */
  readonly lastUsed: number | null;
}

/** A token as stored: its view and the SHA-256 of its secret. */
type TokenRecord = TokenView & { readonly hash: string };

/** zod schema of {@linkcode TokenView} (the API's answers). */
export const tokenViewSchema = tokenRecordSchema.omit({ hash: true });
true satisfies Agrees<z.output<typeof tokenViewSchema>, TokenView>;

/** What a user asks for: a name, a role and scope within its own, a lifetime. */
export const newTokenSchema = z.object({
  name: z.string().min(1, "a name is required").max(100),
  role: roleSchema.optional(),
  scope: scopeSchema.optional(),
  days: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(30),
});

/** What a user asks for: a name, a role and scope within its own, a lifetime. */
export interface NewToken {
  /** What to call it, 1 to 100 characters. */
  name: string;
  /** Its role, at most the user's (left out: the user's). */
  role?: Role | undefined;
  /** Its accounts, within the user's (left out: the user's). */
  scope?: Scope | undefined;
  /** Days until it expires, 1 to {@linkcode MAX_TOKEN_DAYS} (left out: 30). */
  days?: number | undefined;
}
true satisfies Agrees<z.input<typeof newTokenSchema>, NewToken>;

/** Options of {@linkcode TokenStore.open}. */
export interface TokenStoreOptions {
  /** KV bucket in OPS (default `nunect_tokens`); null keeps tokens in this process only. */
  readonly bucket?: string | null;
  /** Replicas (default 1). */
  readonly replicas?: number;
}

/** The user a token belongs to, as it stands now. */
export interface TokenOwner {
  /** The user's name. */
  readonly name: string;
  /** The user's role now. */
  readonly role: Role;
  /** The user's accounts now. */
  readonly scope: Scope;
  /** Whether the user is disabled (its tokens are then refused). */
  readonly disabled: boolean;
}

/**
 * API tokens per user in a JetStream KV bucket of the OPS account (`nunect_tokens`): scoped (a
 * role and accounts within the user's), expiring, revocable, shown once, stored as SHA-256 of
 * the secret. A token acts with the lesser of its role and its user's current role, within both
 * scopes; a disabled or deleted user's tokens are refused.
 */
export class TokenStore {
  readonly #map: KvMap<TokenRecord>;
  readonly #touchMs = 60_000;

  private constructor(map: KvMap<TokenRecord>) {
    this.#map = map;
  }

  /**
   * Opens (or creates) the bucket and loads every token.
   *
   * @param nc an OPS connection, or null with `bucket: null`
   * @param options bucket and replicas
   * @returns the store
   */
  static async open(
    nc: NatsConnection | null,
    options: TokenStoreOptions = {},
  ): Promise<TokenStore> {
    const bucket = options.bucket === undefined ? "nunect_tokens" : options.bucket;
    return new TokenStore(
      await KvMap.open(bucket === null ? null : nc, bucket ?? "", tokenRecordSchema, {
        description: "nunect API tokens: owner, role, scope, expiry, SHA-256 (mods/access)",
        replicas: options.replicas,
      }),
    );
  }

  /**
   * Creates a token for a user; its role and scope cannot exceed the user's.
   *
   * @param owner the user, as it stands now
   * @param input name, role, scope, lifetime in days
   * @param now the current time in ms
   * @returns the token's record, and the token itself (shown once, never stored)
   * @throws {InvalidAccessInputError} for a bad field
   * @throws {AccessDeniedError} for a role or scope beyond the user's
   */
  async create(
    owner: TokenOwner,
    input: NewToken,
    now = Date.now(),
  ): Promise<{ token: string; view: TokenView }> {
    const parsed = newTokenSchema.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new InvalidAccessInputError(`Invalid ${i.path.join(".") || "token"}: ${i.message}`);
    }
    const t = parsed.data;
    const role = t.role ?? owner.role;
    if (!roleAllows(owner.role, role)) {
      throw new AccessDeniedError(`A token cannot have role "${role}": its user is ${owner.role}`);
    }
    const scope = t.scope === undefined ? owner.scope : t.scope;
    const allowed = narrowScope(scope, owner.scope);
    if (scope === null ? owner.scope !== null : allowed!.length !== scope.length) {
      throw new AccessDeniedError(
        `A token cannot reach accounts its user cannot: the user's are ${
          owner.scope?.join(", ") ?? "all"
        }`,
      );
    }
    const id = Array.from(
      crypto.getRandomValues(new Uint8Array(8)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const secret = randomToken(32);
    const record: TokenRecord = {
      id,
      user: owner.name,
      name: t.name,
      role,
      scope: scope === null ? null : [...scope],
      created: now,
      expires: now + t.days * 86_400_000,
      lastUsed: null,
      hash: await tokenHash(id, secret),
    };
    await this.#map.create(id, record);
    const { hash: _, ...view } = record;
    return { token: `nunect_${id}_${secret}`, view };
  }

  /**
   * Who a token acts for and with which rights, or nothing: a malformed, unknown, revoked or
   * expired token, or one whose user is gone or disabled. Notes the use (at most once a minute).
   *
   * @param token what the `Authorization: Bearer` header carried
   * @param owner the token's user as it stands now (from the user store)
   * @param now the current time in ms
   * @returns the token, and the role and scope in force
   */
  async verify(
    token: string,
    owner: (name: string) => Promise<TokenOwner | undefined>,
    now = Date.now(),
  ): Promise<{ view: TokenView; role: Role; scope: Scope } | undefined> {
    const m = TOKEN_PATTERN.exec(token);
    if (m === null) return undefined;
    const [, id, secret] = m as unknown as [string, string, string];
    const known = await this.#map.get(id);
    const given = await tokenHash(id, secret);
    if (known === undefined || !safeEqualHex(given, known.value.hash)) return undefined;
    const r = known.value;
    if (now >= r.expires) return undefined;
    const user = await owner(r.user);
    if (user === undefined || user.disabled) return undefined;
    if (r.lastUsed === null || now - r.lastUsed >= this.#touchMs) {
      this.#map.update(id, { ...r, lastUsed: now }, known.revision).catch(() => {});
    }
    const { hash: _, ...view } = r;
    return {
      view,
      role: lesserRole(r.role, user.role),
      scope: narrowScope(r.scope, user.scope),
    };
  }

  /**
   * Tokens, newest first.
   *
   * @param user only this user's (default: everybody's)
   * @returns the tokens (expired ones included until revoked)
   */
  list(user?: string): TokenView[] {
    return this.#map.entries().map(([, v]) => {
      const { hash: _, ...view } = v.value;
      return view;
    }).filter((t) => user === undefined || t.user === user)
      .sort((a, b) => b.created - a.created);
  }

  /**
   * Revokes a token at once, on every instance.
   *
   * @param id the token's ID
   * @param user only when it is this user's (omit for an admin)
   * @returns the revoked token
   * @throws {UnknownAccessError} for an unknown token (or another user's)
   */
  async revoke(id: string, user?: string): Promise<TokenView> {
    const known = /^[0-9a-f]{16}$/.test(id) ? await this.#map.get(id) : undefined;
    if (known === undefined || (user !== undefined && known.value.user !== user)) {
      throw new UnknownAccessError(`Unknown token "${id.slice(0, 16)}"`);
    }
    await this.#map.delete(id);
    const { hash: _, ...view } = known.value;
    return view;
  }

  /** Stops following the bucket. */
  close(): void {
    this.#map.close();
  }
}

function tokenHash(id: string, secret: string): Promise<string> {
  return sha256Hex(`nunect token\n${id}\n${secret}`);
}
