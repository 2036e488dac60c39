import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";

/** What a rule watches. */
export const RULE_TYPES = [
  "consumer_lag",
  "rate_zscore",
  "storage_share",
  "slow_consumers",
  "disconnect_rate",
  "server_health",
  "unit_heartbeat",
  "unit_clock",
  "unit_rtt",
] as const;
/** A rule type. */
export type RuleType = (typeof RULE_TYPES)[number];

/** What each rule type measures and in which unit `threshold` is given, for the editor. */
export const RULE_TYPE_INFO: {
  readonly [T in RuleType]: { readonly what: string; readonly unit: string };
} = {
  consumer_lag: { what: "a consumer's pending messages (num_pending)", unit: "messages" },
  rate_zscore: {
    what: "a server's or account's inbound message rate off its rolling baseline (|z-score|)",
    unit: "standard deviations",
  },
  storage_share: {
    what: "JetStream storage or memory used as a share of the limit (server, account or stream)",
    unit: "share 0…1",
  },
  slow_consumers: { what: "slow consumers per minute on a server", unit: "per minute" },
  disconnect_rate: { what: "client disconnects per minute on a server", unit: "per minute" },
  server_health: { what: "a server's /healthz is not ok", unit: "(none)" },
  unit_heartbeat: { what: "seconds since a unit's last heartbeat", unit: "seconds" },
  unit_clock: {
    what: "a unit's clock offset; a clock that is not locked counts as infinitely off",
    unit: "nanoseconds",
  },
  unit_rtt: { what: "a unit's round-trip time (native or app)", unit: "microseconds" },
};

/** Severity of a rule's alerts. */
export const SEVERITIES = ["info", "warning", "critical"] as const;
/** A severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Where notifications can go; each is configured in .env. */
export const CHANNELS = ["webhook", "slack", "pagerduty", "email", "nats"] as const;
/** A notification channel. */
export type Channel = (typeof CHANNELS)[number];

/** Rule IDs are KV keys and subject tokens. */
export const RULE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The schema of an alert rule: what the editor sends and the KV bucket holds. */
export const ruleSchema = z.object({
  id: z.string().regex(RULE_ID_PATTERN, 'letters, digits, "_" or "-", up to 64'),
  name: z.string().min(1).max(200),
  type: z.enum(RULE_TYPES),
  /** Fires when the measured value is above this (see RULE_TYPE_INFO for the unit). */
  threshold: z.number().finite(),
  /** The value must stay above the threshold this long before the alert fires. */
  forS: z.number().nonnegative().max(86_400).default(0),
  /** Resolves only once the value is at or below `threshold - hysteresis`. */
  hysteresis: z.number().nonnegative().default(0),
  severity: z.enum(SEVERITIES).default("warning"),
  /** Which entities: a glob on their ID (`*` any run of characters), e.g. `OPS/orders/*`. */
  target: z.string().max(200).default("*"),
  /** storage_share: which level; rate_zscore: server or account. */
  scope: z.enum(["server", "account", "stream"]).default("server"),
  /** unit_rtt: which round trip. */
  rtt: z.enum(["native", "app"]).default("native"),
  /** rate_zscore: the baseline's time constant, seconds. */
  windowS: z.number().positive().max(30 * 86_400).default(3600),
  channels: z.array(z.enum(CHANNELS)).default([]),
  enabled: z.boolean().default(true),
});
/** An alert rule, as the KV bucket holds it (defaults applied). */
export interface Rule {
  /** The rule's ID: letters, digits, `_` or `-`, up to 64 (a KV key and a subject token). */
  id: string;
  /** Its name for people, 1 to 200 characters. */
  name: string;
  /** What it watches. */
  type: RuleType;
  /** Fires when the measured value is above this (see RULE_TYPE_INFO for the unit). */
  threshold: number;
  /** Seconds the value must stay above the threshold before the alert fires (0 to 86,400). */
  forS: number;
  /** Resolves only once the value is at or below `threshold - hysteresis`. */
  hysteresis: number;
  /** Severity of its alerts. */
  severity: Severity;
  /** Which entities: a glob on their ID (`*` any run of characters), e.g. `OPS/orders/*`. */
  target: string;
  /** storage_share: which level; rate_zscore: server or account. */
  scope: "server" | "account" | "stream";
  /** unit_rtt: which round trip. */
  rtt: "native" | "app";
  /** rate_zscore: the baseline's time constant, seconds. */
  windowS: number;
  /** Where its notifications go. */
  channels: Channel[];
  /** Whether it is evaluated. */
  enabled: boolean;
}
true satisfies Agrees<z.output<typeof ruleSchema>, Rule>;

/**
 * An alert rule as written (what the editor sends): a {@linkcode Rule} whose fields with a
 * default may be left out (`forS` 0, `hysteresis` 0, `severity` warning, `target` `*`, `scope`
 * server, `rtt` native, `windowS` 3600, no `channels`, `enabled`).
 */
export type RuleInput =
  & Pick<Rule, "id" | "name" | "type" | "threshold">
  & Partial<Omit<Rule, "id" | "name" | "type" | "threshold">>;
true satisfies Agrees<z.input<typeof ruleSchema>, RuleInput>;

/**
 * Whether an entity ID matches a rule's target glob.
 *
 * @param glob e.g. `OPS/*`, `router-*`, `*`
 * @param id the entity ID
 * @returns true when it matches
 */
export function matchesTarget(glob: string, id: string): boolean {
  if (glob === "*" || glob === "") return true;
  const re = new RegExp(
    `^${glob.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`,
  );
  return re.test(id);
}

/**
 * The account an alert concerns, for account-scoped dashboard users: a unit's (its key names a
 * tenant as `<ACCOUNT>.<unit>`, else OPS), an account's, a stream's or a consumer's (the first
 * part of `account/stream[/consumer]`); null for a server's, which concerns every account.
 *
 * @param rule the rule's type and scope
 * @param target the alert's target (the entity ID)
 * @returns the account's name, or null
 */
export function alertAccount(
  rule: { readonly type: RuleType; readonly scope?: Rule["scope"] },
  target: string,
): string | null {
  switch (rule.type) {
    case "unit_heartbeat":
    case "unit_clock":
    case "unit_rtt": {
      const dot = target.indexOf(".");
      return dot > 0 ? target.slice(0, dot) : "OPS";
    }
    case "consumer_lag":
      return target.split("/")[0] || null;
    case "storage_share":
    case "rate_zscore":
      return rule.scope === "account" || rule.scope === "stream"
        ? target.split("/")[0] || null
        : null;
    default:
      return null;
  }
}
