import { HttpError } from "./errors.ts";

/**
 * Reads an optional non-negative integer query parameter.
 *
 * @param value the raw value
 * @param name the parameter name, for the error
 * @param max the largest accepted value
 * @returns the number, or undefined when absent
 * @throws {HttpError} 400 when it is not a whole number in range
 */
export function intParam(
  value: string | undefined,
  name: string,
  max = 1_000_000,
): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new HttpError(400, `Invalid ${name} "${value}": expected a whole number 0-${max}`);
  }
  return Number(value);
}

/**
 * Reads an optional query parameter that must be one of a list.
 *
 * @param value the raw value
 * @param name the parameter name, for the error
 * @param allowed the accepted values
 * @returns the value, or undefined when absent
 * @throws {HttpError} 400 when it is not in the list
 */
export function enumParam<T extends string>(
  value: string | undefined,
  name: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new HttpError(400, `Invalid ${name} "${value}": expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/**
 * Reads an optional name-like query parameter (account, user, subject).
 *
 * @param value the raw value
 * @param name the parameter name, for the error
 * @returns the value, or undefined when absent
 * @throws {HttpError} 400 when it has white space or control characters or is too long
 */
export function nameParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > 256 || /[\s\p{Cc}]/u.test(value)) {
    throw new HttpError(
      400,
      `Invalid ${name} "${value.slice(0, 64)}": no white space, up to 256 characters`,
    );
  }
  return value;
}
