import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import type { DurationInput } from "./stream_config.ts";
import { assetName, duration, featureIssues, parseInput, subjectFilter } from "./_schema.ts";
import { InvalidInputError } from "./errors.ts";

const rfc3339 = z.string().refine((s) => !Number.isNaN(Date.parse(s)), {
  message: "expected an RFC 3339 time, e.g. 2025-01-31T12:00:00Z",
});

const fields = {
  durable_name: assetName.optional(),
  name: assetName.optional(),
  description: z.string().max(4096).optional(),
  deliver_policy: z.enum([
    "all",
    "last",
    "new",
    "by_start_sequence",
    "by_start_time",
    "last_per_subject",
  ]).default("all"),
  opt_start_seq: z.number().int().positive().optional(),
  opt_start_time: rfc3339.optional(),
  ack_policy: z.enum(["none", "all", "explicit", "flow_control"]).default("explicit"),
  ack_wait: duration.optional(),
  max_deliver: z.number().int().min(-1).optional(),
  backoff: z.array(duration).optional(),
  filter_subject: subjectFilter.optional(),
  filter_subjects: z.array(subjectFilter).optional(),
  replay_policy: z.enum(["instant", "original"]).default("instant"),
  rate_limit_bps: z.number().int().min(0).optional(),
  sample_freq: z.string().regex(/^\d{1,3}%?$/, "expected a percentage, e.g. 10%").optional(),
  max_waiting: z.number().int().min(0).optional(),
  max_ack_pending: z.number().int().min(-1).optional(),
  flow_control: z.boolean().optional(),
  headers_only: z.boolean().optional(),
  max_batch: z.number().int().min(0).optional(),
  max_expires: duration.optional(),
  max_bytes: z.number().int().min(0).optional(),
  deliver_subject: subjectFilter.optional(),
  deliver_group: z.string().optional(),
  idle_heartbeat: duration.optional(),
  inactive_threshold: duration.optional(),
  num_replicas: z.number().int().min(0).max(5).optional(),
  mem_storage: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  pause_until: rfc3339.optional(),
  priority_groups: z.array(
    z.string().regex(/^[A-Za-z0-9\-_/=)+]{1,16}$/, "1 to 16 of A-Z a-z 0-9 - _ / = ) +"),
  ).optional(),
  priority_policy: z.enum(["none", "overflow", "pinned_client", "prioritized"]).optional(),
  priority_timeout: duration.optional(),
};

const objectSchema = z.object(fields).strict();
type Fields = z.output<typeof objectSchema>;

function crossFieldRules(c: Fields, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [path], message });
  if (c.durable_name && c.name && c.durable_name !== c.name) {
    issue("name", "durable_name and name must be equal when both are given");
  }
  if (c.deliver_policy === "by_start_sequence" && c.opt_start_seq === undefined) {
    issue("opt_start_seq", "by_start_sequence needs opt_start_seq");
  }
  if (c.deliver_policy === "by_start_time" && c.opt_start_time === undefined) {
    issue("opt_start_time", "by_start_time needs opt_start_time");
  }
  if (c.deliver_policy !== "by_start_sequence" && c.opt_start_seq !== undefined) {
    issue("opt_start_seq", "only with deliver_policy by_start_sequence");
  }
  if (c.deliver_policy !== "by_start_time" && c.opt_start_time !== undefined) {
    issue("opt_start_time", "only with deliver_policy by_start_time");
  }
  if (c.filter_subject && c.filter_subjects?.length) {
    issue("filter_subjects", "give filter_subject or filter_subjects, not both");
  }
  if (
    c.backoff?.length && c.max_deliver !== undefined && c.max_deliver !== -1 &&
    c.max_deliver <= c.backoff.length
  ) {
    issue("max_deliver", "must be greater than the number of backoff values");
  }
  if (c.deliver_subject === undefined) {
    if (c.flow_control) issue("flow_control", "only for push consumers (deliver_subject)");
    if (c.idle_heartbeat) issue("idle_heartbeat", "only for push consumers (deliver_subject)");
    if (c.rate_limit_bps) issue("rate_limit_bps", "only for push consumers (deliver_subject)");
  } else {
    if (c.max_waiting) issue("max_waiting", "only for pull consumers (no deliver_subject)");
    if (c.flow_control && !c.idle_heartbeat) issue("flow_control", "needs idle_heartbeat");
    if (c.priority_policy && c.priority_policy !== "none") {
      issue("priority_policy", "only for pull consumers (no deliver_subject)");
    }
  }
  if (c.priority_policy && c.priority_policy !== "none" && !c.priority_groups?.length) {
    issue("priority_groups", "a priority policy needs at least one group");
  }
  if (c.idle_heartbeat !== undefined && c.idle_heartbeat > 0 && c.idle_heartbeat < 100e6) {
    issue("idle_heartbeat", "must be at least 100ms");
  }
}

/**
 * zod schema of a consumer configuration as the console accepts it: the server's field names,
 * durations as nanoseconds or text, and the rules the server would otherwise report one by one.
 */
export const consumerConfigSchema = objectSchema.superRefine(crossFieldRules);

/**
 * A validated consumer configuration (durations in nanoseconds). The fields are the server's
 * (`$JS.API.CONSUMER.CREATE`); see the JetStream documentation for each.
 */
