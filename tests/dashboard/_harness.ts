import { loadConfig } from "../../mods/config/mod.ts";
import {
  DASHBOARD_SECTIONS,
  type DashboardConfig,
  DashboardServices,
  type DashboardServicesOptions,
  dashboardUnitId,
} from "../../mods/dashboard/mod.ts";
import { createDashboard } from "../../routes/app.ts";
import { type NatsServer, sampleHeartbeat } from "../_kit/mod.ts";

/** Admin credentials of every test dashboard. */
export const ADMIN = { user: "admin", password: "admin-password-1234" } as const;

/** The secret test dashboards sign sessions with. */
export const SECRET = "test-secret-test-secret-test-secret-0001";

/**
 * The environment of a dashboard watching `ns`, as main.ts would read it.
 *
 * @param ns the server
 * @param env variables to add or override
 * @returns the variables
 */
export function testEnv(ns: NatsServer, env: Record<string, string> = {}): Record<string, string> {
  return {
    ...ns.env,
    NATS_URL: ns.url,
    NATS_MONITOR_URL: ns.monitorUrl,
    NATS_WS_URL: ns.wsUrl,
    NATS_IDENTITY_DIR: ns.identityDir,
    UNIT_ID: "test",
    DASHBOARD_DOMAIN: "ops.example.test",
    DASHBOARD_CORS_ORIGINS: "https://allowed.example.test",
    DASHBOARD_ADMIN_USER: ADMIN.user,
    DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
    DASHBOARD_SECRET: SECRET,
    ...env,
  };
}

/**
 * The configuration of a dashboard watching `ns`, parsed as main.ts parses it.
 *
 * @param ns the server
 * @param env variables to add or override
 * @returns the configuration
 */
export function testConfig(ns: NatsServer, env: Record<string, string> = {}): DashboardConfig {
  const vars = testEnv(ns, env);
  return loadConfig(DASHBOARD_SECTIONS, (name) => vars[name]);
}

/**
 * A dashboard app over a real server, with the services main.ts starts (dispose to close them)
 * and the controller's request API served as its module serves it (browser users, console users
 * and accounts come from it). Timers are shortened: units heartbeat every second, the Overview is
 * sampled every 500 ms.
 *
 * @param ns the server
 * @param env variables to add or override
 * @param options service options to override
 * @returns the app and its services
 */
export async function testDashboard(
  ns: NatsServer,
  env: Record<string, string> = {},
  options: Partial<DashboardServicesOptions> = {},
) {
  const config = testConfig(ns, env);
  await ns.serveController();
  const services = DashboardServices.start({
    config,
    credentials: {
      sys: ns.users.sys.creds,
      ops: ns.users.ops.creds,
      unit: (await ns.unit(dashboardUnitId(config), { replace: true })).creds,
    },
    version: "test",
    unitIntervalMs: 1000,
    sampleMs: 500,
    registry: { staleCheckIntervalMs: 200, persistIntervalMs: 500 },
    log: () => {},
    ...options,
  });
  await services.ready;
  const app = createDashboard({ services });
  return {
    app,
    services,
    sys: services.sys()!,
    units: services.units()!,
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
export function login(app: App): Promise<Login> {
  return loginAs(app, ADMIN.user, ADMIN.password, "/");
}

/**
 * Logs in as a given dashboard user through the form (a user without a second factor).
 *
 * @param app the app
 * @param user the user's name
 * @param password its password
 * @param page the page it lands on and reads the CSRF token from (default `/me`, which every
 *   user may open; the admin's tests land on the Overview, as a browser would)
 * @returns the session cookie and CSRF token
 */
export async function loginAs(
  app: App,
  user: string,
  password: string,
  page = "/me",
): Promise<Login> {
  const res = await postLogin(app, await loginForm(app), password, {
    fields: { next: page, user },
  });
  await res.body?.cancel();
  if (res.status !== 303) throw new Error(`Login of "${user}" failed with ${res.status}`);
  const cookie = cookiesOf(res).find((c) => c.startsWith("nunect_session="));
  if (!cookie) throw new Error("No session cookie after login");
  const landed = await app.request(page, { headers: { cookie } });
  const csrf = (await landed.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!csrf) throw new Error(`No CSRF token on ${page}`);
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

/**
 * A client unit's heartbeat, as it goes on the wire.
 *
 * @param unitId the unit
 * @param seq its sequence number
 * @returns the JSON payload
 */
export function heartbeatJson(unitId: string, seq = 1): string {
  return JSON.stringify(sampleHeartbeat(unitId, {
    seq,
    uptimeS: seq,
    version: "1",
    host: "h",
    kind: "client",
    clock: { source: "none", quality: "freerun" },
  }));
}

/** One Server-Sent Event as the browser receives it. */
export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

/** An open `/api/events` stream, read frame by frame. */
export interface SseStream extends AsyncDisposable {
  /** The ID of the last event read ("" before one). */
  readonly lastId: string;
  /**
   * Reads until an event matches (events before it are skipped).
   *
   * @param match which event is awaited
   * @param what what is awaited, for the timeout error
   * @param timeoutMs give up after this long
   */
  next(match: (e: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
}

/**
 * Opens `/api/events` as the logged-in browser and reads its frames.
 *
 * @param app the app
 * @param s the session
 * @param query e.g. `topics=activity`
 * @param headers e.g. `Last-Event-ID`
 * @returns the stream
 */
export async function openStream(
  app: App,
  s: Login,
  query = "",
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const res = await get(app, s, `/api/events${query ? `?${query}` : ""}`, { headers });
  if (res.status !== 200) throw new Error(`/api/events answered ${res.status}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let lastId = "";
  const stream: SseStream = {
    get lastId() {
      return lastId;
    },
    async next(match, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const field = (name: string) => frame.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1];
          const e = {
            id: field("id") ?? "",
            event: field("event") ?? "",
            data: field("data") ?? "",
          };
          if (e.id) lastId = e.id;
          if (e.event && match(e)) return e;
        }
        const left = deadline - Date.now();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const read = await Promise.race([
          reader.read(),
          new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), Math.max(0, left))),
        ]);
        clearTimeout(timer);
        if (read === "timeout") {
          throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        if (read.done) throw new Error(`The stream ended while waiting for ${what}`);
        buf += read.value;
      }
    },
    async [Symbol.asyncDispose]() {
      await reader.cancel().catch(() => {});
    },
  };
  return stream;
}
