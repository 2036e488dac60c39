import { CliError } from "./errors.ts";

/** Where the CLI finds the dashboard and how it proves who it is. */
export interface ApiClientOptions {
  /** The dashboard's base URL, e.g. `http://127.0.0.1:4280` (NUNECT_URL). */
  readonly url: string;
  /** An API token (NUNECT_TOKEN); `undefined` for the commands that log in instead. */
  readonly token?: string;
  /** Gives up on a request after this long (default 30 s). */
  readonly timeoutMs?: number;
}

/**
 * The dashboard's JSON API as the CLI calls it: `Authorization: Bearer <token>` on every
 * request (no cookie, no CSRF token: the same routes, roles, scopes and audit trail as the
 * browser's), JSON in and out, and the API's error answers turned into a {@linkcode CliError}
 * with its message.
 */
export class ApiClient {
  /** The dashboard's origin (scheme, host and port). */
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  /**
   * Creates the client.
   *
   * @param options base URL, token, timeout
   * @throws {CliError} for a URL that is not http(s)
   */
  constructor(options: ApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new CliError(
        `Invalid NUNECT_URL "${options.url}": expected the dashboard's URL, e.g. http://127.0.0.1:4280`,
        { exitCode: 2 },
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new CliError(`Invalid NUNECT_URL "${options.url}": expected http(s)://`, {
        exitCode: 2,
      });
    }
    this.url = url.origin;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * GETs a JSON answer.
   *
   * @param path e.g. `/api/streams`
   * @param query query parameters (undefined ones left out)
   * @returns the answer
   * @throws {CliError} with the API's message, or why the dashboard was not reached
   */
  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.#call<T>("GET", path, query, undefined);
  }

  /**
   * POSTs JSON.
   *
   * @param path e.g. `/api/users`
   * @param body the JSON body
   * @param query query parameters
   * @returns the answer
   * @throws {CliError} with the API's message, or why the dashboard was not reached
   */
  post<T>(
    path: string,
    body: unknown = {},
    query: Record<string, string | number | undefined> = {},
  ): Promise<T> {
    return this.#call<T>("POST", path, query, body);
  }

  async #call<T>(
    method: string,
    path: string,
    query: Record<string, string | number | undefined>,
    body: unknown,
  ): Promise<T> {
    if (this.#token === undefined) {
      throw new CliError(
        "No API token: set NUNECT_TOKEN (make one on the dashboard's Me page, or with " +
          "`deno task cli tokens create --user <name>`)",
        { exitCode: 2 },
      );
    }
    const q = new URLSearchParams(
      Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]),
    );
    const target = `${this.url}${path}${q.size > 0 ? `?${q}` : ""}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await send(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    return await answer<T>(res, `${method} ${path}`);
  }
}

/**
 * Sends a request; a refused permission or an unreachable host becomes a {@linkcode CliError}
 * saying what to do.
 *
 * @param url the URL
 * @param init the request
 * @returns the response
 */
export async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const host = new URL(url).host;
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new CliError(
        `Not allowed to reach "${host}": the cli permission set reaches 127.0.0.1 and localhost; ` +
          `for another dashboard run \`deno run -P=cli --allow-net=${host} mods/cli/main.ts …\``,
        { exitCode: 2, cause: e },
      );
    }
    throw new CliError(
      `Dashboard at "${host}" not reachable (${(e as Error).message}): check NUNECT_URL and ` +
        "that the dashboard runs",
      { cause: e },
    );
  }
}

/**
 * The JSON of an answer, or the API's error as a {@linkcode CliError}.
 *
 * @param res the response
 * @param what the request, for messages
 * @returns the JSON
 */
export async function answer<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    throw new CliError(`${what}: the dashboard answered ${res.status} with something not JSON`, {
      status: res.status,
    });
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } } | null)?.error?.message ??
      `HTTP ${res.status}`;
    throw new CliError(`${what}: ${res.status} ${message}`, { status: res.status });
  }
  return json as T;
}
