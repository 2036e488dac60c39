import { InvalidSubjectError } from "./errors.ts";
import { isUnitId, validateUnitId } from "./unit_id.ts";

/** Log levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Builders for every ops.* subject; no other file spells a subject string. Builders taking a unit
 * validate it and throw {@linkcode InvalidUnitIdError} for a bad one.
 */
export const subjects = {
  /** `ops.heartbeat.<unit>` */
  heartbeat: (unit: string): string => `ops.heartbeat.${validateUnitId(unit)}`,
  /** `ops.echo.<unit>` */
  echo: (unit: string): string => `ops.echo.${validateUnitId(unit)}`,
  /** `ops.metric.rtt.<unit>` */
  rtt: (unit: string): string => `ops.metric.rtt.${validateUnitId(unit)}`,
  /** `ops.metric.time.<unit>` */
  time: (unit: string): string => `ops.metric.time.${validateUnitId(unit)}`,
  /** `ops.time.config` */
  timeConfig: (): string => "ops.time.config",
  /**
   * `_INBOX.<unit>`: the prefix of a unit's reply subjects; a unit's user may subscribe below it
   * only, never to `_INBOX.>`.
   */
  inbox: (unit: string): string => `_INBOX.${validateUnitId(unit)}`,
  /** `ops.log.<level>.<unit>` */
  log: (level: LogLevel, unit: string): string => `ops.log.${level}.${validateUnitId(unit)}`,
  /**
   * `tenant.<ACCOUNT>`: the prefix under which a tenant account's telemetry appears in OPS (the
   * account imports it so), e.g. `tenant.BRIDGE.ops.heartbeat.<unit>`.
   */
  tenantPrefix: (account: string): string => {
    if (!ACCOUNT.test(account)) {
      throw new InvalidSubjectError(
        `Invalid account "${account}": expected 1-32 upper-case letters, digits, "_" or "-"`,
      );
    }
    return `tenant.${account}`;
  },
  /** Wildcards for consumers. */
  all: {
    ops: "ops.>",
    /** Every tenant's telemetry, as OPS receives it. */
    tenants: "tenant.*.ops.>",
    heartbeat: "ops.heartbeat.*",
    echo: "ops.echo.*",
    rtt: "ops.metric.rtt.*",
    time: "ops.metric.time.*",
    metric: "ops.metric.>",
    log: "ops.log.>",
  },
} as const;

/**
 * The subject registry's subjects (mods/registry). Apart from {@linkcode subjects} so that a
 * browser bundle that does not use them leaves them out.
 */
export const registrySubjects = {
  /** `ops.registry.event`: moves of units and outages of leaf nodes. */
  event: "ops.registry.event",
  /** `ops.registry.links`: the round-trip time of every leaf node link, each poll. */
  links: "ops.registry.links",
} as const;
const ACCOUNT = /^[A-Z][A-Z0-9_-]{0,31}$/;

/**
 * Splits a subject as OPS receives it into the account it came from and its ops.* subject:
 * `tenant.BRIDGE.ops.heartbeat.u` is BRIDGE's `ops.heartbeat.u`; anything else is OPS's own.
 *
 * @param subject the subject as received in OPS
 * @returns the account's name and the subject without the tenant prefix
 */
export function splitTenant(subject: string): { account: string; subject: string } {
  if (subject.startsWith("tenant.")) {
    const dot = subject.indexOf(".", 7);
    const account = dot < 0 ? "" : subject.slice(7, dot);
    if (ACCOUNT.test(account)) return { account, subject: subject.slice(dot + 1) };
  }
  return { account: "OPS", subject };
}

/** The kind of ops.* message a subject carries, and its unit. */
export type ParsedSubject =
  | { kind: "heartbeat" | "echo" | "rtt" | "time"; unit: string }
  | { kind: "log"; level: LogLevel; unit: string }
  | { kind: "timeConfig" };

/**
 * Reads an ops.* subject back into its kind and unit.
 *
 * @param subject a subject as received
 * @returns the parsed subject, or undefined for anything that is not a protocol subject
 */
export function parseSubject(subject: string): ParsedSubject | undefined {
  const t = subject.split(".");
  if (t[0] !== "ops") return undefined;
  if (t.length === 3 && t[1] === "time" && t[2] === "config") return { kind: "timeConfig" };
  const unit = t[t.length - 1];
  if (!isUnitId(unit)) return undefined;
  if (t.length === 3 && (t[1] === "heartbeat" || t[1] === "echo")) return { kind: t[1], unit };
  if (t.length === 4 && t[1] === "metric" && (t[2] === "rtt" || t[2] === "time")) {
    return { kind: t[2], unit };
  }
  if (t.length === 4 && t[1] === "log" && (LOG_LEVELS as readonly string[]).includes(t[2]!)) {
    return { kind: "log", level: t[2] as LogLevel, unit };
  }
  return undefined;
}

/**
 * Checks a subject for publishing or subscribing: no white space, no empty tokens, wildcards
 * only where `wildcards` is true and only as whole tokens (`>` last).
 *
 * @param subject the subject
 * @param wildcards whether `*` and `>` are allowed (subscriptions)
 * @returns the subject unchanged
 * @throws {InvalidSubjectError} naming the subject and what is wrong with it
 */
export function validateSubject(subject: unknown, wildcards = false): string {
  if (typeof subject !== "string") {
    throw new InvalidSubjectError(`Invalid subject ${String(subject)}: expected a string`);
  }
  const bad = (why: string) => new InvalidSubjectError(`Invalid subject "${subject}": ${why}`);
  if (subject.length === 0) throw bad("it is empty");
  if (/\s/.test(subject)) throw bad("white space is not allowed");
  const tokens = subject.split(".");
  tokens.forEach((token, i) => {
    if (token.length === 0) throw bad(`token ${i + 1} is empty`);
    if (token.includes("*") || token.includes(">")) {
      if (!wildcards) throw bad("wildcards are only allowed when subscribing");
      if (token !== "*" && token !== ">") {
        throw bad(`wildcard in token "${token}" must be the whole token`);
      }
      if (token === ">" && i !== tokens.length - 1) throw bad('">" must be the last token');
    }
  });
  return subject;
}
