import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
// features.ts only: the islands bundle this schema, and must not pull the monitoring client.
import { FEATURES } from "../monitor/features.ts";
import {
  assetName,
  duration,
  featureIssues,
  limit,
  parseInput,
  publishSubject,
  subjectFilter,
} from "./_schema.ts";
import { InvalidInputError } from "./errors.ts";

const rfc3339 = z.string().refine((s) => !Number.isNaN(Date.parse(s)), {
  message: "expected an RFC 3339 time, e.g. 2025-01-31T12:00:00Z",
});

const transform = z.object({ src: subjectFilter, dest: z.string().min(1) }).strict();

/** A stream's source or mirror: another stream (optionally in another account or domain). */
export const streamSourceSchema = z.object({
  name: assetName,
  opt_start_seq: z.number().int().positive().optional(),
  opt_start_time: rfc3339.optional(),
  filter_subject: subjectFilter.optional(),
  subject_transforms: z.array(transform).optional(),
  external: z.object({ api: z.string().min(1), deliver: z.string().optional() }).strict()
    .optional(),
}).strict().refine((s) => !(s.opt_start_seq !== undefined && s.opt_start_time !== undefined), {
  message: "give opt_start_seq or opt_start_time, not both",
  path: ["opt_start_time"],
});

/** A subject transform: messages on `src` (a filter) are stored as `dest`. */
export interface SubjectTransform {
  /** The subjects it applies to (a filter; wildcards allowed). */
  src: string;
  /** What they become (may use `{{wildcard(1)}}` and other mapping functions). */
  dest: string;
}

/** A stream's source or mirror: another stream (optionally in another account or domain). */
export interface StreamSourceInput {
  /** The other stream's name. */
  name: string;
  /** Start at this sequence (not with `opt_start_time`). */
  opt_start_seq?: number;
  /** Start at this time, RFC 3339 (not with `opt_start_seq`). */
  opt_start_time?: string;
  /** Only messages on these subjects. */
  filter_subject?: string;
  /** Only messages matching these transforms' sources, stored under their destinations. */
  subject_transforms?: SubjectTransform[];
  /** Where the other stream is: its JetStream API prefix and the delivery prefix. */
  external?: { api: string; deliver?: string };
}
true satisfies Agrees<z.input<typeof streamSourceSchema>, StreamSourceInput>;
true satisfies Agrees<z.output<typeof streamSourceSchema>, StreamSourceInput>;

const fields = {
  name: assetName,
  description: z.string().max(4096).optional(),
  subjects: z.array(subjectFilter).optional(),
  retention: z.enum(["limits", "interest", "workqueue"]).default("limits"),
  max_consumers: limit.default(-1),
  max_msgs: limit.default(-1),
  max_bytes: limit.default(-1),
  max_age: duration.default(0),
  max_msgs_per_subject: limit.default(-1),
  max_msg_size: limit.max(2 ** 31 - 1).default(-1),
  discard: z.enum(["old", "new"]).default("old"),
  discard_new_per_subject: z.boolean().optional(),
  storage: z.enum(["file", "memory"]).default("file"),
  num_replicas: z.number().int().min(1).max(5).default(1),
  no_ack: z.boolean().optional(),
  duplicate_window: duration.optional(),
  placement: z.object({
    cluster: z.string().optional(),
    tags: z.array(z.string()).optional(),
  }).strict().optional(),
  mirror: streamSourceSchema.optional(),
  sources: z.array(streamSourceSchema).optional(),
  compression: z.enum(["none", "s2"]).optional(),
  first_seq: z.number().int().positive().optional(),
  subject_transform: transform.optional(),
  republish: z.object({
    src: subjectFilter.optional(),
    dest: z.string().min(1),
    headers_only: z.boolean().optional(),
  }).strict().optional(),
  allow_direct: z.boolean().default(true),
  mirror_direct: z.boolean().optional(),
  sealed: z.boolean().optional(),
  deny_delete: z.boolean().optional(),
  deny_purge: z.boolean().optional(),
  allow_rollup_hdrs: z.boolean().optional(),
  consumer_limits: z.object({
    inactive_threshold: duration.optional(),
    max_ack_pending: z.number().int().min(-1).optional(),
  }).strict().optional(),
  allow_msg_ttl: z.boolean().optional(),
  subject_delete_marker_ttl: duration.optional(),
  allow_msg_counter: z.boolean().optional(),
  allow_atomic: z.boolean().optional(),
  allow_msg_schedules: z.boolean().optional(),
  persist_mode: z.enum(["default", "async"]).optional(),
  allow_batched: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
};

