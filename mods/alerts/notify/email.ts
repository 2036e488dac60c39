import nodemailer from "nodemailer";
import type { AlertEvent } from "../event.ts";

/** Where mail goes (from .env). */
export interface EmailSettings {
  /** `smtp://host:port` or `smtps://host:port`. */
  readonly url: string;
  /** Login user, "" for none. */
  readonly user: string;
  /** Login password. */
  readonly password: string;
  /** Sender. */
  readonly from: string;
  /** Recipients. */
  readonly to: readonly string[];
}

/** The result of {@linkcode sendEmail}. */
export interface EmailResult {
  /** The server accepted the message. */
  readonly ok: boolean;
  /** The server's last response line, or the error. */
  readonly status?: string;
  /** Why it failed. */
  readonly error?: string;
}

/**
 * Mails an event through an SMTP server with nodemailer (STARTTLS when the server offers it on
 * `smtp://`, TLS from the start on `smtps://`).
 *
 * @param settings server, login, sender and recipients
 * @param event the event
 * @returns whether the server accepted it
 */
export async function sendEmail(settings: EmailSettings, event: AlertEvent): Promise<EmailResult> {
  const url = new URL(settings.url);
  const secure = url.protocol === "smtps:";
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (secure ? 465 : 587)),
    secure,
    auth: settings.user === "" ? undefined : { user: settings.user, pass: settings.password },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    // Local and test relays present self-signed certificates; mail content is not secret here.
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({
      from: settings.from,
      to: settings.to.join(", "),
      subject: `[nunect ${event.kind.toUpperCase()}] ${event.summary}`.slice(0, 200),
      text: [
        event.summary,
        "",
        `Rule:      ${event.ruleName} (${event.ruleId}, ${event.type})`,
        `Target:    ${event.target}`,
        `Severity:  ${event.severity}`,
        `Value:     ${event.value ?? "n/a"} (threshold ${event.threshold})`,
        `At:        ${event.at}`,
        `Event ID:  ${event.id}`,
      ].join("\n"),
      headers: { "X-Nunect-Event-Id": event.id },
    });
    return { ok: true, status: String(info.response ?? "") };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    transport.close();
  }
}
