import assert from "node:assert/strict";
import {
  type EvalInput,
  type EvalState,
  evaluate,
  parseRule,
  preview,
  type Rule,
  type RuleInput,
} from "../../mods/alerts/mod.ts";
import { type Frame, frameOf, type Kind } from "../../mods/history/mod.ts";

const S = 1000;

const frame = (
  kind: Kind,
  t: number,
  rows: Record<string, Record<string, number>>,
  stepMs = 10 * S,
): Frame => frameOf(kind, t, stepMs, rows);

const rule = (r: Partial<RuleInput> & Pick<RuleInput, "type" | "threshold">): Rule =>
  parseRule({ id: "r1", name: "test rule", ...r });

/** Runs inputs through evaluate and returns every transition as "to target @s". */
function run(
  rules: Rule[],
  inputs: EvalInput[],
): { log: string[]; state: EvalState; nextAt: number | null } {
  let state: EvalState = {};
  const log: string[] = [];
  let nextAt: number | null = null;
  for (const input of inputs) {
    const r = evaluate(rules, input, state);
    state = r.state;
    nextAt = r.nextAt;
    log.push(...r.transitions.map((t) => `${t.to} ${t.target} @${t.at / S}`));
  }
  return { log, state, nextAt };
}

const lag = (t: number, pending: number): EvalInput => ({
  now: t,
  current: { consumer: frame("consumer", t, { "OPS/orders/worker": { num_pending: pending } }) },
  previous: {},
});

Deno.test("consumer lag above N for T fires once, then resolves below N minus hysteresis", () => {
  const r = rule({
    type: "consumer_lag",
    threshold: 100,
    forS: 30,
    hysteresis: 20,
    target: "OPS/*",
  });
  const { log } = run([r], [
    lag(0, 150), // pending
    lag(10 * S, 50), // back to ok before 30 s: nothing
    lag(20 * S, 150),
    lag(40 * S, 150), // 20 s above: still pending
    lag(50 * S, 150), // 30 s above: fires
    lag(60 * S, 200),
    lag(70 * S, 90), // below 100 but above 80: hysteresis keeps it firing
    lag(80 * S, 80), // resolves
  ]);
  assert.deepEqual(log, ["firing OPS/orders/worker @50", "resolved OPS/orders/worker @80"]);
  assert.deepEqual(run([{ ...r, target: "ENGINE/*" }], [lag(0, 500), lag(40 * S, 500)]).log, []);
});

Deno.test("a pending alert says when it falls due, so the engine need not wait a whole interval", () => {
  const r = rule({ type: "consumer_lag", threshold: 1, forS: 7 });
  const first = evaluate([r], lag(1000, 5), {});
  assert.equal(first.nextAt, 8000);
  assert.deepEqual(evaluate([r], lag(8000, 5), first.state).transitions.map((t) => t.to), [
    "firing",
  ]);
});

Deno.test("unit heartbeat: fires the moment the age passes the bound, with the deadline announced", () => {
  const r = rule({ type: "unit_heartbeat", threshold: 15 });
  // The frame was built at 100 s with an age of 4 s; evaluating later adds the time since.
  const units = frame("unit", 100 * S, { "router-1": { heartbeat_age_s: 4 } });
  const at = (now: number): EvalInput => ({ now, current: { unit: units }, previous: {} });
  const first = evaluate([r], at(100 * S), {});
  assert.deepEqual(first.transitions, []);
  assert.equal(first.nextAt, 111 * S + 1); // 15 s after the last heartbeat, plus a millisecond
  const due = evaluate([r], at(first.nextAt!), first.state);
  assert.deepEqual(due.transitions.map((t) => `${t.to} ${t.target}`), ["firing router-1"]);
  const back = frame("unit", 120 * S, { "router-1": { heartbeat_age_s: 0.5 } });
  const resolved = evaluate(
    [r],
    { now: 120 * S, current: { unit: back }, previous: {} },
    due.state,
  );
  assert.deepEqual(resolved.transitions.map((t) => t.to), ["resolved"]);
});

Deno.test("unit clock: not locked counts as infinitely off; locked within the bound is fine", () => {
  const r = rule({ type: "unit_clock", threshold: 1_000_000 });
  const input = (q: number, offset: number): EvalInput => ({
    now: 0,
    current: { unit: frame("unit", 0, { u: { clock_quality: q, clock_offset_ns: offset } }) },
    previous: {},
  });
  assert.equal(evaluate([r], input(3, 500), {}).transitions.length, 0);
  assert.equal(evaluate([r], input(3, -2_000_000), {}).transitions.length, 1);
  const t = evaluate([r], input(2, 0), {}).transitions[0]!;
  assert.equal(t.value, Number.POSITIVE_INFINITY);
});