const objectSchema = z.object(fields).strict();
type Fields = z.output<typeof objectSchema>;

/** Rules across fields that the server would otherwise report one at a time. */
function crossFieldRules(c: Fields, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [path], message });
  if (c.mirror) {
    if (c.subjects?.length) issue("subjects", "a mirror has no subjects of its own");
    if (c.sources?.length) issue("sources", "a mirror cannot also have sources");
    if (c.first_seq !== undefined) issue("first_seq", "a mirror cannot set a first sequence");
  }
  if (c.discard_new_per_subject) {
    if (c.discard !== "new") issue("discard_new_per_subject", 'needs discard "new"');
    if (c.max_msgs_per_subject <= 0) {
      issue("discard_new_per_subject", "needs max_msgs_per_subject > 0");
    }
  }
  if (c.subject_delete_marker_ttl && !c.allow_msg_ttl) {
    issue("subject_delete_marker_ttl", "needs allow_msg_ttl");
  }
  if (
    c.subject_delete_marker_ttl !== undefined && c.subject_delete_marker_ttl > 0 &&
    c.subject_delete_marker_ttl < 1e9
  ) {
    issue("subject_delete_marker_ttl", "must be at least 1s");
  }
  if (c.retention === "workqueue" && c.allow_msg_counter) {
    issue("allow_msg_counter", "counters need limits or interest retention");
  }
  if (c.republish) {
    try {
      publishSubject.parse(c.republish.dest.replace(/\{\{[^}]*\}\}/g, "x"));
    } catch {
      issue("republish", `invalid destination "${c.republish.dest}"`);
    }
  }
}

/**
 * zod schema of a stream configuration as the console accepts it: the server's field names,
 * durations as nanoseconds or text (`1h`, `90s`), defaults as natscli applies them
 * (`allow_direct` on, so the console can browse the stream without consumers).
 */
export const streamConfigSchema = objectSchema.superRefine(crossFieldRules);

/**
 * A validated stream configuration, ready for the server (durations in nanoseconds). The fields
 * are the server's (`$JS.API.STREAM.CREATE`); see the JetStream documentation for each.
 */
export interface StreamConfigValue {
  /** The stream's name (no white space, dots, `*`, `>`, `/` or `\\`). */
  name: string;
  /** What it is for, for people. */
  description?: string;
  /** The subjects it stores (none for a mirror). */
  subjects?: string[];
  /** When messages go: at the limits, once every consumer has them, or once one has. */
  retention: "limits" | "interest" | "workqueue";
  /** Most consumers (-1: no limit). */
  max_consumers: number;
  /** Most messages (-1: no limit). */
  max_msgs: number;
  /** Most bytes (-1: no limit). */
  max_bytes: number;
  /** Oldest message age, nanoseconds (0: no limit). */
  max_age: number;
  /** Most messages per subject (-1: no limit). */
  max_msgs_per_subject: number;
  /** Largest message, bytes (-1: the server's limit). */
  max_msg_size: number;
  /** At a limit: drop the oldest messages, or refuse new ones. */
  discard: "old" | "new";
  /** With `discard` new: refuse per subject at `max_msgs_per_subject`. */
  discard_new_per_subject?: boolean;
  /** File or memory storage. */
  storage: "file" | "memory";
  /** Replicas, 1 to 5. */
  num_replicas: number;
  /** Publishes are not acknowledged. */
  no_ack?: boolean;
  /** How long a message ID is remembered to drop duplicates, nanoseconds. */
  duplicate_window?: number;
  /** Where its replicas go: a cluster and server tags. */
  placement?: { cluster?: string; tags?: string[] };
  /** The stream it mirrors. */
  mirror?: StreamSourceInput;
  /** The streams it sources from. */
  sources?: StreamSourceInput[];
  /** Storage compression (2.10+). */
  compression?: "none" | "s2";
  /** The first sequence (2.10+). */
  first_seq?: number;
  /** A transform applied to every stored subject (2.10+). */
  subject_transform?: SubjectTransform;
  /** Republish stored messages: from `src`, to `dest`, optionally headers only. */
  republish?: { src?: string; dest: string; headers_only?: boolean };
  /** Direct get of messages (on: the console browses without consumers). */
  allow_direct: boolean;
  /** A mirror answers direct gets too. */
  mirror_direct?: boolean;
  /** Sealed: nothing can be added, deleted or purged. */
  sealed?: boolean;
  /** Messages cannot be deleted. */
  deny_delete?: boolean;
  /** The stream cannot be purged. */
  deny_purge?: boolean;
  /** Roll-up headers (`Nats-Rollup`) are allowed. */
  allow_rollup_hdrs?: boolean;
  /** Defaults and limits for its consumers: inactivity threshold (nanoseconds), most pending acks (2.10+). */
  consumer_limits?: { inactive_threshold?: number; max_ack_pending?: number };
  /** Per-message TTL (`Nats-TTL`) allowed (2.11+). */
  allow_msg_ttl?: boolean;
  /** How long delete markers of a subject stay, nanoseconds (2.11+; needs `allow_msg_ttl`). */
  subject_delete_marker_ttl?: number;
  /** Counter messages (`Nats-Incr`) allowed (2.12+). */
  allow_msg_counter?: boolean;
  /** Atomic batch publishes allowed (2.12+). */
  allow_atomic?: boolean;
  /** Scheduled messages allowed (2.12+). */
  allow_msg_schedules?: boolean;
  /** Whether writes are flushed before the acknowledgement (`default`) or after (`async`, 2.12+). */
  persist_mode?: "default" | "async";
  /** Fast batch publishes allowed (2.12+). */
  allow_batched?: boolean;
  /** Free key/value metadata. */
  metadata?: Record<string, string>;
}
true satisfies Agrees<z.output<typeof streamConfigSchema>, StreamConfigValue>;

