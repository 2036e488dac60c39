import type { AlertEvent } from "../event.ts";
import { postJson, type PostOptions, type PostResult } from "./http.ts";

const encoder = new TextEncoder();

/**
 * HMAC-SHA256 of `<timestamp>.<body>` as hex: what `X-Nunect-Signature: sha256=<hex>` carries.
 * A receiver recomputes it with the shared secret and rejects old timestamps (replays).
 *
 * @param secret ALERT_WEBHOOK_SECRET
 * @param timestamp seconds since the epoch, as sent in `X-Nunect-Timestamp`
 * @param body the exact request body
 * @returns lower-case hex
 */
export async function signWebhook(
  secret: string,
  timestamp: string,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Sends an event to the generic webhook: the event's JSON as the body, with
 * `X-Nunect-Event-Id`, `X-Nunect-Timestamp` and (when a secret is set) `X-Nunect-Signature`.
 * The event ID lets a receiver drop a repeat delivery.
 *
 * @param url ALERT_WEBHOOK_URL
 * @param secret ALERT_WEBHOOK_SECRET ("" to send unsigned)
 * @param event the event
 * @param options retry policy
 * @returns the delivery result
 */
export async function sendWebhook(
  url: string,
  secret: string,
  event: AlertEvent,
  options: PostOptions = {},
): Promise<PostResult> {
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    "x-nunect-event-id": event.id,
    "x-nunect-timestamp": timestamp,
  };
  if (secret !== "") {
    headers["x-nunect-signature"] = `sha256=${await signWebhook(secret, timestamp, body)}`;
  }
  return await postJson(url, body, { ...options, headers });
}
