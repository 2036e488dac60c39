import type { DashboardSettings } from "../../routes/context.ts";
import { createDashboard } from "../../routes/dashboard.ts";
import { startServices } from "../../routes/services.ts";
import type { NatsServer } from "../_kit/mod.ts";

/** Admin credentials of every test dashboard. */
export const ADMIN = { user: "admin", password: "admin-password-1234" } as const;

/** Settings for a dashboard watching `ns`. */
export function testSettings(
  ns: NatsServer,
  patch: Partial<DashboardSettings> = {},
): DashboardSettings {
  return {
    domain: "ops.example.test",
    corsOrigins: ["https://allowed.example.test"],
    adminUser: ADMIN.user,
    adminPassword: ADMIN.password,
    secret: "test-secret-test-secret-test-secret-0001",
    wsUrl: ns.wsUrl,
    wsPort: ns.wsPort,
    serverName: ns.env.NATS_SERVER_NAME ?? "test",
    uiUser: { user: ns.users.ui.user, password: ns.users.ui.pass },
    hostUnitId: "test-host",
    echoUnit: "test-dashboard",
    heartbeatMs: 1000,
    rttMs: 1000,
    ...patch,
  };
}

/**
 * A dashboard app over a real server, with the same NATS services main.ts starts (dispose to
 * close them).
 *
 * @param ns the server
 * @param patch settings to override
 * @returns the app, its deps and services
 */
export async function testDashboard(ns: NatsServer, patch: Partial<DashboardSettings> = {}) {
  const settings = testSettings(ns, patch);
  const services = startServices({
    settings,
    version: "test",
    natsUrl: ns.url,
    monitorUrl: ns.monitorUrl,
    sysUser: { user: ns.users.sys.user, password: ns.users.sys.pass },
    opsUser: { user: ns.users.ops.user, password: ns.users.ops.pass },
    unitId: "test-dashboard",
    heartbeatMs: 1000,
    sampleMs: 500,
    registry: { staleCheckIntervalMs: 200, persistIntervalMs: 500 },
    log: () => {},
  });
  await services.ready;
  const app = createDashboard(services.deps);
  return {
    app,
    deps: services.deps,
    sys: services.deps.sys()!,
    units: services.deps.units()!,
    [Symbol.asyncDispose]: () => services.close(),
  };
}

/** A logged-in session: cookie header and CSRF token. */
export interface Login {
  readonly cookie: string;
  readonly csrf: string;
}

type App = Awaited<ReturnType<typeof testDashboard>>["app"];

const ORIGIN = "http://localhost";

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(";")[0]!);
}

/** The login page's cookie and CSRF token, as a browser holds them before posting the form. */
export interface LoginForm {
  readonly cookie: string;
  readonly token: string;
}

/**
 * Loads the login page.
 *
 * @param app the app
 * @returns its cookie and CSRF token
 */
export async function loginForm(app: App): Promise<LoginForm> {
  const form = await app.request("/login");
  const cookie = cookiesOf(form).join("; ");
  const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error("No CSRF token on the login page");
  return { cookie, token };
}

/**
 * Posts the login form as the admin user with `password`.
 *
 * @param app the app
 * @param form the login page's cookie and token
 * @param password the password to try
 * @param extra more form fields (e.g. `next`) and request headers
 * @returns the response, unread
 */
export function postLogin(
  app: App,
  form: LoginForm,
  password: string,
  extra: { fields?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Response> {
  return Promise.resolve(app.request("/login", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: form.cookie,
      origin: ORIGIN,
      ...extra.headers,
    },
    body: new URLSearchParams({ _csrf: form.token, user: ADMIN.user, password, ...extra.fields }),
  }));
}

/**
 * Logs in through the form, as a browser would.
 *
 * @param app the app
 * @returns the session cookie and CSRF token
 */
export async function login(app: App): Promise<Login> {
  const res = await postLogin(app, await loginForm(app), ADMIN.password, { fields: { next: "/" } });
  await res.body?.cancel();
  if (res.status !== 303) throw new Error(`Login failed with ${res.status}`);
  const cookie = cookiesOf(res).find((c) => c.startsWith("nunect_session="));
  if (!cookie) throw new Error("No session cookie after login");
  const page = await app.request("/", { headers: { cookie } });
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!csrf) throw new Error("No CSRF token on the overview page");
  return { cookie, csrf };
}

/**
 * Requests a path as the logged-in browser.
 *
 * @param app the app
 * @param s the session
 * @param path the path
 * @param init more request options
 * @returns the response
 */
export function get(app: App, s: Login, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("cookie", s.cookie);
  return Promise.resolve(app.request(path, { ...init, headers }));
}
