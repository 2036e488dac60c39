/**
 * The KV bucket in OPS where the controller keeps which user keys may sign each OPS unit's
 * telemetry: key = unit ID, value = a {@linkcode UnitKeysEntry} as JSON. Only the controller writes
 * it (its `controller-audit` user); the units table reads it to verify signatures.
 */
export const UNIT_KEYS_BUCKET = "nunect_unit_keys";

/** One unit's entry in {@linkcode UNIT_KEYS_BUCKET}. */
export interface UnitKeysEntry {
  /** The unit's role as last issued: `guardian`, `app` or `browser`. */
  readonly role: "guardian" | "app" | "browser";
  /** The public keys (`U…`) of its active users; empty once all are revoked. */
  readonly keys: readonly string[];
}

/**
 * Parses an entry read from the bucket.
 *
 * @param json the parsed value
 * @returns the entry, or undefined when it is not one
 */
export function parseUnitKeysEntry(json: unknown): UnitKeysEntry | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const { role, keys } = json as Record<string, unknown>;
  if (role !== "guardian" && role !== "app" && role !== "browser") return undefined;
  if (
    !Array.isArray(keys) || !keys.every((k) => typeof k === "string" && /^U[A-Z2-7]{55}$/.test(k))
  ) {
    return undefined;
  }
  return { role, keys };
}
