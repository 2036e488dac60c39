import { counterRate, type Frame, type Kind, valueOf } from "../history/mod.ts";
import { matchesTarget, type Rule, type Severity } from "./rules.ts";

/** What the evaluator looks at: the newest point of each kind and the one before (for rates). */
export interface EvalInput {
  /** Evaluation time, ms since the epoch. */
  readonly now: number;
  /** The newest frame of each kind. */
  readonly current: Partial<Record<Kind, Frame>>;
  /** The frame before it (rates of counters need two). */
  readonly previous: Partial<Record<Kind, Frame>>;
}

/** A rolling mean and variance (exponentially weighted), for rate_zscore. */
export interface Baseline {
  /** Mean. */
  readonly mean: number;
  /** Variance. */
  readonly variance: number;
  /** Points seen. */
  readonly n: number;
  /** Time of the last point folded in. */
  readonly lastT: number;
}

/** One rule's view of one entity. */
export interface TargetState {
  /** `pending`: above the threshold, waiting out `forS`. */
  readonly status: "ok" | "pending" | "firing";
  /** When the current status began, ms. */
  readonly since: number;
  /** The last measured value (null: not measurable now). */
  readonly value: number | null;
  /** rate_zscore's baseline. */
  readonly baseline?: Baseline;
}

/** Per rule ID, per entity ID. */
export type EvalState = Readonly<Record<string, Readonly<Record<string, TargetState>>>>;

/** An alert starting or ending. */
export interface Transition {
  /** The rule. */
  readonly ruleId: string;
  /** The entity (server, account, stream, consumer or unit ID). */
  readonly target: string;
  /** `firing` or `resolved`. */
  readonly to: "firing" | "resolved";
  /** When, ms. */
  readonly at: number;
  /** The value that caused it (null when the entity vanished). */
  readonly value: number | null;
  /** The rule's threshold. */
  readonly threshold: number;
  /** The rule's severity. */
  readonly severity: Severity;
}

/** What {@linkcode evaluate} returns. */
export interface EvalResult {
  /** The new state (pass it to the next call). */
  readonly state: EvalState;
  /** Alerts that started or ended in this call. */
  readonly transitions: Transition[];
  /**
   * The earliest time a decision would change without new data (a pending alert's `forS` running
   * out, a heartbeat going missing): evaluate again then. Null when nothing is due.
   */
  readonly nextAt: number | null;
}

const RATE_WARMUP = 10;

function rate(input: EvalInput, kind: Kind, id: string, field: string): number | null {
  const cur = input.current[kind];
  const prev = input.previous[kind];
  if (!cur || !prev || cur.t <= prev.t) return null;
  const a = valueOf(prev, id, field);
  const b = valueOf(cur, id, field);
  return a === null || b === null ? null : counterRate(a, b, (cur.t - prev.t) / 1000);
}

function share(used: number | null, limit: number | null): number | null {
  return used === null || limit === null || limit <= 0 ? null : used / limit;
}

/** Values of one rule per entity, plus (for heartbeat rules) when each would cross. */
function measure(
  rule: Rule,
  input: EvalInput,
  old: Readonly<Record<string, TargetState>>,
): {
  values: Map<string, number | null>;
  baselines: Map<string, Baseline>;
  due: number[];
  seen: boolean;
} {
  const values = new Map<string, number | null>();
  const baselines = new Map<string, Baseline>();
  const due: number[] = [];
  let seen = false;
  const each = (kind: Kind, fn: (id: string, frame: Frame) => number | null) => {
    const frame = input.current[kind];
    if (!frame) return;
    seen = true;
    for (const id of Object.keys(frame.rows)) {
      if (matchesTarget(rule.target, id)) values.set(id, fn(id, frame));
    }
  };
  switch (rule.type) {
    case "consumer_lag":
      each("consumer", (id, f) => valueOf(f, id, "num_pending"));
      break;
    case "storage_share":
      each(rule.scope, (id, f) => {
        if (rule.scope === "stream") {
          return share(valueOf(f, id, "bytes"), valueOf(f, id, "max_bytes"));
        }
        const shares = [
          share(valueOf(f, id, "js_storage_bytes"), valueOf(f, id, "js_max_storage_bytes")),
          share(valueOf(f, id, "js_memory_bytes"), valueOf(f, id, "js_max_memory_bytes")),
        ].filter((s): s is number => s !== null);
        return shares.length === 0 ? null : Math.max(...shares);
      });
      break;
    case "slow_consumers":
    case "disconnect_rate": {
      const field = rule.type === "slow_consumers" ? "slow_consumers" : "disconnects";
      each("server", (id) => {
        const r = rate(input, "server", id, field);
        return r === null ? null : r * 60;
      });
      break;
    }
    case "server_health":
      each("server", (id, f) => {
        const h = valueOf(f, id, "healthy");
        return h === null ? null : h >= 1 ? 0 : 1;
      });
      break;
    case "rate_zscore": {
      const kind = rule.scope === "account" ? "account" : "server";
      const frame = input.current[kind];
      each(kind, (id) => {
        const r = rate(input, kind, id, "in_msgs");
        const b = old[id]?.baseline;
        if (r === null || frame === undefined) return null;
        if (b !== undefined && frame.t <= b.lastT) {
          baselines.set(id, b); // same point again (a deadline re-evaluation): no new data
          return old[id]?.value ?? null;
        }
        const z = b === undefined || b.n < RATE_WARMUP
          ? null
          : Math.abs(r - b.mean) / Math.sqrt(Math.max(b.variance, 1e-9));
        const alpha = Math.min(
          1,
          Math.max(frame.stepMs / 1000 / rule.windowS, 1 / (b ? b.n + 1 : 1)),
        );
        const mean = b === undefined ? r : b.mean + alpha * (r - b.mean);
        const variance = b === undefined
          ? 0
          : (1 - alpha) * (b.variance + alpha * (r - b.mean) ** 2);
        baselines.set(id, { mean, variance, n: (b?.n ?? 0) + 1, lastT: frame.t });
        return z;
      });
      break;
    }
    case "unit_heartbeat":
      each("unit", (id, f) => {
        const age = valueOf(f, id, "heartbeat_age_s");
        if (age === null) return null;
        const now = age + Math.max(0, input.now - f.t) / 1000;
        if (now <= rule.threshold) due.push(input.now + (rule.threshold - now) * 1000 + 1);
        return now;
      });
      break;
    case "unit_clock":
      each("unit", (id, f) => {
        const q = valueOf(f, id, "clock_quality");
        const offset = valueOf(f, id, "clock_offset_ns");
        if (q === null && offset === null) return null;
        return q !== null && q < 3 ? Number.POSITIVE_INFINITY : Math.abs(offset ?? 0);
      });
      break;
    case "unit_rtt":
      each("unit", (id, f) => valueOf(f, id, rule.rtt === "app" ? "rtt_app_us" : "rtt_native_us"));
      break;
  }
  return { values, baselines, due, seen };
}

