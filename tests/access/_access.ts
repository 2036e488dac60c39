import type { Role } from "../../mods/access/mod.ts";
import type { Route } from "../../routes/route.ts";
import { ADMIN, type Login, loginAs, type testDashboard } from "../dashboard/_harness.ts";

type App = Awaited<ReturnType<typeof testDashboard>>["app"];

/** A password every test user gets. */
export const PASSWORD = "correct-horse-battery-9";

/**
 * Creates a dashboard user through the API, as the admin, and logs it in.
 *
 * @param app the app
 * @param admin the admin's session
 * @param name the new user's name
 * @param role its role
 * @param scope its accounts (null: every account)
 * @returns its session
 */
export async function userSession(
  app: App,
  admin: Login,
  name: string,
  role: Role,
  scope: string[] | null = null,
): Promise<Login> {
  const res = await post(app, admin, "/api/users", { name, role, scope, password: PASSWORD });
  if (res.status !== 200) {
    throw new Error(`Creating "${name}" answered ${res.status}: ${await res.text()}`);
  }
  await res.body?.cancel();
  return await loginAs(app, name, PASSWORD);
}

/**
 * Posts JSON as a logged-in browser would (session cookie, CSRF token, same origin).
 *
 * @param app the app
 * @param s the session
 * @param path the path
 * @param body the JSON body
 * @returns the response, unread
 */
export function post(app: App, s: Login, path: string, body: unknown = {}): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: {
      cookie: s.cookie,
      "x-csrf-token": s.csrf,
      "content-type": "application/json",
      origin: "http://localhost",
    },
    body: JSON.stringify(body),
  }));
}

/** Sample values for path parameters: nothing that exists, so nothing is changed by accident. */
const SAMPLES: Record<string, string> = {
  account: "BRIDGE",
  cid: "999999",
  id: "0000000000000000",
  name: "nobody",
  ref: "0".repeat(64),
  seq: "1",
};

/**
 * A route's path with its parameters filled in.
 *
 * @param r the route
 * @param values values for some parameters (the rest from samples, else `x`)
 * @returns the path
 */
export function pathOf(r: Pick<Route, "path">, values: Record<string, string> = {}): string {
  return r.path.replace(/:(\w+)/g, (_, p: string) => values[p] ?? SAMPLES[p] ?? "x");
}

export { ADMIN };
