/**
 * Who may use the dashboard and what they may do: dashboard users in the OPS account's KV
 * ({@linkcode UserStore}: roles, account scopes, argon2id password hashes, TOTP second factors
 * with recovery codes), API tokens per user ({@linkcode TokenStore}: scoped, expiring,
 * revocable, stored hashed), the role and scope rules ({@linkcode roleAllows},
 * {@linkcode inScope}) that the web app applies to every route of its table, and the names of
 * nunect's own state that the JetStream console must leave alone ({@linkcode isInternal}).
 *
 * @example
 * ```ts
 * import { UserStore } from "./mod.ts";
 * const users = await UserStore.open(nc, { secret, issuer: "nunect ops.example.org" });
 * await users.bootstrap("admin", "a-long-admin-password");
 * const ok = await users.authenticate("admin", "a-long-admin-password");
 * ```
 *
 * @module
 */
export {
  AccessConflictError,
  AccessDeniedError,
  AccessStoreUnavailableError,
  InvalidAccessInputError,
  UnknownAccessError,
} from "./errors.ts";
export { inScope, lesserRole, narrowScope, roleAllows, ROLES, scopeLabel } from "./roles.ts";
export type { Principal, Role, Scope } from "./roles.ts";
export {
  checkNewPassword,
  hashPassword,
  KDF_PARAMS,
  KdfBusyError,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from "./password.ts";
export {
  base32Decode,
  base32Encode,
  newTotpSecret,
  otpauthUri,
  TOTP,
  totpCode,
  totpStep,
  verifyTotp,
} from "./totp.ts";
export { SecretBox, sha256Hex } from "./sealed.ts";
export { RECOVERY_CODES, USER_NAME, UserStore } from "./user_store.ts";
export type {
  NewUser,
  TotpEnrolment,
  UserPatch,
  UserStoreOptions,
  UserView,
} from "./user_store.ts";
export { MAX_TOKEN_DAYS, TOKEN_PATTERN, TokenStore } from "./token_store.ts";
export type { NewToken, TokenOwner, TokenStoreOptions, TokenView } from "./token_store.ts";
export { INTERNAL_OPS, isInternal } from "./internal.ts";
