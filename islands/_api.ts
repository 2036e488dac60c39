/**
 * The islands' one way to call the dashboard's JSON API: the CSRF token on every change, JSON in
 * and out, and the error renderer's answer (`{ error: { status, message, issues, field,
 * requires } }`) turned into an {@linkcode ApiError} a form can show field by field.
 *
 * @module
 */

/** One problem with a field, as the API reports it. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
}

/** What the API answered instead of a result. */
export interface ApiFailure {
  readonly status: number;
  readonly message: string;
  readonly issues?: readonly ApiIssue[];
  readonly field?: string | null;
  readonly requires?: string;
}

/** A failed API call, carrying the API's explanation. */
export class ApiError extends Error {
  /** The API's answer. */
  readonly failure: ApiFailure;

  /** @param failure the API's answer */
  constructor(failure: ApiFailure) {
    super(failure.message);
    this.failure = failure;
  }

  /**
   * The message for one field: its issues, or the server's refusal when it concerns that field.
   *
   * @param field a field name (dotted paths match their first part too)
   * @returns the message, or undefined
   */
  forField(field: string): string | undefined {
    const issue = this.failure.issues?.find((i) =>
      i.path === field || i.path.startsWith(`${field}.`)
    );
    if (issue) return issue.message;
    return this.failure.field === field ? this.failure.message : undefined;
  }
}

/**
 * Calls the API.
 *
 * @param url the API path with its query
 * @param options method (GET unless a body is given), JSON body, raw body, CSRF token
 * @returns the answer's JSON
 * @throws {ApiError} with the API's explanation
 */
export async function api<T>(
  url: string,
  options: { method?: string; body?: unknown; raw?: BodyInit; csrf?: string } = {},
): Promise<T> {
  const method = options.method ?? (options.body !== undefined || options.raw ? "POST" : "GET");
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.csrf) headers["x-csrf-token"] = options.csrf;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
    });
  } catch {
    throw new ApiError({ status: 0, message: "The dashboard server did not answer" });
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (json as { error?: ApiFailure } | undefined)?.error;
    throw new ApiError(e ?? { status: res.status, message: `HTTP ${res.status}` });
  }
  return json as T;
}

/**
 * A query string of the non-empty values.
 *
 * @param values parameters
 * @returns `?a=1&b=x`, or "" when there are none
 */
export function query(
  values: Record<string, string | number | boolean | undefined | null>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * Header lines from text, one `Name: value` per line.
 *
 * @param text the lines
 * @returns `[name, value]` pairs
 */
export function headerLines(text: string): [string, string][] {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const i = l.indexOf(":");
    return i < 0 ? [l, ""] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
}

/**
 * A Go-style duration from nanoseconds, for forms (`3600000000000` → `1h`).
 *
 * @param ns nanoseconds
 * @returns e.g. `1h30m`, `90s`, `500ms`, or `0`
 */
export function durationText(ns: number): string {
  if (!ns) return "0";
  const units: [string, number][] = [["d", 86_400e9], ["h", 3600e9], ["m", 60e9], ["s", 1e9], [
    "ms",
    1e6,
  ]];
  let rest = ns;
  let out = "";
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return rest > 0 ? `${out}${rest}ns` : out;
}
