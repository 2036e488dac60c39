import type { NatsConnection } from "../client/nats_types.ts";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm, KvWatchInclude } from "@nats-io/kv";
import { z } from "zod";
import { NunectError } from "../protocol/mod.ts";
import type { Agrees } from "../protocol/wire_schema.ts";
import { type AlertEvent, alertEventSchema, type DeliveryOutcome, wireNumber } from "./event.ts";
import type { Transition } from "./evaluate.ts";
import { type Rule, RULE_TYPE_INFO, type RuleInput, ruleSchema } from "./rules.ts";

/** The alerts stream: events, acknowledgements, silences and delivery outcomes. */
export const ALERTS_STREAM = "nunect_alerts";
/** Subjects of the alerts stream. */
export const ALERTS_SUBJECT = "nunect.alerts";
/** The shared durable consumer that delivers notifications (one delivery across processes). */
export const NOTIFIER_CONSUMER = "notifier";

const RULES_BUCKET = "nunect_alert_rules";
const STATE_BUCKET = "nunect_alert_state";
const SILENCES_BUCKET = "nunect_alert_silences";

/** A rule, silence or acknowledgement that does not validate; the message says what to fix. */
export class InvalidAlertInputError extends NunectError {}

/** One alert's current state (per rule and target), as the state bucket holds it. */
export const alertStateSchema = z.object({
  ruleId: z.string(),
  target: z.string(),
  status: z.enum(["firing", "resolved"]),
  episode: z.number().int().positive(),
  severity: z.string(),
  /** When it last fired, ISO 8601. */
  since: z.string(),
  resolvedAt: z.string().nullable(),
  value: z.number().nullable(),
  ack: z.object({ by: z.string(), comment: z.string(), at: z.string() }).nullable(),
  /**
   * The outbox: events of this alert's transitions not yet in the alerts stream. Written by the
   * same compare-and-set as the transition and emptied once the event is published, so an
   * evaluator that dies between the two leaves its notification here for another to send.
   */
  outbox: z.array(alertEventSchema).default([]),
});
/** One alert's current state (per rule and target), as the state bucket holds it. */
export interface AlertState {
  /** The rule's ID. */
  ruleId: string;
  /** The entity it concerns (see {@linkcode AlertEvent.target}). */
  target: string;
  /** Whether it fires now. */
  status: "firing" | "resolved";
  /** Counts the firings of this rule and target. */
  episode: number;
  /** The rule's severity when it last fired. */
  severity: string;
  /** When it last fired, ISO 8601. */
  since: string;
  /** When it resolved, ISO 8601; null while firing. */
  resolvedAt: string | null;
  /** The last measured value (null: none or infinite). */
  value: number | null;
  /** Who acknowledged it, why and when (ISO 8601); null when nobody has. */
  ack: { by: string; comment: string; at: string } | null;
  /**
   * The outbox: events of this alert's transitions not yet in the alerts stream. Written by the
   * same compare-and-set as the transition and emptied once the event is published, so an
   * evaluator that dies between the two leaves its notification here for another to send.
   */
  outbox: AlertEvent[];
}
true satisfies Agrees<z.output<typeof alertStateSchema>, AlertState>;

/** A silence: notifications of matching alerts are not sent until `until`. */
export const silenceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** A rule ID, or `*`. */
  ruleId: z.string().max(64).default("*"),
  /** A target glob, or `*`. */
  target: z.string().max(200).default("*"),
  /** ISO 8601 end. */
  until: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 time"),
  by: z.string().max(64),
  comment: z.string().max(1000).default(""),
});
/** A silence: notifications of matching alerts are not sent until `until`. */
export interface Silence {
  /** The silence's ID: letters, digits, `_` or `-`, up to 64. */
  id: string;
  /** A rule ID, or `*`. */
  ruleId: string;
  /** A target glob, or `*`. */
  target: string;
  /** ISO 8601 end. */
  until: string;
  /** Who set it (a login name). */
  by: string;
  /** Why, for people (up to 1,000 characters). */
  comment: string;
}
true satisfies Agrees<z.output<typeof silenceSchema>, Silence>;

