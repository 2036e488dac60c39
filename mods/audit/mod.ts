/**
 * The audit trail: every change to identity and accounts (the controller) and every
 * state-changing request to the dashboard, logins and logouts included, is recorded — who, with
 * which role and scope, what, to what, the outcome, before and after — in the JetStream stream
 * `nunect_audit` of the OPS account, which cannot be deleted from or purged through the API and
 * has its own retention (AUDIT_MAX_AGE_DAYS). Writers call {@linkcode AuditLog.append}, which
 * returns once JetStream has stored the record; a record it cannot store goes to the writer's
 * `onLost` whole, and {@linkcode AuditLog.check} then refuses until the trail stores again, so
 * that a change needing its record can be refused before it is made. Records never hold a secret
 * (the check refuses seeds and credentials blocks).
 *
 * @example
 * ```ts
 * import { AuditLog, ensureAuditStream } from "../audit/mod.ts";
 * await ensureAuditStream(nc);
 * await new AuditLog(nc).append({
 *   actor: "admin", action: "user.revoke", target: "user UAB… (unit router-7)",
 *   before: { revoked: false }, after: { revoked: true }, ok: true,
 * });
 * ```
 *
 * @module
 */
export {
  AUDIT_STREAM,
  AUDIT_SUBJECT_PREFIX,
  auditRecord,
  auditSubject,
  checkAuditRecord,
} from "./record.ts";
export { AuditUnavailableError, InvalidAuditRecordError } from "./errors.ts";
export type { AuditInput, AuditRecord, AuditRequest } from "./record.ts";
export { AuditLog, ensureAuditStream } from "./audit_log.ts";
export type {
  AuditLogOptions,
  AuditPage,
  AuditSearch,
  AuditStreamOptions,
  RecentOptions,
  StoredAuditRecord,
} from "./audit_log.ts";
