import type { AlertEvent } from "../event.ts";
import { postJson, type PostOptions, type PostResult } from "./http.ts";

/**
 * The PagerDuty Events API v2 body for an event: `trigger` when firing, `resolve` when resolved,
 * with one `dedup_key` per rule and target so that PagerDuty folds repeats into one incident and
 * the resolve closes it.
 *
 * @param routingKey ALERT_PAGERDUTY_ROUTING_KEY
 * @param event the event
 * @returns the JSON body
 */
export function pagerDutyPayload(routingKey: string, event: AlertEvent): Record<string, unknown> {
  const base = {
    routing_key: routingKey,
    dedup_key: `nunect/${event.ruleId}/${event.target}`,
    client: "nunect",
  };
  if (event.kind === "resolved") return { ...base, event_action: "resolve" };
  return {
    ...base,
    event_action: "trigger",
    payload: {
      summary: event.summary.slice(0, 1024),
      source: event.target,
      severity: event.severity,
      timestamp: event.at,
      component: event.target,
      group: event.type,
      class: event.ruleId,
      custom_details: { value: event.value, threshold: event.threshold, rule: event.ruleName },
    },
  };
}

/**
 * Sends an event to PagerDuty's Events v2 endpoint (or any receiver at that URL).
 *
 * @param url ALERT_PAGERDUTY_URL
 * @param routingKey ALERT_PAGERDUTY_ROUTING_KEY
 * @param event the event
 * @param options retry policy
 * @returns the delivery result
 */
export function sendPagerDuty(
  url: string,
  routingKey: string,
  event: AlertEvent,
  options: PostOptions = {},
): Promise<PostResult> {
  return postJson(url, JSON.stringify(pagerDutyPayload(routingKey, event)), options);
}
