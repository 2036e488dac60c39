import { PROTOCOL_LIMITS } from "./fields.ts";
import type { WireSchema } from "./wire_schema.ts";

/** Why a message did not decode: not JSON, not the schema, or a `ts` beyond the tolerance. */
export type DecodeFailure = "json" | "schema" | "timestamp";

/** Result of {@linkcode decodeMessage}: the value, or why it was dropped. */
export type Decoded<T> =
  | { ok: true; value: T }
  | { ok: false; reason: DecodeFailure; error: string };

/** Options of {@linkcode decodeMessage}. */
export interface DecodeOptions {
  /**
   * The receiver's clock (ms since the epoch). When given, a message whose `ts` is further than
   * `PROTOCOL_LIMITS.timestampToleranceMs` from it, either way, is refused as malformed.
   */
  readonly nowMs?: number;
}

const decoder = new TextDecoder();

/**
 * Parses a message payload as JSON and validates it with a protocol schema (and, given the
 * receiver's clock, its timestamp). Never throws: every consumer counts, logs and drops what does
 * not parse.
 *
 * @param schema the schema of the expected message (a zod schema)
 * @param data the raw payload
 * @param options the receiver's clock, for the timestamp check
 * @returns the typed value, or the reason and an error naming what is wrong
 * @example
 * ```ts
 * const d = decodeMessage(heartbeatSchema, msg.data, { nowMs: Date.now() });
 * if (!d.ok) count(d.reason);
 * ```
 */
export function decodeMessage<T>(
  schema: WireSchema<T>,
  data: Uint8Array,
  options: DecodeOptions = {},
): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, reason: "json", error: `Invalid JSON payload of ${data.length} bytes` };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      reason: "schema",
      error: `Invalid message: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    };
  }
  const ts = (result.data as { ts?: unknown }).ts;
  if (options.nowMs !== undefined && typeof ts === "number") {
    const problem = timestampProblem(ts, options.nowMs);
    if (problem !== undefined) return { ok: false, reason: "timestamp", error: problem };
  }
  return { ok: true, value: result.data };
}

/**
 * What is wrong with a message's timestamp, seen from the receiver's clock.
 *
 * @param ts the message's `ts` (ms since the epoch)
 * @param nowMs the receiver's clock
 * @returns the problem, or undefined within `PROTOCOL_LIMITS.timestampToleranceMs`
 */
export function timestampProblem(ts: number, nowMs: number): string | undefined {
  const diff = ts - nowMs;
  const tolerance = PROTOCOL_LIMITS.timestampToleranceMs;
  if (Math.abs(diff) <= tolerance) return undefined;
  const when = ts <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
  return `Invalid message: ts: ${when} is ${span(Math.abs(diff))} ${
    diff > 0 ? "ahead of" : "behind"
  } the receiver's clock (tolerance ±${tolerance / 3600_000} h): the sender's clock is wrong`;
}

function span(ms: number): string {
  const hours = ms / 3600_000;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  const days = hours / 24;
  return days < 730 ? `${days.toFixed(0)} days` : `${(days / 365.25).toFixed(0)} years`;
}
