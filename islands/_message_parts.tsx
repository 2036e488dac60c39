import type { RequestReply } from "../mods/jetstream/mod.ts";

/** Props of {@linkcode HeadersAndPayload}. */
export interface HeadersAndPayloadProps {
  /** The header lines as typed (`Header: value`, one per line). */
  readonly headers: string;
  /** Called with the header lines as they change. */
  readonly onHeaders: (text: string) => void;
  /** The payload as typed. */
  readonly payload: string;
  /** Called with the payload as it changes. */
  readonly onPayload: (text: string) => void;
  /** Rows of the payload box. */
  readonly payloadRows: number;
}

/**
 * The header and payload boxes of a form that sends a message (publish, request, service call);
 * `headerLines` (./_api.ts) turns the header text into what the API takes.
 */
export function HeadersAndPayload(p: HeadersAndPayloadProps) {
  return (
    <>
      <textarea
        name="headers"
        rows={2}
        placeholder="Header: value (one per line)"
        value={p.headers}
        onInput={(e) => p.onHeaders(e.currentTarget.value)}
      />
      <textarea
        name="payload"
        rows={p.payloadRows}
        placeholder="payload"
        value={p.payload}
        onInput={(e) => p.onPayload(e.currentTarget.value)}
      />
    </>
  );
}

/** A reply to a request or service call: its size, how long it took and its payload. */
export function ReplyCard({ reply, label }: { reply: RequestReply; label?: string }) {
  return (
    <div class="card reply">
      <p class="muted">{label}{reply.size} bytes in {reply.ms.toFixed(1)} ms</p>
      <pre class="payload">{reply.payload.json ?? reply.payload.text ?? reply.payload.hex}</pre>
    </div>
  );
}
