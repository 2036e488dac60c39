/**
 * What nunect needs of a schema that checks data from the wire: `parse` and `safeParse`. Every
 * zod schema is one; functions that take a schema ({@linkcode decodeMessage},
 * `MonitorClient.get`, config variables) and schemas the public API hands out are typed with it,
 * so that the API names no zod type and users may bring any validator with these two methods.
 *
 * @module
 */

/** One problem a schema found: where in the value (`path`) and what is wrong (`message`). */
export interface WireIssue {
  /** Keys from the root to the offending value; empty for the root itself. */
  readonly path: readonly PropertyKey[];
  /** What is wrong, in the validator's words. */
  readonly message: string;
}

/** The answer of {@linkcode WireSchema.safeParse}: the checked value, or the problems found. */
export type WireResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly WireIssue[] } };

/**
 * A validator of untrusted data that yields a `T`: a zod schema, or anything with the same two
 * methods.
 *
 * @example
 * ```ts
 * const checked = heartbeatSchema.safeParse(JSON.parse(text));
 * if (checked.success) console.log(checked.data.unit_id);
 * ```
 */
export interface WireSchema<T> {
  /**
   * Checks a value.
   *
   * @param data the value to check (e.g. parsed JSON)
   * @returns the checked value, with defaults applied
   * @throws {Error} naming the first problem (zod's `ZodError`) when the value does not fit
   */
  parse(data: unknown): T;
  /**
   * Checks a value without throwing.
   *
   * @param data the value to check
   * @returns the checked value, or the problems found
   */
  safeParse(data: unknown): WireResult<T>;
}
