import type { NatsConnection } from "../../client/nats_types.ts";
import type { Config } from "../../config/mod.ts";
import type { AlertEvent, DeliveryOutcome } from "../event.ts";
import type { Channel } from "../rules.ts";
import { sendEmail } from "./email.ts";
import type { PostOptions } from "./http.ts";
import { sendPagerDuty } from "./pagerduty.ts";
import { sendSlack } from "./slack.ts";
import { sendWebhook } from "./webhook.ts";

/** Where notifications go: the `alerts` section of the configuration. */
export type ChannelSettings = Config<"alerts">["alerts"];

/**
 * The channels that are configured (a rule naming another one gets a failed outcome saying so).
 *
 * @param s the settings
 * @returns configured channel names
 */
export function configuredChannels(s: ChannelSettings): Channel[] {
  const out: Channel[] = [];
  if (s.webhookUrl) out.push("webhook");
  if (s.slackUrl) out.push("slack");
  if (s.pagerdutyUrl && s.pagerdutyRoutingKey) out.push("pagerduty");
  if (s.smtpUrl && s.emailTo.length > 0) out.push("email");
  if (s.natsSubject) out.push("nats");
  return out;
}

/**
 * The hosts the alerts program must reach for its configured channels (its `--allow-net`).
 *
 * @param s the settings
 * @returns `host:port` strings
 */
export function channelHosts(s: ChannelSettings): string[] {
  const hosts = new Set<string>();
  const add = (url: string, fallback: string) => {
    if (url === "") return;
    const u = new URL(url);
    hosts.add(`${u.hostname.includes(":") ? `[${u.hostname}]` : u.hostname}:${u.port || fallback}`);
  };
  add(s.webhookUrl, s.webhookUrl.startsWith("https:") ? "443" : "80");
  add(s.slackUrl, s.slackUrl.startsWith("https:") ? "443" : "80");
  add(s.pagerdutyUrl, s.pagerdutyUrl.startsWith("https:") ? "443" : "80");
  add(s.smtpUrl, s.smtpUrl.startsWith("smtps:") ? "465" : "587");
  return [...hosts];
}

/**
 * Delivers one event to one channel and says how it went.
 *
 * @param s channel settings
 * @param nc the OPS connection (for the NATS-subject channel)
 * @param channel which channel
 * @param event the event
 * @param post retry policy for HTTP channels
 * @returns the outcome
 */
export async function deliver(
  s: ChannelSettings,
  nc: NatsConnection,
  channel: Channel,
  event: AlertEvent,
  post: PostOptions = {},
): Promise<DeliveryOutcome> {
  const done = (
    r: { ok: boolean; attempts?: number; status?: number | string; error?: string },
  ) => ({
    eventId: event.id,
    channel,
    ok: r.ok,
    attempts: r.attempts ?? 1,
    ...(r.status === undefined ? {} : { status: r.status }),
    ...(r.error === undefined ? {} : { error: r.error }),
    at: new Date().toISOString(),
  });
  if (!configuredChannels(s).includes(channel)) {
    return done({
      ok: false,
      attempts: 0,
      error: `Channel "${channel}" is not configured in .env`,
    });
  }
  switch (channel) {
    case "webhook":
      return done(await sendWebhook(s.webhookUrl, s.webhookSecret, event, post));
    case "slack":
      return done(await sendSlack(s.slackUrl, event, post));
    case "pagerduty":
      return done(await sendPagerDuty(s.pagerdutyUrl, s.pagerdutyRoutingKey, event, post));
    case "email":
      return done(
        await sendEmail({
          url: s.smtpUrl,
          user: s.smtpUser,
          password: s.smtpPassword,
          from: s.emailFrom,
          to: s.emailTo,
        }, event),
      );
    case "nats":
      try {
        nc.publish(s.natsSubject, JSON.stringify(event));
        await nc.flush();
        return done({ ok: true });
      } catch (e) {
        return done({ ok: false, error: (e as Error).message });
      }
  }
}
