import { z } from "zod";
import { accountLimitsSchema } from "./accounts.ts";
import { UNIT_ROLES } from "./permissions.ts";

/** Requests to the controller service go to `nunect.controller.<operation>` in the SYS account. */
export const CONTROLLER_SUBJECT_PREFIX = "nunect.controller";

const actor = z.string().min(1).max(128);
const unitId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const account = z.string().regex(/^[A-Z][A-Z0-9_-]{0,31}$/);
const publicKey = z.string().regex(/^U[A-Z2-7]{55}$/);
const session = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/** Every operation of the controller service: its request schema. */
export const controllerRequests = {
  "accounts.list": z.object({ actor }),
  "account.lookup": z.object({ actor, name: account }),
  "account.create": z.object({
    actor,
    name: account,
    limits: accountLimitsSchema.partial().optional(),
    telemetry: z.boolean().optional(),
  }),
  "account.update": z.object({
    actor,
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
    account: account.optional(),
    unitId,
    role: z.enum(UNIT_ROLES).exclude(["browser"]).optional(),
    timeMaster: z.boolean().optional(),
    replace: z.boolean().optional(),
  }),
  "user.creds": z.object({ actor, account, publicKey }),
  "user.revoke": z.object({
    actor,
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
  "console.issue": z.object({ actor, account }),
  "router.provision": z.object({
    actor,
    unitId,
    hubLeafUrl: z.string().optional(),
    timeMaster: z.boolean().optional(),
    replace: z.boolean().optional(),
  }),
} as const;

/** An operation's name. */
export type ControllerOperation = keyof typeof controllerRequests;

/** An operation's request. */
export type ControllerRequest<O extends ControllerOperation> = z.infer<
  (typeof controllerRequests)[O]
>;

/** What the service answers: the result, or why it refused (`status` as HTTP would say it). */
export type ControllerReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly status: 400 | 404 | 409 | 500 | 502; readonly error: string };

/**
 * The subject of an operation.
 *
 * @param op e.g. `user.revoke`
 * @returns e.g. `nunect.controller.user.revoke`
 */
export function controllerSubject(op: ControllerOperation): string {
  return `${CONTROLLER_SUBJECT_PREFIX}.${op}`;
}
