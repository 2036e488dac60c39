import { z } from "zod";
import { validateSubject } from "../protocol/mod.ts";
// features.ts only: the islands bundle these schemas, and must not pull the monitoring client.
import { featureInfo, hasFeature } from "../monitor/features.ts";
import { type FieldIssue, InvalidInputError } from "./errors.ts";

const UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86_400e9,
};

/**
 * Parses a duration: nanoseconds as a number (the server's JSON), or Go-style text such as
 * `90s`, `1h30m`, `500ms`, `7d`.
 *
 * @param v a number of nanoseconds or a duration text
 * @returns nanoseconds
 * @throws {RangeError} naming the value when it is neither
 */
export function parseDuration(v: number | string): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`Invalid duration ${v}: expected ≥ 0`);
    return Math.round(v);
  }
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let rest = s;
  const part = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/;
  if (rest === "") throw new RangeError(`Invalid duration "${v}": it is empty`);
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (m === null) {
      throw new RangeError(`Invalid duration "${v}": expected e.g. 90s, 1h30m, 500ms or 7d`);
    }
    total += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** A duration field: nanoseconds or Go-style text, validated to nanoseconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** A subject or filter (wildcards allowed). */
export const subjectFilter = z.string().transform((v, ctx) => {
  try {
    return validateSubject(v, true);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** A subject to publish to (no wildcards). */
export const publishSubject = z.string().transform((v, ctx) => {
  try {
    return validateSubject(v, false);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** A JetStream asset name: no white space, dots, wildcards or path separators; at most 255. */
export const assetName = z.string().min(1, "a name is required").max(255).regex(
  /^[^\s.*>/\\]+$/,
  "no white space, dots, *, >, / or \\ allowed",
);

/** An integer limit where -1 means unlimited. */
export const limit = z.number().int().min(-1);

/**
 * Validates `input` with `schema`, turning every problem into a {@linkcode FieldIssue}.
 *
 * @param schema the zod schema
 * @param input what was given
 * @param what what it is, for the message (`stream configuration`)
 * @returns the parsed value
 * @throws {InvalidInputError} listing every problem with its field
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues: FieldIssue[] = r.error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
  }));
  throw new InvalidInputError(what, issues, { cause: r.error });
}

/**
 * Issues for fields the running server does not have: each set field whose feature is newer
 * than `version` says "requires nats-server ≥ X".
 *
 * @param value the parsed configuration
 * @param gates field name → FEATURES key
 * @param isSet whether a field counts as used (not at its default)
 * @param version the running server's version
 * @returns one issue per unsupported field in use
 */
export function featureIssues(
  value: Readonly<Record<string, unknown>>,
  gates: Readonly<Record<string, string>>,
  isSet: (field: string, v: unknown) => boolean,
  version: string,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [field, feature] of Object.entries(gates)) {
    if (!isSet(field, value[field])) continue;
    if (!hasFeature(version, feature)) {
      issues.push({
        path: field,
        message: `requires nats-server ≥ ${
          featureInfo(feature).requires
        } (the server runs ${version})`,
      });
    }
  }
  return issues;
}
