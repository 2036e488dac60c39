import {
  type ControllerOperation,
  type ControllerReply,
  type ControllerRequest,
  controllerRequests,
} from "./api.ts";
import type { AuditRequest } from "../audit/mod.ts";
import { type LeafLinkTls, provisionRouter } from "./bundle.ts";
import type { Controller } from "./controller.ts";
import {
  ClaimsPushError,
  IdentityNotFoundError,
  IdentityRequestError,
  UnrecordedChangeError,
} from "./errors.ts";

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
    c.createAccount({ name: r.name, limits: r.limits, telemetry: r.telemetry }, r.actor, r.audit),
  "account.update": (c, r) =>
    c.updateAccount(r.name, { limits: r.limits, telemetry: r.telemetry }, r.actor, r.audit),
  "users.list": (c, r) => c.users({ account: r.account, unitId: r.unitId, all: r.all }),
  "unit.issue": async (c, r) => {
    const { creds, user } = await c.issueUnit(
      {
        account: r.account,
        unitId: r.unitId,
        role: r.role,
        timeMaster: r.timeMaster,
        replace: r.replace,
      },
      r.actor,
      r.audit,
    );
    return { creds, user };
  },
  "user.creds": async (c, r) => ({
    creds: await c.creds(r.account, r.publicKey, r.actor, r.audit),
  }),
  "user.revoke": (c, r) =>
    c.revoke(
      r.account,
      r.publicKeys ? { publicKeys: r.publicKeys } : { unitId: r.unitId! },
      r.actor,
      r.audit,
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
    const bundle = await provisionRouter(
      c,
      {
        unitId: r.unitId,
        hubLeafUrl: r.hubLeafUrl ?? ctx.hubLeafUrl,
        timeMaster: r.timeMaster,
        replace: r.replace,
        tls: ctx.leafTls,
      },
      r.actor,
      r.audit,
    );
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
 * 503 made but unrecorded, 500 otherwise, with the message of a NunectError and nothing else).
 * A change made for a dashboard request (`audit`) says whether the audit trail holds its
 * record, made or failed (`recorded`): only then does the dashboard store none of its own.
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
  const request = (parsed.data as { audit?: AuditRequest }).audit;
  // In the trail (not only in the journal), as the outcome this answer reports.
  const recorded = (ok: boolean) => {
    const r = request === undefined ? undefined : controller.recordFor(request);
    return r?.place === "trail" && r.ok === ok ? { recorded: true as const } : {};
  };
  try {
    const handler = handlers[o] as (
      c: Controller,
      r: unknown,
      ctx: HandleContext,
    ) => Promise<unknown>;
    const result = await handler(controller, parsed.data, ctx);
    return { ok: true, result, ...recorded(true) };
  } catch (e) {
    const refused = (status: 400 | 404 | 500 | 502 | 503, error: string): ControllerReply => ({
      ok: false,
      status,
      error,
      ...recorded(false),
    });
    if (e instanceof IdentityNotFoundError) return refused(404, e.message);
    if (e instanceof IdentityRequestError) return refused(400, e.message);
    if (e instanceof ClaimsPushError) return refused(502, e.message);
    if (e instanceof UnrecordedChangeError) return refused(503, e.message);
    console.error(`controller: "${op}" failed:`, e);
    return refused(500, `The controller failed on "${op}": see its log`);
  }
}
