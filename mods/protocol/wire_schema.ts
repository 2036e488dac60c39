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

/** The keys of `T` that are named (a loose object's `[key: string]: unknown` dropped). */
type NamedKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

/**
 * `T` as compared by {@linkcode Agrees}: index signatures of loose objects (zod's
 * `looseObject`, which keeps fields it does not name) dropped at every depth, arrays read-only,
 * and each object's set of field names added as a field, so that an optional field on one side
 * only is a difference too.
 */
type Named<T> = T extends readonly (infer E)[] ? readonly Named<E>[]
  : T extends object ? [NamedKeys<T>] extends [never] ? { [K in keyof T]: Named<T[K]> }
    :
      & { [K in keyof T as string extends K ? never : number extends K ? never : K]: Named<T[K]> }
      & { readonly "~fields": NamedKeys<T> }
  : T;

/**
 * `true` when a schema's type and a hand-written interface describe the same data: the same
 * named fields, each optional in both or in neither, of mutually assignable types (read-only
 * and mutable count alike). Each wire type is written out as a documented interface beside its
 * zod schema and pinned to it at compile time, so the two cannot drift:
 *
 * ```ts
 * true satisfies Agrees<z.output<typeof ruleSchema>, Rule>;
 * ```
 */
export type Agrees<A, B> = [Named<A>] extends [Named<B>] ? [Named<B>] extends [Named<A>] ? true
  : false
  : false;