export interface ConsumerConfigValue {
  /** A durable consumer's name (equal to `name` when both are given). */
  durable_name?: string;
  /** The consumer's name. */
  name?: string;
  /** What it is for, for people. */
  description?: string;
  /** Where delivery starts. */
  deliver_policy:
    | "all"
    | "last"
    | "new"
    | "by_start_sequence"
    | "by_start_time"
    | "last_per_subject";
  /** With `by_start_sequence`: the first sequence. */
  opt_start_seq?: number;
  /** With `by_start_time`: the start, RFC 3339. */
  opt_start_time?: string;
  /** How messages are acknowledged. */
  ack_policy: "none" | "all" | "explicit" | "flow_control";
  /** How long the server waits for an acknowledgement before redelivering, nanoseconds. */
  ack_wait?: number;
  /** Most deliveries of one message (-1: no limit). */
  max_deliver?: number;
  /** Redelivery delays, nanoseconds, one per attempt. */
  backoff?: number[];
  /** Only messages on this subject. */
  filter_subject?: string;
  /** Only messages on these subjects (2.10+). */
  filter_subjects?: string[];
  /** Deliver at once, or at the pace they were stored. */
  replay_policy: "instant" | "original";
  /** Push consumers: most bits per second. */
  rate_limit_bps?: number;
  /** Share of acknowledgements sampled for latency advisories, e.g. `10%`. */
  sample_freq?: string;
  /** Pull consumers: most waiting pull requests. */
  max_waiting?: number;
  /** Most messages delivered and not yet acknowledged (-1: no limit). */
  max_ack_pending?: number;
  /** Push consumers: flow control. */
  flow_control?: boolean;
  /** Deliver headers only, with the payload's size. */
  headers_only?: boolean;
  /** Pull consumers: largest batch one request may ask for. */
  max_batch?: number;
  /** Pull consumers: longest expiry one request may ask for, nanoseconds. */
  max_expires?: number;
  /** Pull consumers: most bytes one request may ask for. */
  max_bytes?: number;
  /** Push consumers: where messages are delivered. */
  deliver_subject?: string;
  /** Push consumers: the queue group that shares them. */
  deliver_group?: string;
  /** Push consumers: heartbeat interval when idle, nanoseconds (at least 100 ms). */
  idle_heartbeat?: number;
  /** How long without activity before the server removes it, nanoseconds. */
  inactive_threshold?: number;
  /** Replicas (0: the stream's). */
  num_replicas?: number;
  /** Keep its state in memory. */
  mem_storage?: boolean;
  /** Free key/value metadata (2.10+). */
  metadata?: Record<string, string>;
  /** Paused until this time, RFC 3339 (2.11+). */
  pause_until?: string;
  /** Pull consumers: the priority groups (2.11+). */
  priority_groups?: string[];
  /** Pull consumers: how groups share messages (2.11+; `prioritized` 2.12+). */
  priority_policy?: "none" | "overflow" | "pinned_client" | "prioritized";
  /** With `pinned_client`: how long a pin lasts without pulls, nanoseconds (2.11+). */
  priority_timeout?: number;
}
true satisfies Agrees<z.output<typeof consumerConfigSchema>, ConsumerConfigValue>;

/**
 * What a consumer form or API call may send: a {@linkcode ConsumerConfigValue} whose policies
 * may be left out (deliver all, explicit acknowledgement, instant replay) and whose durations
 * may be text.
 */
export type ConsumerConfigInput =
  & Omit<
    ConsumerConfigValue,
    | "deliver_policy"
    | "ack_policy"
    | "replay_policy"
    | "ack_wait"
    | "backoff"
    | "max_expires"
    | "idle_heartbeat"
    | "inactive_threshold"
    | "priority_timeout"
  >
  & Partial<Pick<ConsumerConfigValue, "deliver_policy" | "ack_policy" | "replay_policy">>
  & {
    /** How long the server waits for an acknowledgement before redelivering. */
    ack_wait?: DurationInput;
    /** Redelivery delays, one per attempt. */
    backoff?: DurationInput[];
    /** Pull consumers: longest expiry one request may ask for. */
    max_expires?: DurationInput;
    /** Push consumers: heartbeat interval when idle (at least 100 ms). */
    idle_heartbeat?: DurationInput;
    /** How long without activity before the server removes it. */
    inactive_threshold?: DurationInput;
    /** With `pinned_client`: how long a pin lasts without pulls. */
    priority_timeout?: DurationInput;
  };
true satisfies Agrees<z.input<typeof consumerConfigSchema>, ConsumerConfigInput>;

/** Fields newer than nats-server 2.9 and the FEATURES key that introduced each. */
export const CONSUMER_FIELD_FEATURES: Readonly<Record<string, string>> = {
  filter_subjects: "subject_transforms",
  metadata: "stream_config_2_10",
  pause_until: "consumer_pause",
  priority_groups: "consumer_priority_groups",
  priority_policy: "consumer_priority_groups",
  priority_timeout: "consumer_priority_groups",
};

function isSet(field: string, v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (field === "priority_policy" && v === "none") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/**
 * Validates a consumer configuration for the running server (structure, cross-field rules, then
 * fields the server is too old for).
 *
 * @param input the configuration (form or API)
 * @param version the running server's version
 * @returns the configuration to send (unused newer fields left out)
 * @throws {InvalidInputError} listing every problem with its field
 */
export function validateConsumerConfig(input: unknown, version: string): ConsumerConfigValue {
  const value = parseInput(consumerConfigSchema, input, "consumer configuration");
  const issues = featureIssues(value, CONSUMER_FIELD_FEATURES, isSet, version);
  if (value.ack_policy === "flow_control") {
    const gate = { ack_policy: "ack_flow_control" };
    for (const i of featureIssues({ ack_policy: 1 }, gate, () => true, version)) {
      issues.push({ ...i, message: `flow_control ${i.message}` });
    }
  }
  if (issues.length > 0) throw new InvalidInputError("consumer configuration", issues);
  const out: ConsumerConfigValue = { ...value };
  for (const field of Object.keys(CONSUMER_FIELD_FEATURES) as (keyof ConsumerConfigValue)[]) {
    if (!isSet(field, out[field])) delete out[field];
  }
  return out;
}
