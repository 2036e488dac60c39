import { InvalidUnitIdError } from "./errors.ts";

/** A unit ID is exactly one NATS subject token: 1-64 letters, digits, `_` or `-`. */
export const UNIT_ID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a unit ID and returns it unchanged.
 *
 * @param id the candidate unit ID
 * @returns `id` when valid
 * @throws {InvalidUnitIdError} naming the value and what is wrong with it
 * @example
 * ```ts
 * validateUnitId("router-07"); // "router-07"
 * validateUnitId("a.b"); // throws: Invalid unit ID "a.b": dots are not allowed
 * ```
 */
export function validateUnitId(id: unknown): string {
  if (typeof id !== "string") {
    throw new InvalidUnitIdError(`Invalid unit ID ${String(id)}: expected a string`);
  }
  if (UNIT_ID_PATTERN.test(id)) return id;
  throw new InvalidUnitIdError(`Invalid unit ID "${id}": ${unitIdProblem(id)}`);
}

function unitIdProblem(id: string): string {
  if (id.length === 0) return "it is empty";
  if (id.length > 64) return `it has ${id.length} characters, at most 64 are allowed`;
  if (id.includes(".")) return "dots are not allowed";
  if (/\s/.test(id)) return "white space is not allowed";
  if (id.includes("*") || id.includes(">")) return "wildcards are not allowed";
  return 'only letters, digits, "_" and "-" are allowed';
}

/**
 * Whether `id` is a valid unit ID.
 *
 * @param id the candidate
 * @returns true when valid
 */
export function isUnitId(id: unknown): id is string {
  return typeof id === "string" && UNIT_ID_PATTERN.test(id);
}
