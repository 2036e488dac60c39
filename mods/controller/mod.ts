/**
 * Identity in operator mode: the controller is the only holder of signing keys. It creates the
 * operator and the accounts (SYS, OPS, BRIDGE, ENGINE, PROVISION, and tenants added later) as
 * JWTs, issues users — one per unit, browser session and tenant app, whose permissions name the
 * unit's own ID — and nunect's own programs' users, changes accounts live through the full
 * resolver (`$SYS.REQ.CLAIMS.UPDATE`: limits, telemetry imports, revocations that disconnect),
 * sends the account JWTs again when a router's claims link comes up, builds router bundles, and records every change in the audit trail (mods/audit). It runs as
 * its own program under the `controller` permission set (`deno task identity`, and the
 * supervisor's `controller` module).
 *
 * @example
 * ```ts
 * import { openController } from "../controller/mod.ts";
 * await using session = await openController({ identityDir, hubUnitId, natsUrl });
 * const { creds } = await session.controller.issueUnit({ unitId: "router-7", role: "guardian" }, "admin");
 * await session.controller.revoke("OPS", { unitId: "router-7" }, "admin"); // disconnected now
 * ```
 *
 * @module
 */
export {
  ACCOUNT_NAME,
  type AccountKind,
  type AccountLimits,
  type AccountRecord,
  BUILTIN_ACCOUNTS,
  defaultLimits,
  TELEMETRY_EXPORTS,
  tenantPrefix,
  validateAccountName,
} from "./accounts.ts";
export {
  CONTROLLER_SUBJECT_PREFIX,
  type ControllerOperation,
  type ControllerReply,
  type ControllerRequest,
  type ControllerRequests,
  controllerRequests,
  controllerSubject,
} from "./api.ts";
export { ControllerCallError, ControllerClient } from "./api_client.ts";
export { initIdentity } from "./bootstrap.ts";
export { type LeafLinkTls, provisionRouter } from "./bundle.ts";
export type { ProvisionRequest, RouterBundle } from "./bundle.ts";
export type { InitIdentityOptions, InitIdentityReport } from "./bootstrap.ts";
export { type ClaimsTarget, NatsClaims, ResolverDir } from "./claims.ts";
export { ClaimsLinks } from "./claims_links.ts";
export type { ClaimsLinksOptions, ClaimsLinksStats, ClaimsLinkUp } from "./claims_links.ts";
export { BROWSER_UNIT_PREFIX, Controller } from "./controller.ts";
export type {
  AccountLookup,
  AccountUpdate,
  ControllerOptions,
  Issued,
  IssuedConsole,
  IssueUnitRequest,
  UserFilter,
  UserState,
} from "./controller.ts";
export {
  dashboardUnitId,
  type IdentityPaths,
  identityPaths,
  readCredsOrExit,
  SERVICE_CREDS,
  type SystemCredsFiles,
  systemCredsFiles,
  unitCredsFile,
} from "./creds_files.ts";
export {
  ClaimsPushError,
  IdentityNotFoundError,
  IdentityRequestError,
  IdentityStoreError,
  UnrecordedChangeError,
} from "./errors.ts";
export { type HandleContext, handleControllerRequest } from "./handle.ts";
export { AuditJournal, type AuditPlace, type AuditSink, StreamOrJournal } from "./journal.ts";
export { jwtClaims, NativeKeyPair, newKeyPair } from "./keys.ts";
export { openController } from "./open.ts";
export { CONTROLLER_SECTIONS } from "./sections.ts";
export { serveController, serveControllerApi } from "./service.ts";
export type { ServeControllerOptions } from "./service.ts";
export type { ControllerSession, OpenControllerOptions } from "./open.ts";
export {
  CLAIMS_UPDATE_SUBJECT,
  CONSOLE_ROLES,
  consolePermissions,
  type ConsoleRole,
  routerClaimsLinkPermissions,
  routerRelayPermissions,
  SERVICE_USERS,
  servicePermissions,
  type ServiceUserName,
  type SubjectPermissions,
  SYSTEM_ACCOUNT_KEY,
  systemConnectSubject,
  UNIT_ROLES,
  unitInboxPrefix,
  unitInboxStreamSubjects,
  type UnitPermissionOptions,
  unitPermissions,
  type UnitRole,
} from "./permissions.ts";
export { IdentityStore, type UserRecord } from "./store.ts";
export { tarArchive, type TarEntry } from "./tar.ts";
export { KvUnitKeys, unitKeysEntries, type UnitKeysSink } from "./unit_keys.ts";
