import { asText, encodeBase64, hex } from "./_bytes.ts";
import type { Header } from "./_wire.ts";
import type { StoredMessage } from "./reader.ts";

/** How a payload reads: JSON, UTF-8 text, or binary. */
export type PayloadKind = "json" | "text" | "binary" | "empty";

/** A message as a list row: what it is without the whole payload. */
export interface MessageSummary {
  /** Stream sequence. */
  readonly seq: number;
  /** Subject. */
  readonly subject: string;
  /** When it was stored (RFC 3339, nanoseconds). */
  readonly time: string;
  /** Payload size in bytes. */
  readonly size: number;
  /** How many header lines it has. */
  readonly headers: number;
  /** How the payload reads (JSON only judged for payloads up to 64 KiB). */
  readonly kind: PayloadKind;
  /** The payload's start: text for JSON and text, hex for binary. */
  readonly preview: string;
}

/** Everything the message view shows. JSON-serialisable. */
export interface MessageView {
  /** The stream. */
  readonly stream: string;
  /** Stream sequence. */
  readonly seq: number;
  /** Subject. */
  readonly subject: string;
  /** When it was stored (RFC 3339, nanoseconds). */
  readonly time: string;
  /** Payload size in bytes. */
  readonly size: number;
  /** Header lines in order. */
  readonly headers: readonly Header[];
  /** How the payload reads. */
  readonly kind: PayloadKind;
  /** The payload in each representation the UI offers (json/text are null where they do not apply). */
  readonly payload: {
    /** Pretty-printed JSON, or null. */
    readonly json: string | null;
    /** UTF-8 text, or null for binary. */
    readonly text: string | null;
    /** Lower-case hex, bytes separated by spaces. */
    readonly hex: string;
    /** Base64. */
    readonly base64: string;
  };
  /** natscli commands: fetch this message, and publish it again as it is. */
  readonly natsCommands: { readonly get: string; readonly pub: string };
}

const JSON_LIMIT = 64 * 1024;

/** The kind of a payload, and its text (null for binary) and parsed JSON (undefined if not JSON). */
function classify(data: Uint8Array): { kind: PayloadKind; text: string | null; json?: unknown } {
  if (data.length === 0) return { kind: "empty", text: "" };
  const text = asText(data);
  if (text === null) return { kind: "binary", text: null };
  const first = text.trimStart()[0];
  if (data.length <= JSON_LIMIT && first !== undefined && `{["-0123456789tfn`.includes(first)) {
    try {
      return { kind: "json", text, json: JSON.parse(text) };
    } catch { /* text that merely starts like JSON */ }
  }
  return { kind: "text", text };
}

/**
 * A list row for a message: its size, kind and the start of its payload.
 *
 * @param m the stored message
 * @param previewBytes how much of the payload to show (default 200)
 * @returns the summary
 */
export function summarize(m: StoredMessage, previewBytes = 200): MessageSummary {
  const head = m.data.subarray(0, previewBytes);
  const { kind } = classify(m.data.length <= JSON_LIMIT ? m.data : head);
  const text = kind === "binary" ? null : new TextDecoder().decode(head);
  return {
    seq: m.seq,
    subject: m.subject,
    time: m.time,
    size: m.data.length,
    headers: m.headers.length,
    kind: m.data.length > JSON_LIMIT && kind === "json" ? "text" : kind,
    preview: text ?? hex(head),
  };
}

/**
 * Quotes a word for a POSIX shell.
 *
 * @param s any string
 * @returns `s` in single quotes, with embedded quotes escaped
 */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * natscli commands for a message: `nats stream get` to fetch it, and `nats pub` to publish it
 * again with its headers and payload (`--no-templates`, because natscli expands `{{ }}` in bodies
 * by default; binary payloads go through base64 and stdin).
 *
 * @param stream the stream
 * @param m the message
 * @returns the two commands
 */
export function natsCommands(
  stream: string,
  m: Pick<StoredMessage, "seq" | "subject" | "headers" | "data">,
): { get: string; pub: string } {
  const get = `nats stream get ${shellQuote(stream)} ${m.seq}`;
  const hdrs = m.headers.map(([k, v]) => ` -H ${shellQuote(`${k}:${v}`)}`).join("");
  const text = asText(m.data);
  const pub = text !== null
    ? `nats pub ${shellQuote(m.subject)} ${shellQuote(text)}${hdrs} --no-templates`
    : `printf %s ${shellQuote(encodeBase64(m.data))} | base64 -d | nats pub ${
      shellQuote(m.subject)
    }${hdrs} --force-stdin --no-templates`;
  return { get, pub };
}

/**
 * Everything the message view shows: headers, the payload as pretty JSON, text, hex and base64,
 * size, sequence, time, and natscli commands.
 *
 * @param stream the stream the message is in
 * @param m the stored message
 * @returns the view
 */
export function viewMessage(stream: string, m: StoredMessage): MessageView {
  const c = classify(m.data);
  return {
    stream,
    seq: m.seq,
    subject: m.subject,
    time: m.time,
    size: m.data.length,
    headers: m.headers,
    kind: c.kind,
    payload: {
      json: c.kind === "json" ? JSON.stringify(c.json, null, 2) : null,
      text: c.text,
      hex: hex(m.data),
      base64: encodeBase64(m.data),
    },
    natsCommands: natsCommands(stream, m),
  };
}
