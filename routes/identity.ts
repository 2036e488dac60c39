import { z } from "zod";
import {
  accountInput,
  identityAccount,
  identityAccounts,
  InvalidRequestError,
  unitCredentials,
} from "../mods/dashboard/mod.ts";
import {
  ControllerCallError,
  type ControllerOperation,
  type ControllerRequest,
  UNIT_ROLES,
} from "../mods/controller/mod.ts";
import { auditRequest, noteAudit } from "./audit.ts";
import type { AppContext } from "./context.ts";
import { parseParams } from "./query.ts";
import { endpoint, type Route } from "./route.ts";

const ACCOUNT = /^[A-Z][A-Z0-9_-]{0,31}$/;
const USER_KEY = /^U[A-Z2-7]{55}$/;
const accountParam = z.object({
  name: z.string().regex(ACCOUNT, "expected an account name: A-Z, digits, _ or -, up to 32"),
});
const userParams = accountParam.extend({
  key: z.string().regex(USER_KEY, "expected a user's public key (U and 55 characters)"),
});
const issueInput = z.object({
  unitId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "expected a unit ID"),
  role: z.enum(UNIT_ROLES).exclude(["browser"]).optional(),
  timeMaster: z.boolean().optional(),
  replace: z.boolean().optional(),
});
const provisionInput = issueInput.omit({ role: true }).extend({
  hubLeafUrl: z.string().max(256).optional(),
});

/** The form's or JSON body's fields; checkboxes (`on`) and `"true"`/`"false"` become booleans. */
async function body(c: AppContext): Promise<Record<string, unknown>> {
  const json = (c.req.header("content-type") ?? "").includes("application/json");
  const raw = json
    ? await c.req.json().catch(() => {
      throw new InvalidRequestError("Invalid request: the body is not JSON");
    })
    : await c.req.parseBody();
  if (raw === null || typeof raw !== "object") {
    throw new InvalidRequestError("Invalid request: expected an object");
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "_csrf" || v === "") continue;
    out[k] = v === "on" || v === "true" ? true : v === "false" ? false : v;
  }
  return out;
}

function parsed<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new InvalidRequestError(
    `Invalid ${what}: ${issue?.path.join(".") || "body"}: ${issue?.message}`,
  );
}

/** A `.creds` or tar file as a download: never cached, never shown. */
function download(name: string, content: string | Uint8Array, type: string): Response {
  return new Response(content as BodyInit, {
    headers: {
      "content-type": type,
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    },
  });
}

/** Who the controller acts for: the request's user (a session's or an API token's). */
const actor = (c: AppContext) => c.var.principal.user;

/**
 * Asks the controller for a change on this request's behalf. The change's record carries the
 * request's fields (role, scope, way in, request, address); when the controller says that record
 * is in the trail (the change made or failed), the request stores none of its own. Otherwise
 * (refused before it was tried, its record only in the controller's journal, no answer) the
 * request's own record is stored as for any write.
 */
async function change<O extends ControllerOperation>(
  c: AppContext,
  op: O,
  request: Omit<ControllerRequest<O>, "actor" | "audit">,
): Promise<unknown> {
  try {
    const r = await c.var.services.controller().change(op, {
      ...request,
      actor: actor(c),
      audit: auditRequest(c),
    } as ControllerRequest<O>);
    if (r.recorded) noteAudit(c, { recorded: true });
    return r.result;
  } catch (e) {
    if (e instanceof ControllerCallError && e.recorded) noteAudit(c, { recorded: true });
    throw e;
  }
}

async function createAccount(c: AppContext) {
  const input = accountInput(await body(c));
  if (!input.name) throw new InvalidRequestError("Invalid account: name is missing");
  return await change(c, "account.create", {
    name: input.name,
    limits: input.limits,
    ...(input.telemetry === undefined ? {} : { telemetry: input.telemetry }),
  }) as { name: string };
}

async function updateAccount(c: AppContext) {
  const { name } = parseParams(accountParam, c.req.param());
  const input = accountInput(await body(c));
  return await change(c, "account.update", {
    name,
    limits: input.limits,
    ...(input.telemetry === undefined ? {} : { telemetry: input.telemetry }),
  }) as { name: string };
}

async function issueUnit(c: AppContext) {
  const { name } = parseParams(accountParam, c.req.param());
  const r = parsed(issueInput, await body(c), "unit credentials request");
  return await change(c, "unit.issue", {
    account: name,
    ...r,
  }) as { creds: string; user: { publicKey: string; unitId: string } };
}

async function revokeUser(c: AppContext) {
  const { name, key } = parseParams(userParams, c.req.param());
  return await change(c, "user.revoke", {
    account: name,
    publicKeys: [key],
  }) as unknown[];
}

async function userCreds(c: AppContext) {
  const { name, key } = parseParams(userParams, c.req.param());
  const r = await change(c, "user.creds", {
    account: name,
    publicKey: key,
  }) as { creds: string };
  return { creds: r.creds, key };
}

async function provision(c: AppContext) {
  const r = parsed(provisionInput, await body(c), "router provisioning request");
  return await change(c, "router.provision", {
    ...r,
  }) as { unitId: string; publicKey: string; files: Record<string, string>; tar: string };
}

