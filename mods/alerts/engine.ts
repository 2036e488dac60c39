import type { Subscription } from "@nats-io/nats-core";
import type { NatsConnection } from "../client/nats_types.ts";
import { jetstream } from "@nats-io/jetstream";
import type { UnitState } from "../monitor/mod.ts";
import {
  decodeFrame,
  type Frame,
  FRAME_ENCODING_HEADER,
  framesFromSnapshot,
  historySubject,
  type Kind,
} from "../history/mod.ts";
import { type EvalState, evaluate } from "./evaluate.ts";
import type { AlertEvent } from "./event.ts";
import { type ChannelSettings, deliver } from "./notify/deliver.ts";
import type { PostOptions } from "./notify/http.ts";
import { matchesTarget, type Rule } from "./rules.ts";
import {
  ALERTS_STREAM,
  type AlertStore,
  NOTIFIER_CONSUMER,
  type OutboxWatch,
  parseEvent,
} from "./store.ts";

/** Options of {@linkcode AlertEngine.start}. */
export interface AlertEngineOptions {
  /** The OPS connection (history frames, units telemetry, alert buckets). */
  readonly nc: NatsConnection;
  /** Rules, states, silences, history. */
  readonly store: AlertStore;
  /** The finest history tier's name (frames arrive live on its subjects). */
  readonly historyTier: string;
  /** The current units (heartbeats as they arrive, for exact heartbeat deadlines). */
  readonly units: () => readonly UnitState[];
  /** How often rules are evaluated, ms (ALERT_EVAL_INTERVAL_S). */
  readonly intervalMs: number;
  /** Notification channels. */
  readonly channels: ChannelSettings;
  /** Retry policy of HTTP notifications (tests shorten it). */
  readonly post?: PostOptions;
  /** Deliver notifications from this process too (default true). */
  readonly notify?: boolean;
  /** Problems worth an operator's attention. */
  readonly log?: (line: string) => void;
}

/** Counters of an {@linkcode AlertEngine}. */
export interface AlertEngineStats {
  /** Evaluations run. */
  readonly evaluations: number;
  /** Transitions this process committed (won the compare-and-set). */
  readonly committed: number;
  /** Transitions another evaluator had already committed. */
  readonly lost: number;
  /** Events this process published from an outbox (left there by a failed publish or a crash). */
  readonly resent: number;
  /** Notifications delivered by this process, and failed. */
  readonly delivered: number;
  /** Deliveries that failed after retries. */
  readonly failed: number;
  /** Events not sent because a silence matched. */
  readonly silenced: number;
  /** History frames received that did not parse (counted and dropped). */
  readonly malformed: number;
}

/**
 * The alert engine: evaluates the rules every interval (and exactly when a pending alert or a
 * heartbeat deadline falls due) over the newest history frames, which arrive live on the history
 * subjects, and over the units' own heartbeats; commits transitions through the store's
 * compare-and-set; publishes, at each evaluation, events left in the alerts' outboxes (by a
 * publish that failed, or an evaluator that died after committing); and, as one of the workers
 * of the shared `notifier` consumer, delivers each event to its channels once, recording every
 * outcome.
 */
