/**
 * Alerts: rules kept in KV (consumer lag, message rate off its baseline, storage share, slow
 * consumers, disconnect rate, server health, unit heartbeat, clock and RTT — each with a
 * for-duration, hysteresis and severity), a pure {@linkcode evaluate} over history frames, states
 * firing → resolved committed by compare-and-set (so several evaluators record and notify each
 * transition once), acknowledgements, silences, a history stream, a preview of a rule over stored
 * history, and notifiers: signed webhook, Slack, PagerDuty Events v2, email (nodemailer) and a NATS
 * subject. The alerts program (`mods/alerts/main.ts`, permission set `alerts`) runs the
 * {@linkcode AlertEngine}; the dashboard uses the {@linkcode AlertStore}.
 *
 * @example
 * ```ts
 * const r = evaluate([rule], { now, current, previous }, state);
 * for (const t of r.transitions) await store.commit(rule, t);
 * ```
 *
 * @module
 */
export {
  alertAccount,
  CHANNELS,
  matchesTarget,
  RULE_ID_PATTERN,
  RULE_TYPE_INFO,
  RULE_TYPES,
  SEVERITIES,
} from "./rules.ts";
export type { Channel, Rule, RuleInput, RuleType, Severity } from "./rules.ts";
export { evaluate, preview } from "./evaluate.ts";
export type {
  Baseline,
  EvalInput,
  EvalResult,
  EvalState,
  TargetState,
  Transition,
} from "./evaluate.ts";
export { wireNumber } from "./event.ts";
export type { AlertEvent, DeliveryOutcome } from "./event.ts";
export {
  ALERTS_STREAM,
  ALERTS_SUBJECT,
  AlertStore,
  InvalidAlertInputError,
  NOTIFIER_CONSUMER,
  parseEvent,
  parseRule,
  stateKey,
} from "./store.ts";
export type { AlertState, HistoryItem, OutboxWatch, Silence } from "./store.ts";
export { AlertEngine } from "./engine.ts";
export type { AlertEngineOptions, AlertEngineStats } from "./engine.ts";
export { channelHosts, configuredChannels, deliver } from "./notify/deliver.ts";
export type { ChannelSettings } from "./notify/deliver.ts";
export { NOTIFY_BACKOFF, postJson } from "./notify/http.ts";
export type { PostOptions, PostResult } from "./notify/http.ts";
export { sendWebhook, signWebhook } from "./notify/webhook.ts";
export { sendSlack, slackPayload } from "./notify/slack.ts";
export { pagerDutyPayload, sendPagerDuty } from "./notify/pagerduty.ts";
export { sendEmail } from "./notify/email.ts";
export type { EmailResult, EmailSettings } from "./notify/email.ts";