/**
 * Evaluates every enabled rule against one input. Pure: the state goes in and comes out, time is
 * `input.now`, so the same function runs live, over stored history (the rule editor's preview)
 * and in tests with an injected clock.
 *
 * An entity's alert goes ok → pending (above the threshold) → firing (still above after `forS`),
 * and firing → ok (resolved) once the value is at or below `threshold - hysteresis`, or the
 * entity is gone. A value that cannot be measured (null) keeps a firing alert firing.
 *
 * @param rules the rules
 * @param input the newest frames and the clock
 * @param state the state the previous call returned (`{}` at first)
 * @returns the new state, the transitions and when to evaluate again at the latest
 */
export function evaluate(rules: readonly Rule[], input: EvalInput, state: EvalState): EvalResult {
  const next: Record<string, Record<string, TargetState>> = {};
  const transitions: Transition[] = [];
  let nextAt: number | null = null;
  const wake = (t: number) => {
    nextAt = nextAt === null ? t : Math.min(nextAt, t);
  };
  const now = input.now;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const old = state[rule.id] ?? {};
    const mine: Record<string, TargetState> = {};
    const { values, baselines, due, seen } = measure(rule, input, old);
    due.forEach(wake);
    const fire = (target: string, value: number | null) =>
      transitions.push({
        ruleId: rule.id,
        target,
        to: "firing",
        at: now,
        value,
        threshold: rule.threshold,
        severity: rule.severity,
      });
    for (const [target, value] of values) {
      const prev = old[target] ?? { status: "ok" as const, since: now, value: null };
      const baseline = baselines.get(target) ?? prev.baseline;
      const above = value !== null && value > rule.threshold;
      const clear = value !== null && value <= rule.threshold - rule.hysteresis;
      let s: TargetState;
      if (prev.status === "firing") {
        if (clear) {
          transitions.push({
            ruleId: rule.id,
            target,
            to: "resolved",
            at: now,
            value,
            threshold: rule.threshold,
            severity: rule.severity,
          });
          s = { status: "ok", since: now, value };
        } else s = { ...prev, value: value ?? prev.value };
      } else if (!above) {
        s = { status: "ok", since: prev.status === "ok" ? prev.since : now, value };
      } else {
        const since = prev.status === "pending" ? prev.since : now;
        if (now - since >= rule.forS * 1000) {
          fire(target, value);
          s = { status: "firing", since: now, value };
        } else {
          wake(since + rule.forS * 1000);
          s = { status: "pending", since, value };
        }
      }
      mine[target] = baseline === undefined ? s : { ...s, baseline };
    }
    // An entity that vanished (a deleted consumer, a forgotten unit) resolves its alert; without
    // a frame of its kind yet (an evaluator that just started, taking over) nothing has vanished.
    for (const [target, prev] of Object.entries(old)) {
      if (values.has(target)) continue;
      if (!seen) mine[target] = prev;
      else if (prev.status === "firing") {
        transitions.push({
          ruleId: rule.id,
          target,
          to: "resolved",
          at: now,
          value: null,
          threshold: rule.threshold,
          severity: rule.severity,
        });
      }
    }
    next[rule.id] = mine;
  }
  return { state: next, transitions, nextAt };
}

/**
 * Replays a rule over stored history (one kind's frames per input) and lists what it would have
 * fired: the rule editor's preview of the last day.
 *
 * @param rule the rule as edited
 * @param inputs inputs in time order (each frame set's `now` = its time)
 * @returns every transition the rule would have made
 */
export function preview(rule: Rule, inputs: Iterable<EvalInput>): Transition[] {
  let state: EvalState = {};
  const out: Transition[] = [];
  for (const input of inputs) {
    const r = evaluate([{ ...rule, enabled: true }], input, state);
    state = r.state;
    out.push(...r.transitions);
  }
  return out;
}