/** The fields of a stream configuration (besides durations) that may be left out for their default. */
export type StreamDefaulted =
  | "retention"
  | "max_consumers"
  | "max_msgs"
  | "max_bytes"
  | "max_msgs_per_subject"
  | "max_msg_size"
  | "discard"
  | "storage"
  | "num_replicas"
  | "allow_direct";

/** A duration as a form or API call may give it: nanoseconds, or text (`1h`, `90s`, `500ms`). */
export type DurationInput = number | string;

/**
 * What a stream configuration form or API call may send: a {@linkcode StreamConfigValue} whose
 * fields with a default may be left out (natscli's defaults: limits retention, no limits, discard
 * old, file storage, one replica, direct get on) and whose durations may be text.
 */
export type StreamConfigInput =
  & Omit<
    StreamConfigValue,
    | StreamDefaulted
    | "max_age"
    | "duplicate_window"
    | "consumer_limits"
    | "subject_delete_marker_ttl"
  >
  & Partial<Pick<StreamConfigValue, StreamDefaulted>>
  & {
    /** Oldest message age (0: no limit). */
    max_age?: DurationInput;
    /** How long a message ID is remembered to drop duplicates. */
    duplicate_window?: DurationInput;
    /** Defaults and limits for its consumers. */
    consumer_limits?: { inactive_threshold?: DurationInput; max_ack_pending?: number };
    /** How long delete markers of a subject stay. */
    subject_delete_marker_ttl?: DurationInput;
  };
true satisfies Agrees<z.input<typeof streamConfigSchema>, StreamConfigInput>;

/** Fields newer than nats-server 2.9 and the FEATURES key that introduced each. */
export const STREAM_FIELD_FEATURES: Readonly<Record<string, string>> = {
  compression: "stream_config_2_10",
  first_seq: "stream_config_2_10",
  subject_transform: "subject_transforms",
  consumer_limits: "stream_config_2_10",
  metadata: "stream_config_2_10",
  allow_msg_ttl: "message_ttl",
  subject_delete_marker_ttl: "message_ttl",
  allow_msg_counter: "message_counters",
  allow_atomic: "atomic_publish",
  allow_msg_schedules: "atomic_publish",
  persist_mode: "atomic_publish",
  allow_batched: "fast_batch_publish",
};