Deno.test("unit RTT: native or app round trip above a bound", () => {
  const input: EvalInput = {
    now: 0,
    current: { unit: frame("unit", 0, { u: { rtt_native_us: 900, rtt_app_us: 90_000 } }) },
    previous: {},
  };
  assert.equal(
    evaluate([rule({ type: "unit_rtt", threshold: 50_000 })], input, {}).transitions.length,
    0,
  );
  assert.equal(
    evaluate([rule({ type: "unit_rtt", threshold: 50_000, rtt: "app" })], input, {}).transitions
      .length,
    1,
  );
});

Deno.test("server health, slow consumers per minute, disconnects per minute, storage share", () => {
  const servers = (t: number, v: Record<string, number>) => frame("server", t, { n1: v });
  const input: EvalInput = {
    now: 60 * S,
    current: {
      server: servers(60 * S, {
        healthy: 0,
        slow_consumers: 13,
        disconnects: 40,
        js_storage_bytes: 95,
        js_max_storage_bytes: 100,
        js_memory_bytes: 1,
        js_max_memory_bytes: 100,
      }),
      stream: frame("stream", 60 * S, {
        "OPS/a": { bytes: 10, max_bytes: 100 },
        "OPS/b": { bytes: 9, max_bytes: -1 },
      }),
    },
    previous: { server: servers(30 * S, { slow_consumers: 10, disconnects: 10 }) },
  };
  const fired = (r: Rule) =>
    evaluate([r], input, {}).transitions.map((t) => `${t.target}=${t.value}`);
  assert.deepEqual(fired(rule({ type: "server_health", threshold: 0.5 })), ["n1=1"]);
  assert.deepEqual(fired(rule({ type: "slow_consumers", threshold: 5 })), ["n1=6"]); // 3 in 30 s
  assert.deepEqual(fired(rule({ type: "disconnect_rate", threshold: 100 })), []); // 60 per minute
  assert.deepEqual(fired(rule({ type: "storage_share", threshold: 0.9 })), ["n1=0.95"]);
  assert.deepEqual(fired(rule({ type: "storage_share", threshold: 0.05, scope: "stream" })), [
    "OPS/a=0.1",
  ]);
});

Deno.test("message rate off its baseline: quiet while learning, fires on a jump, not on the usual wobble", () => {
  const r = rule({ type: "rate_zscore", threshold: 4, windowS: 600 });
  const inputs: EvalInput[] = [];
  let total = 0;
  let prev: Frame | undefined;
  for (let i = 0; i < 40; i++) {
    total += i === 35 ? 10_000 : 100 + (i % 3) * 10; // ~10-12 msgs/s, then one burst
    const cur = frame("server", i * 10 * S, { n1: { in_msgs: total } });
    inputs.push({
      now: i * 10 * S,
      current: { server: cur },
      previous: prev ? { server: prev } : {},
    });
    prev = cur;
  }
  const { log } = run([r], inputs);
  assert.deepEqual(log, ["firing n1 @350", "resolved n1 @360"]);
});

Deno.test("an entity that vanishes resolves its alert; disabled rules do nothing", () => {
  const r = rule({ type: "consumer_lag", threshold: 1 });
  const firing = evaluate([r], lag(0, 5), {});
  const gone = evaluate([r], {
    now: 10 * S,
    current: { consumer: frame("consumer", 10 * S, {}) },
    previous: {},
  }, firing.state);
  assert.deepEqual(gone.transitions.map((t) => [t.to, t.value]), [["resolved", null]]);
  assert.deepEqual(evaluate([{ ...r, enabled: false }], lag(0, 5), {}).transitions, []);
  // An evaluator without a frame of the kind yet (one that just took over) resolves nothing.
  const blind = evaluate([r], { now: 10 * S, current: {}, previous: {} }, firing.state);
  assert.deepEqual(blind.transitions, []);
  assert.equal(blind.state[r.id]?.["OPS/orders/worker"]?.status, "firing");
});

Deno.test("preview replays a rule over stored points and lists what it would have fired", () => {
  const r = rule({ type: "consumer_lag", threshold: 10, forS: 60 });
  const day = Array.from(
    { length: 24 * 60 },
    (_, m) => lag(m * 60 * S, m >= 600 && m < 610 ? 50 : 0),
  );
  const fired = preview({ ...r, enabled: false }, day);
  assert.deepEqual(fired.map((t) => [t.to, t.at / 60 / S]), [["firing", 601], ["resolved", 610]]);
});

Deno.test("rules validate with messages naming the field", () => {
  assert.throws(
    () => parseRule({ id: "a.b", name: "", type: "nope", threshold: "x" }),
    (e: Error) =>
      e.name === "InvalidAlertInputError" && /id: letters, digits/.test(e.message) &&
      /type:/.test(e.message) && /threshold:/.test(e.message),
  );
  const r = parseRule({ id: "lag", name: "Lag", type: "consumer_lag", threshold: 1 });
  assert.equal(r.severity, "warning");
  assert.equal(r.forS, 0);
  assert.deepEqual(r.channels, []);
});