export class AlertEngine implements AsyncDisposable {
  readonly #o: AlertEngineOptions;
  readonly #current: Partial<Record<Kind, Frame>> = {};
  readonly #previous: Partial<Record<Kind, Frame>> = {};
  #sub: Subscription | undefined;
  #outbox: OutboxWatch | undefined;
  readonly #warned = new Set<string>();
  #state: EvalState = {};
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #running: Promise<void> = Promise.resolve();
  #notifier: Promise<void> = Promise.resolve();
  #stopNotifier: (() => void) | undefined;
  #stats = {
    evaluations: 0,
    committed: 0,
    lost: 0,
    resent: 0,
    delivered: 0,
    failed: 0,
    silenced: 0,
    malformed: 0,
  };

  private constructor(options: AlertEngineOptions) {
    this.#o = options;
  }

  /**
   * Starts evaluating and (unless `notify` is false) delivering.
   *
   * @param options connection, store, tier, channels
   * @returns the running engine
   */
  static async start(options: AlertEngineOptions): Promise<AlertEngine> {
    const e = new AlertEngine(options);
    // Alerts already firing (from an earlier run or another evaluator) can resolve here.
    const seeded: Record<
      string,
      Record<string, { status: "firing"; since: number; value: number | null }>
    > = {};
    for (const s of await options.store.states()) {
      if (s.status !== "firing") continue;
      (seeded[s.ruleId] ??= {})[s.target] = {
        status: "firing",
        since: Date.parse(s.since),
        value: s.value,
      };
    }
    e.#state = seeded;
    e.#sub = options.nc.subscribe(historySubject(options.historyTier, "*"), {
      callback: (err, msg) => {
        if (err) return;
        const frame = decodeFrame(msg.data, msg.headers?.get(FRAME_ENCODING_HEADER));
        if (frame === undefined) {
          e.#stats.malformed++;
          return;
        }
        const cur = e.#current[frame.kind];
        if (cur && frame.t === cur.t) {
          e.#current[frame.kind] = { ...cur, rows: { ...cur.rows, ...frame.rows } }; // a chunk
        } else if (!cur || frame.t > cur.t) {
          if (cur) e.#previous[frame.kind] = cur;
          e.#current[frame.kind] = frame;
        }
      },
    });
    await options.nc.flush();
    e.#outbox = await options.store.watchOutbox();
    if (options.notify !== false) e.#notifier = e.#runNotifier();
    e.#schedule(0);
    return e;
  }

  /** Counters. */
  stats(): AlertEngineStats {
    return { ...this.#stats };
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#tick();
    }, Math.max(0, ms));
  }

  async #tick(): Promise<void> {
    let nextAt: number | null = null;
    await this.#sendOutbox();
    try {
      nextAt = await this.evaluateOnce(Date.now());
    } catch (e) {
      this.#o.log?.(`Alert evaluation failed: ${(e as Error).message}`);
    }
    const now = Date.now();
    const due = Math.min(this.#o.intervalMs, nextAt === null ? Infinity : nextAt - now);
    this.#schedule(due);
  }

  /**
   * One evaluation at `now`: rules from the store, the newest frames, units as of now.
   *
   * @param now the clock
   * @returns when to evaluate next at the latest (null: at the interval)
   */
  async evaluateOnce(now: number): Promise<number | null> {
    const rules = await this.#o.store.rules();
    const [unitFrame] = framesFromSnapshot(
      { at: now, statsz: [], healthz: [], accstatz: [], jsz: [], units: this.#o.units() },
      now,
      1,
    ).filter((f) => f.kind === "unit");
    const current = { ...this.#current, unit: unitFrame };
    const result = evaluate(rules, { now, current, previous: this.#previous }, this.#state);
    this.#state = result.state;
    this.#stats.evaluations++;
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const t of result.transitions) {
      const rule = byId.get(t.ruleId);
      if (!rule) continue;
      const event = await this.#o.store.commit(rule, t);
      if (event) this.#stats.committed++;
      else this.#stats.lost++;
    }
    return result.nextAt;
  }

  /** Publishes what waits in the alerts' outboxes (a publish that failed here or elsewhere). */
  async #sendOutbox(): Promise<void> {
    for (const { key, event } of this.#outbox?.entries() ?? []) {
      try {
        if (await this.#o.store.send(key, event)) this.#stats.resent++;
      } catch (e) {
        if (this.#warned.has(event.id)) continue; // said once per event
        this.#warned.add(event.id);
        this.#o.log?.(`Alert event ${event.id} waits to be published: ${(e as Error).message}`);
      }
    }
  }

  async #runNotifier(): Promise<void> {
    const js = jetstream(this.#o.nc);
    const consumer = await js.consumers.get(ALERTS_STREAM, NOTIFIER_CONSUMER);
    while (!this.#closed) {
      const messages = await consumer.consume({ max_messages: 10 });
      this.#stopNotifier = () => messages.stop();
      for await (const m of messages) {
        const event = parseEvent(m.string());
        if (event === null) {
          m.term(); // malformed: never retry
          continue;
        }
        await this.#notify(event);
        m.ack();
      }
    }
  }

  async #notify(event: AlertEvent): Promise<void> {
    const silences = await this.#o.store.silences();
    const silenced = silences.some((s) =>
      (s.ruleId === "*" || s.ruleId === event.ruleId) && matchesTarget(s.target, event.target)
    );
    for (const channel of event.channels) {
      if (silenced) {
        this.#stats.silenced++;
        await this.#o.store.recordOutcome({
          eventId: event.id,
          channel,
          ok: false,
          attempts: 0,
          silenced: true,
          at: new Date().toISOString(),
        });
        continue;
      }
      const outcome = await deliver(this.#o.channels, this.#o.nc, channel, event, this.#o.post);
      if (outcome.ok) this.#stats.delivered++;
      else {
        this.#stats.failed++;
        this.#o.log?.(`Notification ${event.id} to ${channel} failed: ${outcome.error}`);
      }
      await this.#o.store.recordOutcome(outcome);
    }
  }

  /** Stops evaluating and delivering. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.#stopNotifier?.();
    await this.#notifier.catch(() => {});
    this.#sub?.unsubscribe();
    this.#outbox?.stop();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export type { Rule };