/** Whether a value is more than the field's default (so an older server would have to know it). */
function isSet(field: string, v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (field === "compression" && v === "none") return false;
  if (field === "persist_mode" && v === "default") return false;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/**
 * Validates a stream configuration for the running server: structure and cross-field rules
 * (zod), then every field the server is too old for ("requires nats-server ≥ X"). Unused newer
 * fields are left out, so older servers never see them.
 *
 * @param input the configuration (form or API)
 * @param version the running server's version
 * @returns the configuration to send
 * @throws {InvalidInputError} listing every problem with its field
 * @example
 * ```ts
 * validateStreamConfig({ name: "ORDERS", subjects: ["orders.>"], max_age: "7d" }, "2.15.2");
 * ```
 */
export function validateStreamConfig(input: unknown, version: string): StreamConfigValue {
  const value = parseInput(streamConfigSchema, input, "stream configuration");
  const issues = featureIssues(value, STREAM_FIELD_FEATURES, isSet, version);
  const withTransforms = (list: readonly { subject_transforms?: unknown[] }[]) =>
    list.some((s) => (s.subject_transforms?.length ?? 0) > 0);
  for (
    const [path, used] of [
      ["mirror", withTransforms(value.mirror ? [value.mirror] : [])],
      ["sources", withTransforms(value.sources ?? [])],
    ] as const
  ) {
    if (!used) continue;
    const gate = { subject_transforms: "subject_transforms" };
    for (const i of featureIssues({ subject_transforms: true }, gate, () => true, version)) {
      issues.push({ ...i, path: `${path}.subject_transforms` });
    }
  }
  if (issues.length > 0) throw new InvalidInputError("stream configuration", issues);
  const out: StreamConfigValue = { ...value };
  for (const field of Object.keys(STREAM_FIELD_FEATURES) as (keyof StreamConfigValue)[]) {
    if (!isSet(field, out[field])) delete out[field];
  }
  return out;
}

/** A stream configuration's starting point. */
export type StreamPreset = "limits" | "work-queue" | "interest" | "kv-like";

/** The presets, with what each is for. */
export const STREAM_PRESETS: Readonly<Record<StreamPreset, string>> = {
  "limits": "Keeps messages until a limit (age, count, bytes) removes the oldest",
  "work-queue": "Each message is consumed once, then removed; one consumer per subject",
  "interest": "Keeps a message until every consumer that existed when it arrived has it",
  "kv-like": "Only the latest message per subject, rollups allowed: a key-value table",
};

/**
 * A starting configuration for a kind of stream, to edit before creating it.
 *
 * @param preset which kind
 * @param name the stream's name
 * @param subjects its subjects
 * @returns a configuration input
 */
export function streamPreset(
  preset: StreamPreset,
  name: string,
  subjects: readonly string[],
): StreamConfigInput {
  const base: StreamConfigInput = {
    name,
    subjects: [...subjects],
    storage: "file",
    num_replicas: 1,
    allow_direct: true,
  };
  switch (preset) {
    case "limits":
      return { ...base, retention: "limits", discard: "old" };
    case "work-queue":
      return { ...base, retention: "workqueue", discard: "old" };
    case "interest":
      return { ...base, retention: "interest", discard: "old" };
    case "kv-like":
      return {
        ...base,
        retention: "limits",
        max_msgs_per_subject: 1,
        discard: "new",
        discard_new_per_subject: false,
        allow_rollup_hdrs: true,
        deny_delete: true,
        duplicate_window: "2m",
      };
  }
}

/** One field of the stream form: its name and whether the running server has it. */
export interface FormField {
  /** The configuration field. */
  readonly field: string;
  /** The version that introduced it, or null for fields every supported server has. */
  readonly requires: string | null;
  /** Whether the running server has it. */
  readonly available: boolean;
}

/**
 * Every field of the stream configuration and whether the running server has it, so a form
 * can show "requires nats-server ≥ X" on the ones it lacks.
 *
 * @param version the running server's version
 * @returns the fields in form order
 */
export function streamFormFields(version: string): FormField[] {
  return Object.keys(fields).map((field) => {
    const feature = STREAM_FIELD_FEATURES[field];
    if (feature === undefined) return { field, requires: null, available: true };
    const f = FEATURES.find((x) => x.feature === feature)!;
    const available = featureIssues({ [field]: true }, { [field]: feature }, () => true, version)
      .length === 0;
    return { field, requires: f.requires, available };
  });
}