/** What {@linkcode AlertStore.watchOutbox} returns. */
export interface OutboxWatch {
  /** The events waiting in outboxes now, with their alert's state key. */
  entries(): { key: string; event: AlertEvent }[];
  /** Stops following. */
  stop(): void;
}

/** The subject of an alert's events: one per rule and target, so its last event can be read. */
function eventSubject(key: string): string {
  return `${ALERTS_SUBJECT}.event.${key}`;
}

/** An entry of the alerts history. */
export interface HistoryItem {
  /** `event`, `ack`, `silence` or `outcome`. */
  readonly type: string;
  /** Stream sequence. */
  readonly seq: number;
  /** What was recorded. */
  readonly data: unknown;
}

const b64url = (s: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");

/**
 * The KV key of one rule's alert on one target (targets hold `/` and other characters KV keys
 * cannot, so they are base64url-encoded).
 *
 * @param ruleId the rule
 * @param target the entity
 * @returns the key
 */
export function stateKey(ruleId: string, target: string): string {
  return `${ruleId}.${b64url(target) || "_"}`;
}

function problem(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

function summary(rule: Rule, t: Transition): string {
  const v = t.value === null ? "n/a" : Number.isFinite(t.value) ? +t.value.toPrecision(4) : "∞";
  return t.to === "firing"
    ? `${rule.name}: ${t.target} at ${v} (above ${rule.threshold}, ${
      RULE_TYPE_INFO[rule.type].unit
    })`
    : `${rule.name}: ${t.target} back at ${v}`;
}

/**
 * Alert rules, states, silences and history in the OPS account: three KV buckets and one stream.
 * Both the alerts program and the dashboard use it; committing a transition is a
 * compare-and-set on the alert's state, so with several evaluators exactly one publishes each
 * event (and the notifier delivers each event once).
 */
export class AlertStore {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #rules: KV;
  readonly #state: KV;
  readonly #silences: KV;
  #jsm: JetStreamManager | undefined;

  private constructor(nc: NatsConnection, rules: KV, state: KV, silences: KV) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#rules = rules;
    this.#state = state;
    this.#silences = silences;
  }

  /**
   * Opens the buckets and the stream, creating them when absent (`ensure`, the alerts program)
   * or failing when they do not exist yet (`ensure: false`, the dashboard, which must not change
   * the retention the alerts program set).
   *
   * @param nc an OPS connection with JetStream
   * @param options history retention in days, replicas, whether to create
   * @returns the store
   * @throws when JetStream is unavailable, or with `ensure: false` when nothing exists yet
   */
  static async open(
    nc: NatsConnection,
    options: { historyDays?: number; replicas?: number; ensure?: boolean } = {},
  ): Promise<AlertStore> {
    const kvm = new Kvm(nc);
    if (options.ensure === false) {
      const [rules, state, silences] = await Promise.all(
        [RULES_BUCKET, STATE_BUCKET, SILENCES_BUCKET].map((b) => kvm.open(b)),
      );
      await (await jetstreamManager(nc)).streams.info(ALERTS_STREAM);
      await Promise.all([rules!.status(), state!.status(), silences!.status()]);
      return new AlertStore(nc, rules!, state!, silences!);
    }
    const replicas = options.replicas ?? 1;
    const [rules, state, silences] = await Promise.all(
      [RULES_BUCKET, STATE_BUCKET, SILENCES_BUCKET].map((b) =>
        kvm.create(b, { history: b === STATE_BUCKET ? 1 : 5, replicas })
      ),
    );
    const jsm = await jetstreamManager(nc);
    const config = {
      name: ALERTS_STREAM,
      subjects: [`${ALERTS_SUBJECT}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: (options.historyDays ?? 90) * 86_400e9,
      duplicate_window: 120e9,
      num_replicas: replicas,
    };
    try {
      await jsm.streams.info(ALERTS_STREAM);
      await jsm.streams.update(ALERTS_STREAM, config);
    } catch (e) {
      if (!/not found/i.test((e as Error).message)) throw e;
      await jsm.streams.add(config);
    }
    await jsm.consumers.add(ALERTS_STREAM, {
      durable_name: NOTIFIER_CONSUMER,
      filter_subject: `${ALERTS_SUBJECT}.event.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: 120e9,
      max_deliver: 3,
    }).catch(() => {/* exists */});
    return new AlertStore(nc, rules!, state!, silences!);
  }

  /** Every rule, sorted by ID; records that no longer parse are skipped. */
  async rules(): Promise<Rule[]> {
    const out: Rule[] = [];
    for await (const key of await this.#rules.keys()) {
      const e = await this.#rules.get(key);
      if (e === null || e.operation !== "PUT") continue;
      const r = ruleSchema.safeParse(safeJson(e.string()));
      if (r.success) out.push(r.data);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Validates and stores a rule (new or replaced).
   *
   * @param input the rule as edited
   * @returns the rule with defaults applied
   * @throws {InvalidAlertInputError} naming every field that is wrong
   */
  async putRule(input: unknown): Promise<Rule> {
    const rule = parseRule(input);
    await this.#rules.put(rule.id, JSON.stringify(rule));
    return rule;
  }

  /** Removes a rule (its firing alerts resolve at the next evaluation of nothing). */
  async deleteRule(id: string): Promise<void> {
    await this.#rules.delete(id);
  }

  /** Every alert state (firing and resolved), firing first, newest first. */
  async states(): Promise<AlertState[]> {
    const out: AlertState[] = [];
    for await (const key of await this.#state.keys()) {
      const e = await this.#state.get(key);
      if (e === null || e.operation !== "PUT") continue;
      const s = alertStateSchema.safeParse(safeJson(e.string()));
      if (s.success) out.push(s.data);
    }
    return out.sort((a, b) =>
      Number(b.status === "firing") - Number(a.status === "firing") ||
      b.since.localeCompare(a.since)
    );
  }

  /** How many alerts fire now. */
  async firingCount(): Promise<number> {
    return (await this.states()).filter((s) => s.status === "firing").length;
  }

  /**
   * Records a transition if nobody has yet (compare-and-set on the alert's state, which puts the
   * event in the state's outbox in the same write) and publishes its event for the notifier. A
   * publish that fails leaves the event in the outbox: {@linkcode AlertStore.watchOutbox} finds
   * it and {@linkcode AlertStore.send} publishes it later, from this evaluator or another.
   *
   * @param rule the rule
   * @param t the transition the evaluator found
   * @returns the event, or null when another evaluator already recorded it
   */
  async commit(rule: Rule, t: Transition): Promise<AlertEvent | null> {
    const key = stateKey(rule.id, t.target);
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = await this.#state.get(key);
      const cur = e && e.operation === "PUT"
        ? alertStateSchema.safeParse(safeJson(e.string())).data ?? null
        : null;
      const at = new Date(t.at).toISOString();
      let next: Omit<AlertState, "outbox">;
      if (t.to === "firing") {
        if (cur?.status === "firing") return null;
        next = {
          ruleId: rule.id,
          target: t.target,
          status: "firing",
          episode: (cur?.episode ?? 0) + 1,
          severity: rule.severity,
          since: at,
          resolvedAt: null,
          value: wireNumber(t.value),
          ack: null,
        };
      } else {
        if (cur?.status !== "firing") return null;
        next = { ...cur, status: "resolved", resolvedAt: at, value: wireNumber(t.value) };
      }
      const event: AlertEvent = {
        v: 1,
        id: `${key}.${next.episode}.${t.to}`,
        kind: t.to,
        ruleId: rule.id,
        ruleName: rule.name,
        type: rule.type,
        severity: rule.severity,
        target: t.target,
        value: wireNumber(t.value),
        threshold: rule.threshold,
        at,
        episode: next.episode,
        summary: summary(rule, t),
        channels: rule.channels,
      };
      const record: AlertState = { ...next, outbox: [...(cur?.outbox ?? []), event] };
      try {
        if (e === null) await this.#state.create(key, JSON.stringify(record));
        else await this.#state.update(key, JSON.stringify(record), e.revision);
      } catch {
        continue; // another evaluator wrote first: look again
      }
      await this.#publish(key, event).catch(() => {/* stays in the outbox */});
      return event;
    }
    return null;
  }

  /**
   * Publishes an event found in an alert's outbox (see {@linkcode AlertStore.watchOutbox}) unless
   * the alerts stream already holds it, then removes it from the outbox. Several evaluators may
   * send the same entry at once: the stream keeps one (message ID, and the alert's last event
   * checked first for entries older than the duplicate window).
   *
   * @param key the alert's state key
   * @param event the event in its outbox
   * @returns true when this call published it
   * @throws when the stream or the bucket cannot be reached (the entry stays in the outbox)
   */
  async send(key: string, event: AlertEvent): Promise<boolean> {
    this.#jsm ??= await jetstreamManager(this.#nc);
    const last = await this.#jsm.streams.getMessage(ALERTS_STREAM, {
      last_by_subj: eventSubject(key),
    });
    if (last !== null && parseEvent(last.string())?.id === event.id) {
      await this.#sent(key, event.id);
      return false;
    }
    await this.#publish(key, event);
    return true;
  }

  async #publish(key: string, event: AlertEvent): Promise<void> {
    await this.#js.publish(eventSubject(key), JSON.stringify(event), { msgID: event.id });
    await this.#sent(key, event.id);
  }

  /** Removes a published event from its alert's outbox (compare-and-set; others may race). */
  async #sent(key: string, eventId: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = await this.#state.get(key);
      const cur = e && e.operation === "PUT"
        ? alertStateSchema.safeParse(safeJson(e.string())).data
        : undefined;
      if (!e || !cur || !cur.outbox.some((o) => o.id === eventId)) return;
      const next = { ...cur, outbox: cur.outbox.filter((o) => o.id !== eventId) };
      try {
        await this.#state.update(key, JSON.stringify(next), e.revision);
        return;
      } catch {
        // written meanwhile (another sender, an acknowledgement): look again
      }
    }
  }

  /**
   * Follows every alert's outbox: the current entries first, then each change, from this
   * evaluator and others. The alert engine sends what stays there.
   *
   * @returns the watch: `entries()` lists the events waiting, by state key, in commit order
   */
  async watchOutbox(): Promise<OutboxWatch> {
    const waiting = new Map<string, readonly AlertEvent[]>();
    const watch = await this.#state.watch({ include: KvWatchInclude.LastValue });
    (async () => {
      for await (const e of watch) {
        const s = e.operation === "PUT"
          ? alertStateSchema.safeParse(safeJson(e.string())).data
          : undefined;
        if (s && s.outbox.length > 0) waiting.set(e.key, s.outbox);
        else waiting.delete(e.key);
      }
    })().catch(() => {/* the watch ends with the connection */});
    return {
      entries: () =>
        [...waiting].flatMap(([key, events]) => events.map((event) => ({ key, event }))),
      stop: () => watch.stop(),
    };
  }

  /**
   * Acknowledges a firing alert with a comment (shown on the Alerts page, kept in the history).
   *
   * @param ruleId the rule
   * @param target the entity
   * @param by who
   * @param comment why, what is being done
   * @throws {InvalidAlertInputError} when no such alert fires
   */
  async acknowledge(
    ruleId: string,
    target: string,
    by: string,
    comment: string,
  ): Promise<AlertState> {
    const key = stateKey(ruleId, target);
    const e = await this.#state.get(key);
    const cur = e && e.operation === "PUT"
      ? alertStateSchema.safeParse(safeJson(e.string())).data
      : undefined;
    if (!e || !cur || cur.status !== "firing") {
      throw new InvalidAlertInputError(`No firing alert of rule "${ruleId}" on "${target}"`);
    }
    const next: AlertState = {
      ...cur,
      ack: { by, comment: comment.slice(0, 1000), at: new Date().toISOString() },
    };
    await this.#state.update(key, JSON.stringify(next), e.revision);
    await this.#js.publish(`${ALERTS_SUBJECT}.ack.${ruleId}`, JSON.stringify(next));
    return next;
  }

  /**
   * Silences notifications of a rule and/or target until a time.
   *
   * @param input the silence
   * @returns it, validated
   * @throws {InvalidAlertInputError} when a field is wrong
   */
  async silence(input: unknown): Promise<Silence> {
    const r = silenceSchema.safeParse(input);
    if (!r.success) {
      throw new InvalidAlertInputError(`Invalid silence: ${problem(r.error)}`, { cause: r.error });
    }
    await this.#silences.put(r.data.id, JSON.stringify(r.data));
    await this.#js.publish(`${ALERTS_SUBJECT}.silence.${r.data.id}`, JSON.stringify(r.data));
    return r.data;
  }

  /** Silences still in force at `now`. */
  async silences(now = Date.now()): Promise<Silence[]> {
    const out: Silence[] = [];
    for await (const key of await this.#silences.keys()) {
      const e = await this.#silences.get(key);
      if (e === null || e.operation !== "PUT") continue;
      const s = silenceSchema.safeParse(safeJson(e.string()));
      if (s.success && Date.parse(s.data.until) > now) out.push(s.data);
    }
    return out;
  }

  /** Ends a silence. */
  async unsilence(id: string): Promise<void> {
    await this.#silences.delete(id);
  }

  /**
   * Records a delivery outcome in the alerts history.
   *
   * @param outcome what happened
   */
  async recordOutcome(outcome: DeliveryOutcome): Promise<void> {
    await this.#js.publish(`${ALERTS_SUBJECT}.outcome.${outcome.channel}`, JSON.stringify(outcome));
  }

  /**
   * The alerts history, newest last: events, acknowledgements, silences and delivery outcomes.
   *
   * @param sinceMs from this time (default: a day ago)
   * @param limit at most this many (the newest)
   * @returns the entries
   */
  async history(sinceMs = Date.now() - 86_400_000, limit = 500): Promise<HistoryItem[]> {
    const consumer = await this.#js.consumers.get(ALERTS_STREAM, {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(sinceMs).toISOString(),
    });
    const out: HistoryItem[] = [];
    try {
      if ((await consumer.info(true)).num_pending > 0) {
        const messages = await consumer.consume({ max_messages: 500 });
        for await (const m of messages) {
          out.push({
            type: m.subject.split(".")[2] ?? "?",
            seq: m.seq,
            data: safeJson(m.string()),
          });
          if (out.length > limit) out.shift();
          if (m.info.pending === 0) break;
        }
        messages.stop();
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return out;
  }

  /** The connection (for the NATS-subject notifier). */
  get nc(): NatsConnection {
    return this.#nc;
  }
}

/**
 * Validates a rule as edited.
 *
 * @param input anything
 * @returns the rule with defaults
 * @throws {InvalidAlertInputError} naming every field that is wrong
 */
export function parseRule(input: unknown): Rule {
  const r = ruleSchema.safeParse(input);
  if (!r.success) {
    throw new InvalidAlertInputError(`Invalid rule: ${problem(r.error)}`, { cause: r.error });
  }
  return r.data;
}

export type { RuleInput };

/**
 * Parses an event from the wire.
 *
 * @param text the message
 * @returns the event or null
 */
export function parseEvent(text: string): AlertEvent | null {
  return alertEventSchema.safeParse(safeJson(text)).data ?? null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
