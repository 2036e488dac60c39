import type { AlertEvent } from "../event.ts";
import { postJson, type PostOptions, type PostResult } from "./http.ts";

const COLORS = { critical: "#d62728", warning: "#ff9f1a", info: "#1f77b4" } as const;

/**
 * The Slack incoming-webhook payload for an event (`text` plus one attachment with colour and
 * fields), which Mattermost and other Slack-compatible receivers accept too.
 *
 * @param event the event
 * @returns the JSON body
 */
export function slackPayload(event: AlertEvent): Record<string, unknown> {
  const icon = event.kind === "resolved" ? ":white_check_mark:" : ":rotating_light:";
  return {
    text: `${icon} [${event.kind.toUpperCase()}] ${event.summary}`,
    attachments: [{
      color: event.kind === "resolved" ? "#2ca02c" : COLORS[event.severity],
      title: `${event.ruleName} — ${event.target}`,
      fields: [
        { title: "Severity", value: event.severity, short: true },
        { title: "Value", value: String(event.value ?? "n/a"), short: true },
        { title: "Threshold", value: String(event.threshold), short: true },
        { title: "Rule", value: `${event.ruleId} (${event.type})`, short: true },
      ],
      ts: Math.floor(Date.parse(event.at) / 1000),
      footer: "nunect",
    }],
  };
}

/**
 * Posts an event to a Slack-compatible incoming webhook.
 *
 * @param url ALERT_SLACK_URL
 * @param event the event
 * @param options retry policy
 * @returns the delivery result
 */
export function sendSlack(
  url: string,
  event: AlertEvent,
  options: PostOptions = {},
): Promise<PostResult> {
  return postJson(url, JSON.stringify(slackPayload(event)), options);
}