/**
 * What the controller says, or why it says nothing (no SYS connection, the controller module not
 * running): the rest of a page shows either way.
 *
 * @param c the request
 * @param f asks the controller
 * @returns its answer, or the reason there is none
 */
export async function fromController<T>(
  c: AppContext,
  f: () => Promise<T>,
): Promise<{ value: T; error: null } | { value: null; error: string }> {
  try {
    return { value: await f(), error: null };
  } catch (e) {
    if (c.var.services.sys() === undefined) {
      return { value: null, error: "No connection to the NATS system account yet" };
    }
    return { value: null, error: (e as Error).message };
  }
}

const base64Bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/**
 * Identity (operator mode), through the controller: accounts with their limits (create, look up,
 * change live), each account's users (list, revoke — the server disconnects them at once —, a
 * unit's `.creds` again), unit credentials issued, a router provisioned in one step (its bundle
 * as a tar download), and every unit's credential for the Units table. JSON under
 * `/api/identity/`, form actions beside the Accounts and Units pages; every change is recorded
 * by the controller in the audit stream with the dashboard user as actor and the request's role,
 * scope, way in and address, once (the request stores no record of its own then). The dashboard
 * holds no signing key.
 */
export const identityRoutes: readonly Route[] = [
  endpoint({
    path: "/api/identity/accounts",
    title: "the controller's accounts with their limits",
    needs: ["sys"],
    handle: async (c) => ({
      accounts: await identityAccounts(c.var.services.controller(), actor(c)),
    }),
  }),
  endpoint({
    path: "/api/identity/accounts/:name",
    title: "one account with its users (all=true: also revoked and expired ones)",
    needs: ["sys"],
    handle: (c) =>
      identityAccount(
        c.var.services.controller(),
        actor(c),
        parseParams(accountParam, c.req.param()).name,
        c.req.query("all") === "true",
      ),
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/accounts",
    title: "create a tenant account {name, limits, telemetry} (X-CSRF-Token)",
    role: "admin",
    needs: ["sys"],
    handle: (c) => createAccount(c),
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/accounts/:name",
    title: "change an account's limits or telemetry live (X-CSRF-Token)",
    role: "admin",
    needs: ["sys"],
    handle: (c) => updateAccount(c),
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/accounts/:name/units",
    title: "issue a unit's credentials {unitId, role, timeMaster, replace} (X-CSRF-Token)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const r = await issueUnit(c);
      c.header("Cache-Control", "no-store");
      return { unitId: r.user.unitId, publicKey: r.user.publicKey, creds: r.creds };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/accounts/:name/users/:key/revoke",
    title: "revoke a user: its connections close at once (X-CSRF-Token)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => ({ revoked: (await revokeUser(c)).length }),
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/accounts/:name/users/:key/creds",
    title: "a guardian or app unit's .creds again (X-CSRF-Token)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      c.header("Cache-Control", "no-store");
      return { creds: (await userCreds(c)).creds };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/identity/routers",
    title: "provision a router {unitId, timeMaster, replace}: its bundle, tar as base64",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      c.header("Cache-Control", "no-store");
      return await provision(c);
    },
  }),
  endpoint({
    path: "/api/identity/units",
    title: "every unit's active credential, by the Units table's key",
    needs: ["sys"],
    handle: async (c) => ({
      credentials: await unitCredentials(c.var.services.controller(), actor(c)),
    }),
  }),
  // Form actions (CSRF field), beside the pages.
  endpoint({
    method: "POST",
    path: "/accounts",
    title: "create a tenant account (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const a = await createAccount(c);
      return c.redirect(`/accounts/${encodeURIComponent(a.name)}`, 303);
    },
  }),
  endpoint({
    method: "POST",
    path: "/accounts/:name/limits",
    title: "change an account's limits (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const a = await updateAccount(c);
      return c.redirect(`/accounts/${encodeURIComponent(a.name)}`, 303);
    },
  }),
  endpoint({
    method: "POST",
    path: "/accounts/:name/units",
    title: "issue a unit's credentials: the .creds as a download (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const r = await issueUnit(c);
      return download(`${r.user.unitId}.creds`, r.creds, "application/octet-stream");
    },
  }),
  endpoint({
    method: "POST",
    path: "/accounts/:name/users/:key/revoke",
    title: "revoke a user (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      await revokeUser(c);
      return c.redirect(`/accounts/${encodeURIComponent(c.req.param("name")!)}#users`, 303);
    },
  }),
  endpoint({
    method: "POST",
    path: "/accounts/:name/users/:key/creds",
    title: "a unit's .creds again as a download (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const r = await userCreds(c);
      return download(`${r.key}.creds`, r.creds, "application/octet-stream");
    },
  }),
  endpoint({
    method: "POST",
    path: "/units/provision",
    title: "provision a router: its bundle as a tar download (form, _csrf)",
    role: "admin",
    needs: ["sys"],
    handle: async (c) => {
      const r = await provision(c);
      return download(`${r.unitId}.tar`, base64Bytes(r.tar), "application/x-tar");
    },
  }),
];
