import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import {
  type Channel,
  CHANNELS,
  RULE_TYPES,
  type RuleType,
  SEVERITIES,
  type Severity,
} from "./rules.ts";

/**
 * An alert firing or resolving: what the evaluator that won the state's compare-and-set
 * publishes on `nunect.alerts.event.<rule>.<target key>`, what the notifier delivers, and the JSON
 * body of the generic webhook.
 */
export const alertEventSchema = z.object({
  /** Format version. */
  v: z.literal(1),
  /** Unique per transition: `<rule>.<target key>.<episode>.<firing|resolved>`. */
  id: z.string(),
  kind: z.enum(["firing", "resolved"]),
  ruleId: z.string(),
  ruleName: z.string(),
  type: z.enum(RULE_TYPES),
  severity: z.enum(SEVERITIES),
  /** The entity: server, account, `account/stream`, `account/stream/consumer` or unit ID. */
  target: z.string(),
  value: z.number().nullable(),
  threshold: z.number(),
  /** ISO 8601. */
  at: z.string(),
  /** Counts the firings of this rule and target; resolved carries the episode it ends. */
  episode: z.number().int().positive(),
  /** One line for people. */
  summary: z.string(),
  channels: z.array(z.enum(CHANNELS)),
});
/**
 * An alert firing or resolving: what the evaluator that won the state's compare-and-set
 * publishes on `nunect.alerts.event.<rule>.<target key>`, what the notifier delivers, and the JSON
 * body of the generic webhook.
 */
export interface AlertEvent {
  /** Format version. */
  v: 1;
  /** Unique per transition: `<rule>.<target key>.<episode>.<firing|resolved>`. */
  id: string;
  /** Whether the alert started or ended. */
  kind: "firing" | "resolved";
  /** The rule's ID. */
  ruleId: string;
  /** The rule's name. */
  ruleName: string;
  /** What the rule watches. */
  type: RuleType;
  /** The rule's severity. */
  severity: Severity;
  /** The entity: server, account, `account/stream`, `account/stream/consumer` or unit ID. */
  target: string;
  /** The measured value (null: none, or infinite such as a clock that is not locked). */
  value: number | null;
  /** The rule's threshold. */
  threshold: number;
  /** When, ISO 8601. */
  at: string;
  /** Counts the firings of this rule and target; resolved carries the episode it ends. */
  episode: number;
  /** One line for people. */
  summary: string;
  /** Where it is delivered. */
  channels: Channel[];
}
true satisfies Agrees<z.output<typeof alertEventSchema>, AlertEvent>;

/** The result of delivering one event to one channel (recorded in the alerts stream). */
export interface DeliveryOutcome {
  /** The event's `id`. */
  readonly eventId: string;
  /** The channel. */
  readonly channel: string;
  /** Delivered (a 2xx answer, an accepted mail, a publish). */
  readonly ok: boolean;
  /** Attempts made. */
  readonly attempts: number;
  /** The last HTTP status or SMTP response, when there was one. */
  readonly status?: number | string;
  /** Why it failed. */
  readonly error?: string;
  /** Not sent because a silence matched. */
  readonly silenced?: boolean;
  /** When the last attempt ended, ISO 8601. */
  readonly at: string;
}

/** Encodes a JSON-safe number: Infinity (a clock not locked) becomes null on the wire. */
export function wireNumber(n: number | null): number | null {
  return n === null || !Number.isFinite(n) ? null : n;
}
