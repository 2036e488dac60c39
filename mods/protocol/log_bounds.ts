import { PROTOCOL_LIMITS } from "./fields.ts";
import type { LogRecord } from "./messages.ts";

/** A log record cut to the protocol's bounds. */
export interface BoundedLogRecord {
  /** The record, its message and fields within `PROTOCOL_LIMITS`. */
  readonly record: LogRecord;
  /** Whether anything was cut (receivers count it). */
  readonly truncated: boolean;
}

/** The key under which cut fields are noted. */
export const TRUNCATED_FIELDS_KEY = "_truncated";

/**
 * Cuts a log record to `PROTOCOL_LIMITS.logMessage` characters of message and
 * `PROTOCOL_LIMITS.logFields` bytes of fields (as JSON), marking what was cut: the message ends
 * with `… [cut: N characters in all]`, and fields that do not fit are left out, in order, with a
 * `_truncated` note. A record within the bounds is returned as it is.
 *
 * @param record a record that passed `logSchema`
 * @returns the bounded record and whether it was cut
 * @example
 * ```ts
 * const { record, truncated } = boundLogRecord(v);
 * if (truncated) stats.truncated++;
 * ```
 */
export function boundLogRecord(record: LogRecord): BoundedLogRecord {
  const maxMsg = PROTOCOL_LIMITS.logMessage;
  let truncated = false;
  let msg = record.msg;
  if (msg.length > maxMsg) {
    msg = `${msg.slice(0, maxMsg)}… [cut: ${msg.length} characters in all]`;
    truncated = true;
  }
  let fields = record.fields;
  if (fields !== undefined) {
    const bounded = boundFields(fields);
    if (bounded !== fields) {
      fields = bounded;
      truncated = true;
    }
  }
  if (!truncated) return { record, truncated };
  return {
    record: { ...record, msg, ...(fields === undefined ? {} : { fields }) },
    truncated,
  };
}

const encoder = new TextEncoder();

function boundFields(fields: Record<string, unknown>): Record<string, unknown> {
  const max = PROTOCOL_LIMITS.logFields;
  let whole: string;
  try {
    whole = JSON.stringify(fields);
  } catch {
    return { [TRUNCATED_FIELDS_KEY]: "fields do not serialise to JSON" };
  }
  if (encoder.encode(whole).length <= max) return fields;
  const kept: Record<string, unknown> = {};
  const entries = Object.entries(fields);
  // Room for the note itself.
  let budget = max - 200;
  for (const [key, value] of entries) {
    const size = encoder.encode(JSON.stringify({ [key]: value }) ?? "").length;
    if (size > budget) break;
    kept[key] = value;
    budget -= size;
  }
  const left = entries.length - Object.keys(kept).length;
  kept[TRUNCATED_FIELDS_KEY] = `${left} of ${entries.length} fields left out: ${
    encoder.encode(whole).length
  } bytes, at most ${max} are kept`;
  return kept;
}
