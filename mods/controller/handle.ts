import {
  type ControllerOperation,
  type ControllerReply,
  type ControllerRequest,
  controllerRequests,
} from "./api.ts";
import { type LeafLinkTls, provisionRouter } from "./bundle.ts";
import type { Controller } from "./controller.ts";
import { ClaimsPushError, IdentityNotFoundError, IdentityRequestError } from "./errors.ts";

/** What the service knows beyond a request. */
export interface HandleContext {
  /** The hub's leaf URL for router bundles when a request gives none. */
  readonly hubLeafUrl: string;
  /** TLS on routers' links when the hub's leaf port speaks it. */
  readonly leafTls?: LeafLinkTls;
}

type Handlers = {
  [O in ControllerOperation]: (
    c: Controller,
    r: ControllerRequest<O>,
    ctx: HandleContext,
  ) => Promise<unknown>;
};

const handlers: Handlers = {
  "accounts.list": (c) => c.accounts(),
  "account.lookup": (c, r) => c.lookupAccount(r.name),
  "account.create": (c, r) =>
    c.createAccount({ name: r.name, limits: r.limits, telemetry: r.telemetry }, r.actor),
  "account.update": (c, r) =>
    c.updateAccount(r.name, { limits: r.limits, telemetry: r.telemetry }, r.actor),
  "users.list": (c, r) => c.users({ account: r.account, unitId: r.unitId, all: r.all }),
  "unit.issue": async (c, r) => {
    const { creds, user } = await c.issueUnit({
      account: r.account,
      unitId: r.unitId,
      role: r.role,
      timeMaster: r.timeMaster,
      replace: r.replace,
    }, r.actor);
    return { creds, user };
  },
  "user.creds": async (c, r) => ({ creds: await c.creds(r.account, r.publicKey, r.actor) }),
  "user.revoke": (c, r) =>
    c.revoke(
      r.account,
      r.publicKeys ? { publicKeys: r.publicKeys } : { unitId: r.unitId! },
      r.actor,
    ),
  "browser.issue": async (c, r) => {
    const { creds, user } = await c.issueUnit({
      account: "OPS",
      unitId: r.unitId,
      role: "browser",
      expiresAt: r.expiresAt,
      session: r.session,
    }, r.actor);
    return { creds, publicKey: user.publicKey, expiresAt: user.expiresAt };
  },
  "browser.revoke": async (c, r) => ({
    revoked: (await c.revokeSession(r.session, r.actor)).length,
  }),
  "console.issue": async (c, r) => {
    const { creds, user, role, inboxPrefix } = await c.issueConsole(r.account, r.actor, r.role);
    return { creds, expiresAt: user.expiresAt, role, inboxPrefix };
  },
  "router.provision": async (c, r, ctx) => {
    const bundle = await provisionRouter(c, {
      unitId: r.unitId,
      hubLeafUrl: r.hubLeafUrl ?? ctx.hubLeafUrl,
      timeMaster: r.timeMaster,
      replace: r.replace,
      tls: ctx.leafTls,
    }, r.actor);
    const tar = bundle.tar();
    let bin = "";
    for (const b of tar) bin += String.fromCharCode(b);
    return {
      unitId: bundle.unitId,
      publicKey: bundle.user.publicKey,
      files: bundle.files,
      tar: btoa(bin),
    };
  },
};

/**
 * Answers one request to the controller service: validates it against its operation's schema,
 * runs it, and maps refusals to a status (400 bad request, 404 unknown, 502 nats-server refused,
 * 500 otherwise, with the message of a NunectError and nothing else).
 *
 * @param controller the controller
 * @param op the operation (from the subject)
 * @param body the request, parsed JSON
 * @param ctx defaults the request may omit
 * @returns the reply
 */
export async function handleControllerRequest(
  controller: Controller,
  op: string,
  body: unknown,
  ctx: HandleContext,
): Promise<ControllerReply> {
  if (!Object.hasOwn(controllerRequests, op)) {
    return { ok: false, status: 404, error: `Unknown controller operation "${op}"` };
  }
  const o = op as ControllerOperation;
  const parsed = controllerRequests[o].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      status: 400,
      error: `Invalid "${op}" request: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    };
  }
  try {
    const handler = handlers[o] as (
      c: Controller,
      r: unknown,
      ctx: HandleContext,
    ) => Promise<unknown>;
    return { ok: true, result: await handler(controller, parsed.data, ctx) };
  } catch (e) {
    if (e instanceof IdentityNotFoundError) return { ok: false, status: 404, error: e.message };
    if (e instanceof IdentityRequestError) return { ok: false, status: 400, error: e.message };
    if (e instanceof ClaimsPushError) return { ok: false, status: 502, error: e.message };
    console.error(`controller: "${op}" failed:`, e);
    return { ok: false, status: 500, error: `The controller failed on "${op}": see its log` };
  }
}
