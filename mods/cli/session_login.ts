import { answer, send } from "./api_client.ts";
import { CliError } from "./errors.ts";

/** What a login asks of the person at the terminal. */
export interface Credentials {
  /** The user's name. */
  readonly user: string;
  /** Its password. */
  readonly password: string;
  /** Asks for the second factor's code, when the user has one. */
  readonly code: () => Promise<string>;
}

function cookies(res: Response, jar: Map<string, string>): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const at = pair!.indexOf("=");
    const value = pair!.slice(at + 1);
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === "") {
      jar.delete(pair!.slice(0, at));
    } else jar.set(pair!.slice(0, at), value);
  }
}

const header = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

function field(html: string, name: string): string | undefined {
  return html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1]?.replaceAll("&amp;", "&");
}

/**
 * Logs in through the dashboard's login form as a browser would (the form's CSRF token, the
 * second factor when the user has one), does one thing with the session, and logs out. For
 * what an API token must not do by itself: making API tokens.
 *
 * @param base the dashboard's URL
 * @param who the user, password and a way to ask for a code
 * @param work what to do: gets a POST function carrying the session and its CSRF token
 * @returns what `work` returned
 * @throws {CliError} for a wrong password or code, or an unreachable dashboard
 */
export async function withSession<T>(
  base: string,
  who: Credentials,
  work: (post: <R>(path: string, body: unknown) => Promise<R>) => Promise<T>,
): Promise<T> {
  const jar = new Map<string, string>();
  const form = await send(`${base}/login`, { redirect: "manual" });
  cookies(form, jar);
  const page = await form.text();
  let csrf = field(page, "_csrf");
  if (csrf === undefined) throw new CliError(`No login form at ${base}/login`);
  const login = async (fields: Record<string, string>) => {
    const res = await send(`${base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: header(jar),
        origin: base,
      },
      body: new URLSearchParams({ _csrf: csrf!, next: "/me", ...fields }),
    });
    cookies(res, jar);
    return res;
  };
  let res = await login({ user: who.user, password: who.password });
  if (res.status === 200) {
    const html = await res.text();
    const pending = field(html, "pending");
    if (pending === undefined) throw new CliError("Login refused: unexpected answer");
    csrf = field(html, "_csrf") ?? csrf;
    res = await login({ pending, code: (await who.code()).trim() });
  }
  if (res.status !== 303 || !jar.has("nunect_session")) {
    await res.body?.cancel();
    throw new CliError(
      res.status === 429
        ? "Login refused: too many attempts; wait a minute"
        : `Login of "${who.user}" refused: wrong user, password or code`,
      { status: res.status },
    );
  }
  await res.body?.cancel();
  const me = await send(`${base}/me`, { headers: { cookie: header(jar) } });
  const session = field(await me.text(), "_csrf");
  if (session === undefined) throw new CliError("Logged in, but the Me page had no CSRF token");
  const post = async <R>(path: string, body: unknown): Promise<R> =>
    await answer<R>(
      await send(`${base}${path}`, {
        method: "POST",
        headers: {
          cookie: header(jar),
          "x-csrf-token": session,
          "content-type": "application/json",
          origin: base,
        },
        body: JSON.stringify(body),
      }),
      `POST ${path}`,
    );
  try {
    return await work(post);
  } finally {
    const out = await send(`${base}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie: header(jar),
        origin: base,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ _csrf: session }),
    }).catch(() => undefined);
    await out?.body?.cancel();
  }
}
