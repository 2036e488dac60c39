import { z } from "zod";
import type { WireSchema } from "../protocol/wire_schema.ts";

/** What a history row describes; one subject token each. */
export const KINDS = ["server", "account", "stream", "consumer", "unit"] as const;
/** A kind of entity with history. */
export type Kind = (typeof KINDS)[number];

/**
 * How a field aggregates into a coarser tier: a `counter` keeps its last value (rates come from
 * differences, so a coarse point is as exact as a fine one), a `gauge` its mean.
 */
export type FieldType = "counter" | "gauge";

/**
 * The fields recorded for each kind, in wire order, with their type. Counters are cumulative
 * totals as the server reports them; gauges are levels. Units: bytes, messages, µs, ns, s.
 */
export const FIELDS: { readonly [K in Kind]: Readonly<Record<string, FieldType>> } = {
  server: {
    in_msgs: "counter",
    out_msgs: "counter",
    in_bytes: "counter",
    out_bytes: "counter",
    slow_consumers: "counter",
    disconnects: "counter",
    connections: "gauge",
    subscriptions: "gauge",
    mem_bytes: "gauge",
    cpu_percent: "gauge",
    healthy: "gauge",
    js_memory_bytes: "gauge",
    js_storage_bytes: "gauge",
    js_max_memory_bytes: "gauge",
    js_max_storage_bytes: "gauge",
  },
  account: {
    in_msgs: "counter",
    out_msgs: "counter",
    in_bytes: "counter",
    out_bytes: "counter",
    slow_consumers: "counter",
    connections: "gauge",
    leafnodes: "gauge",
    subscriptions: "gauge",
    js_memory_bytes: "gauge",
    js_storage_bytes: "gauge",
    js_max_memory_bytes: "gauge",
    js_max_storage_bytes: "gauge",
  },
  stream: {
    last_seq: "counter",
    messages: "gauge",
    bytes: "gauge",
    consumers: "gauge",
    max_bytes: "gauge",
    max_msgs: "gauge",
  },
  consumer: {
    delivered_stream_seq: "counter",
    ack_floor_stream_seq: "counter",
    redelivered: "counter",
    num_pending: "gauge",
    num_ack_pending: "gauge",
    num_waiting: "gauge",
  },
  unit: {
    up: "gauge",
    heartbeat_age_s: "gauge",
    rtt_native_us: "gauge",
    rtt_app_us: "gauge",
    clock_offset_ns: "gauge",
    clock_quality: "gauge",
  },
};

/** The field names of a kind, in wire order. */
export function fieldNames(kind: Kind): string[] {
  return Object.keys(FIELDS[kind]);
}

/** One row: the values of a kind's fields in {@linkcode fieldNames} order; null = not known. */
export type Row = (number | null)[];

/**
 * One point in time of one kind at one tier: every entity's row. This is the payload of a
 * history message (`nunect.history.<tier>.<kind>`), the unit of downsampling, and what alert
 * rules and charts read.
 */
export interface Frame {
  /** Start of the point's interval, ms since the epoch (a multiple of `stepMs`). */
  readonly t: number;
  /** The tier's step in ms. */
  readonly stepMs: number;
  /** What the rows describe. */
  readonly kind: Kind;
  /** Field names, in row order (kept in the message so old points stay readable). */
  readonly fields: readonly string[];
  /** Entity ID (server name, account, `account/stream`, `account/stream/consumer`, unit ID) to row. */
  readonly rows: Readonly<Record<string, Row>>;
}

/** The schema of a stored frame: history is read back through it like any wire message. */
export const frameSchema: WireSchema<Frame> = z.object({
  t: z.number().int().nonnegative(),
  stepMs: z.number().int().positive(),
  kind: z.enum(KINDS),
  fields: z.array(z.string()),
  rows: z.record(z.string(), z.array(z.number().nullable())),
}) satisfies z.ZodType<Frame>;

/** Clock quality as a number, so that it can be charted and compared: higher is better. */
export const CLOCK_QUALITY = { freerun: 0, acquiring: 1, tracking: 2, locked: 3 } as const;

/**
 * A frame from named values: each entity's fields by name, missing ones null.
 *
 * @param kind the kind
 * @param t the point's time, ms
 * @param stepMs the tier's step
 * @param rows entity ID to field name to value
 * @returns the frame, fields in wire order
 * @example
 * ```ts
 * frameOf("consumer", 0, 10_000, { "OPS/orders/worker": { num_pending: 5 } });
 * ```
 */
export function frameOf(
  kind: Kind,
  t: number,
  stepMs: number,
  rows: Readonly<Record<string, Readonly<Record<string, number | null>>>>,
): Frame {
  const fields = fieldNames(kind);
  const out: Record<string, Row> = {};
  for (const [id, values] of Object.entries(rows)) out[id] = fields.map((f) => values[f] ?? null);
  return { t, stepMs, kind, fields, rows: out };
}

/**
 * The value of one field of one entity in a frame.
 *
 * @param frame the frame
 * @param id the entity
 * @param field the field name
 * @returns the number, or null when the entity or field is absent
 */
export function valueOf(frame: Frame, id: string, field: string): number | null {
  const i = frame.fields.indexOf(field);
  if (i < 0) return null;
  return frame.rows[id]?.[i] ?? null;
}
