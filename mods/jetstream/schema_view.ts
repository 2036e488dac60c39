import type { NatsConnection } from "../client/nats_types.ts";
import { asText } from "./_bytes.ts";
import { browseMessages, readerFor } from "./browse.ts";

/**
 * The shape of JSON values, in JSON Schema's words (`type`, `properties`, `items`, `required`),
 * plus how often each property was present: enough to show what a subject's payloads look like.
 */
export interface Shape {
  /** The JSON types seen, e.g. `["integer"]` or `["string", "null"]`. */
  readonly type: readonly string[];
  /** For objects: each property's shape and in how many of the objects it was present. */
  readonly properties?: Readonly<Record<string, Shape & { readonly seen: number }>>;
  /** For objects: properties present in every object seen. */
  readonly required?: readonly string[];
  /** For arrays: the shape of their items. */
  readonly items?: Shape;
  /** How many values this shape was inferred from. */
  readonly count: number;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v; // string, boolean, object
}

/**
 * Infers the shape of a sample of JSON values (pure).
 *
 * @param values parsed JSON values
 * @returns their merged shape
 * @example
 * ```ts
 * inferShape([{ id: 1 }, { id: 2, note: "x" }]);
 * // { type: ["object"], properties: { id: {…seen: 2}, note: {…seen: 1} }, required: ["id"], count: 2 }
 * ```
 */
export function inferShape(values: readonly unknown[]): Shape {
  const types = new Set<string>();
  const objects: Record<string, unknown>[] = [];
  const items: unknown[] = [];
  for (const v of values) {
    const t = typeOf(v);
    types.add(t);
    if (t === "object") objects.push(v as Record<string, unknown>);
    if (t === "array") items.push(...(v as unknown[]));
  }
  // An integer where numbers are also seen is just a number.
  if (types.has("number")) types.delete("integer");
  const shape: {
    type: string[];
    count: number;
    properties?: Record<string, Shape & { seen: number }>;
    required?: string[];
    items?: Shape;
  } = { type: [...types].sort(), count: values.length };
  if (objects.length > 0) {
    const keys = new Map<string, unknown[]>();
    for (const o of objects) {
      for (const [k, v] of Object.entries(o)) {
        let list = keys.get(k);
        if (list === undefined) keys.set(k, list = []);
        list.push(v);
      }
    }
    shape.properties = Object.fromEntries(
      [...keys.entries()].sort(([a], [b]) => a.localeCompare(b))
        .map(([k, vs]) => [k, { ...inferShape(vs), seen: vs.length }]),
    );
    shape.required = [...keys.entries()].filter(([, vs]) => vs.length === objects.length)
      .map(([k]) => k).sort();
  }
  if (items.length > 0) shape.items = inferShape(items);
  return shape;
}

/** What a subject's payloads look like. */
export interface SubjectSchema {
  /** The subject. */
  readonly subject: string;
  /** Messages sampled. */
  readonly sampled: number;
  /** Of those, how many were JSON. */
  readonly json: number;
  /** The shape of the JSON ones, or null when none was JSON. */
  readonly shape: Shape | null;
}

/**
 * The JSON shape of each subject's payloads, from a sample of the newest messages (read without
 * a consumer).
 *
 * @param nc a connection in the stream's account
 * @param stream the stream
 * @param options a subject filter, and how many messages to sample (default 200, at most 1000)
 * @returns one entry per subject seen in the sample, by subject
 */
export async function schemaView(
  nc: NatsConnection,
  stream: string,
  options: { subject?: string; sample?: number } = {},
): Promise<SubjectSchema[]> {
  const limit = Math.min(options.sample ?? 200, 1000);
  const page = await browseMessages(nc, stream, {
    direction: "backward",
    subject: options.subject,
    limit,
    previewBytes: 0,
  });
  const reader = readerFor(nc, stream);
  const bySubject = new Map<string, { sampled: number; values: unknown[] }>();
  // The page carries previews only: read the sampled messages whole.
  const first = page.messages[0]?.seq;
  if (first !== undefined) {
    const last = page.messages[page.messages.length - 1]!.seq;
    await reader.read({ seq: first, upToSeq: last, subject: options.subject }, (m) => {
      let entry = bySubject.get(m.subject);
      if (entry === undefined) bySubject.set(m.subject, entry = { sampled: 0, values: [] });
      entry.sampled++;
      const text = asText(m.data);
      if (text === null) return;
      try {
        entry.values.push(JSON.parse(text));
      } catch { /* not JSON */ }
    });
  }
  return [...bySubject.entries()].sort(([a], [b]) => a.localeCompare(b)).map((
    [subject, e],
  ) => ({
    subject,
    sampled: e.sampled,
    json: e.values.length,
    shape: e.values.length > 0 ? inferShape(e.values) : null,
  }));
}
