import type { MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";

/**
 * Builders of query-parameter schemas (zod): each takes the raw string and says, on failure,
 * what a valid value looks like. Every field is optional; an empty value counts as absent.
 */
export const param = {
  /** A whole number 0-`max`. */
  int: (max = 1_000_000) =>
    z.string()
      .refine((v) => /^\d+$/.test(v) && Number(v) <= max, `expected a whole number 0-${max}`)
      .transform(Number)
      .optional(),
  /** One of `values`. */
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `expected one of ${values.join(", ")}` }).optional(),
  /** A name-like value (account, user, subject): no white space, up to 256 characters. */
  name: () =>
    z.string()
      .refine(
        (v) => v.length <= 256 && !/[\s\p{Cc}]/u.test(v),
        "no white space, up to 256 characters",
      )
      .optional(),
  /** `true` or `false`. */
  flag: () =>
    z.enum(["true", "false"], { error: "expected true or false" })
      .transform((v) => v === "true")
      .optional(),
} as const;

/**
 * Parses raw query parameters (or path parameters) with a schema.
 *
 * @param schema the schema of the parameters
 * @param raw the parameters as strings
 * @returns the parsed parameters
 * @throws {InvalidRequestError} naming the first bad parameter, its value and what is expected
 */
export function parseParams<T>(schema: z.ZodType<T>, raw: Record<string, string>): T {
  // Forms send empty fields; an empty value is an absent one.
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ""));
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? "query");
  const value = given[key];
  const shown = value === undefined ? "" : ` "${value.slice(0, 64)}"`;
  throw new InvalidRequestError(`Invalid ${key}${shown}: ${issue.message}`);
}

/**
 * Hono's validator for the query string with a zod schema: the handler reads the typed result
 * with `c.req.valid("query")`; a bad parameter is a 400 naming it.
 *
 * @param schema the schema of the query parameters
 * @returns the middleware
 */
// deno-lint-ignore no-explicit-any
export function validQuery<T>(schema: z.ZodType<T>): MiddlewareHandler<any> {
  return validator("query", (raw: Record<string, string | string[]>): T =>
    parseParams(
      schema,
      Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? "" : v]),
      ),
    )) as MiddlewareHandler;
}
