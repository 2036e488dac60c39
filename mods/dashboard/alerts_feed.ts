import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import type { AlertState, AlertStore, Rule, Silence } from "../alerts/mod.ts";
import { alertAccount, ALERTS_SUBJECT } from "../alerts/mod.ts";
import { inScope, type Scope } from "../access/mod.ts";

/** What the Alerts page and the header badge show; the data of the `alerts` live topic. */
export interface AlertsView {
  /** Whether the alerts program has created its buckets yet. */
  readonly available: boolean;
  /** Why not, when not. */
  readonly reason?: string;
  /** Alerts firing now. */
  readonly firing: number;
  /** Every alert's state, firing first. */
  readonly states: readonly AlertState[];
  /** Silences in force. */
  readonly silences: readonly Silence[];
  /** The rules. */
  readonly rules: readonly Rule[];
}

/** The view while the alerts program has not created its buckets. */
export const ALERTS_UNAVAILABLE: AlertsView = Object.freeze({
  available: false,
  reason: "Alerts are not available yet: the alerts program creates its buckets when it starts " +
    "(deno task start runs it)",
  firing: 0,
  states: [],
  silences: [],
  rules: [],
});

/**
 * Reads the alerts view.
 *
 * @param store the alert store, or undefined while there is none
 * @returns states, silences, rules and the firing count
 */
export async function readAlertsView(store: AlertStore | undefined): Promise<AlertsView> {
  if (store === undefined) return ALERTS_UNAVAILABLE;
  const [states, silences, rules] = await Promise.all([
    store.states(),
    store.silences(),
    store.rules(),
  ]);
  return {
    available: true,
    firing: states.filter((s) => s.status === "firing").length,
    states,
    silences,
    rules,
  };
}

/**
 * What a user of a scope may see of the alerts view: all of it unscoped; for an account-scoped
 * user its accounts' alerts only (each alert's account from its rule's type and target: a unit's,
 * an account's, a stream's, a consumer's), no server alerts, and neither silences nor rules
 * (both span accounts). The page, `/api/alerts` and the `alerts` live topic all go through it.
 *
 * @param view the whole view
 * @param scope the user's accounts, or null for every account
 * @returns the view in scope (the same object when unscoped)
 * @example
 * ```ts
 * const mine = alertsInScope(await readAlertsView(store), ["BRIDGE"]);
 * ```
 */
export function alertsInScope(view: AlertsView, scope: Scope): AlertsView {
  if (scope === null) return view;
  const rules = new Map(view.rules.map((r) => [r.id, r]));
  const states = view.states.filter((a) => {
    const rule = rules.get(a.ruleId);
    const account = rule === undefined ? null : alertAccount(rule, a.target);
    return account !== null && inScope(scope, account);
  });
  return {
    ...view,
    firing: states.filter((a) => a.status === "firing").length,
    states,
    silences: [],
    rules: [],
  };
}

/**
 * Keeps the alerts view current for every open page: reads it once, again a moment after anything
 * happens on the alerts subjects (an alert firing or resolving, an acknowledgement, a silence) or
 * to the rules, and at least every `refreshMs`, and hands each new view to `onView` (the
 * dashboard publishes it as the `alerts` live topic). One reader per dashboard, not per tab.
 */
export class AlertsFeed {
  readonly #open: () => Promise<AlertStore | undefined>;
  readonly #onView: (view: AlertsView) => void;
  readonly #subs: Subscription[] = [];
  #view: AlertsView = ALERTS_UNAVAILABLE;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refresh: ReturnType<typeof setInterval> | undefined;
  #reading = false;
  #again = false;

  /**
   * Creates the feed; it reads once started.
   *
   * @param nc the OPS connection
   * @param open opens the alert store (undefined while it does not exist)
   * @param onView receives every new view
   * @param refreshMs read at least this often (default 30 s)
   */
  constructor(
    nc: NatsConnection,
    open: () => Promise<AlertStore | undefined>,
    onView: (view: AlertsView) => void,
    refreshMs = 30_000,
  ) {
    this.#open = open;
    this.#onView = onView;
    for (const subject of [`${ALERTS_SUBJECT}.>`, "$KV.nunect_alert_rules.>"]) {
      this.#subs.push(nc.subscribe(subject, { callback: () => this.#soon() }));
    }
    this.#refresh = setInterval(() => this.#soon(), refreshMs);
    this.#soon(0);
  }

  /** The latest view. */
  current(): AlertsView {
    return this.#view;
  }

  #soon(ms = 200): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, ms);
  }

  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    try {
      this.#view = await readAlertsView(await this.#open());
      this.#onView(this.#view);
    } catch {
      /* NATS away: keep the last view, the next event or refresh reads again */
    } finally {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.#soon();
      }
    }
  }

  /** Stops following. */
  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#refresh);
    for (const s of this.#subs) s.unsubscribe();
  }
}
