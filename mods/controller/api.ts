import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import type { AccountLimits } from "./accounts.ts";
import type { ConsoleRole, UnitRole } from "./permissions.ts";
import { accountLimitsSchema } from "./accounts.ts";
import type { AuditRequest } from "../audit/mod.ts";
import { auditRequestSchema } from "../audit/record.ts";
import { CONSOLE_ROLES, UNIT_ROLES } from "./permissions.ts";

/** Requests to the controller service go to `nunect.controller.<operation>` in the SYS account. */
export const CONTROLLER_SUBJECT_PREFIX = "nunect.controller";

const actor = z.string().min(1).max(128);
const unitId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const account = z.string().regex(/^[A-Z][A-Z0-9_-]{0,31}$/);
const publicKey = z.string().regex(/^U[A-Z2-7]{55}$/);
const session = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
/** The dashboard request a change is made for (see `AuditRequest`). */
const audit = auditRequestSchema.optional();

/** Every operation of the controller service: its request schema. */
export const controllerRequests = {
  "accounts.list": z.object({ actor }),
  "account.lookup": z.object({ actor, name: account }),
  "account.create": z.object({
    actor,
    audit,
    name: account,
    limits: accountLimitsSchema.partial().optional(),
    telemetry: z.boolean().optional(),
  }),
  "account.update": z.object({
    actor,
    audit,
    name: account,
    limits: accountLimitsSchema.partial().optional(),
    telemetry: z.boolean().optional(),
  }),
  "users.list": z.object({
    actor,
    account: account.optional(),
    unitId: unitId.optional(),
    all: z.boolean().optional(),
  }),
  "unit.issue": z.object({
    actor,
    audit,
    account: account.optional(),
    unitId,
    role: z.enum(UNIT_ROLES).exclude(["browser"]).optional(),
    timeMaster: z.boolean().optional(),
    replace: z.boolean().optional(),
  }),
  "user.creds": z.object({ actor, audit, account, publicKey }),
  "user.revoke": z.object({
    actor,
    audit,
    account,
    publicKeys: z.array(publicKey).min(1).optional(),
    unitId: unitId.optional(),
  }).refine((r) => (r.publicKeys === undefined) !== (r.unitId === undefined), {
    message: "give either publicKeys or unitId",
  }),
  "browser.issue": z.object({
    actor,
    unitId: unitId.refine((u) => u.startsWith("browser-"), "browser units start with browser-"),
    session,
    expiresAt: z.number().int().positive(),
  }),
  "browser.revoke": z.object({ actor, session }),
  "console.issue": z.object({ actor, account, role: z.enum(CONSOLE_ROLES) }),
  "router.provision": z.object({
    actor,
    audit,
    unitId,
    hubLeafUrl: z.string().optional(),
    timeMaster: z.boolean().optional(),
    replace: z.boolean().optional(),
  }),
} as const;

/** An operation's name. */
export type ControllerOperation = keyof typeof controllerRequests;

/**
 * Each operation's request, as the service checks it. `actor` names who asks (for the audit
 * trail); `audit`, on changes, the dashboard request a change is made for (role, scope, way in,
 * request, address), which the change's record then carries; the CLI sends none. Account names
 * are upper case (`BRIDGE`), unit IDs `[A-Za-z0-9_-]{1,64}`, user keys public nkeys (`U…`).
 */
export interface ControllerRequests {
  /** Every account. */
  "accounts.list": { actor: string };
  /** One account by name. */
  "account.lookup": { actor: string; name: string };
  /** A new tenant account, with limits (each defaulting) and whether it sends telemetry. */
  "account.create": {
    actor: string;
    audit?: AuditRequest;
    name: string;
    limits?: Partial<AccountLimits>;
    telemetry?: boolean;
  };
  /** New limits or telemetry for an account. */
  "account.update": {
    actor: string;
    audit?: AuditRequest;
    name: string;
    limits?: Partial<AccountLimits>;
    telemetry?: boolean;
  };
  /** The users issued, in one account, for one unit, or all (with revoked ones). */
  "users.list": { actor: string; account?: string; unitId?: string; all?: boolean };
  /** Credentials for a unit: its account, role, whether it is the time master, replacing old ones. */
  "unit.issue": {
    actor: string;
    audit?: AuditRequest;
    account?: string;
    unitId: string;
    role?: Exclude<UnitRole, "browser">;
    timeMaster?: boolean;
    replace?: boolean;
  };
  /** A user's credentials again, by its public key. */
  "user.creds": { actor: string; audit?: AuditRequest; account: string; publicKey: string };
  /** Revokes users: by public key, or every user of a unit (exactly one of the two). */
  "user.revoke": {
    actor: string;
    audit?: AuditRequest;
    account: string;
    publicKeys?: string[];
    unitId?: string;
  };
  /** Credentials for a browser unit (`browser-…`) of a dashboard session, until `expiresAt` (ms). */
  "browser.issue": { actor: string; unitId: string; session: string; expiresAt: number };
  /** Revokes a session's browser credentials. */
  "browser.revoke": { actor: string; session: string };
  /**
   * Credentials for the dashboard's console in an account, acting for a dashboard user with the
   * permissions of that user's role.
   */
  "console.issue": { actor: string; account: string; role: ConsoleRole };
  /** A router's bundle: its unit, the hub's leaf URL, time master, replacing an old one. */
  "router.provision": {
    actor: string;
    audit?: AuditRequest;
    unitId: string;
    hubLeafUrl?: string;
    timeMaster?: boolean;
    replace?: boolean;
  };
}
true satisfies Agrees<
  { [O in ControllerOperation]: z.output<(typeof controllerRequests)[O]> },
  ControllerRequests
>;

/** An operation's request. */
export type ControllerRequest<O extends ControllerOperation> = ControllerRequests[O];

/**
 * What the service answers: the result, or why it refused (`status` as HTTP would say it; 503: the
 * change was made, but its record could be stored nowhere). `recorded`: the audit trail holds
 * the record of this change, made or failed, with the request's `audit` fields (the stream
 * acknowledged it before this answer), so the dashboard needs none of its own.
 */
export type ControllerReply =
  | { readonly ok: true; readonly result: unknown; readonly recorded?: true }
  | {
    readonly ok: false;
    readonly status: 400 | 404 | 409 | 500 | 502 | 503;
    readonly error: string;
    readonly recorded?: true;
  };

/**
 * The subject of an operation.
 *
 * @param op e.g. `user.revoke`
 * @returns e.g. `nunect.controller.user.revoke`
 */
export function controllerSubject(op: ControllerOperation): string {
  return `${CONTROLLER_SUBJECT_PREFIX}.${op}`;
}
