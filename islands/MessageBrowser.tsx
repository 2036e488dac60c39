import { useEffect, useState } from "preact/hooks";
import type { MessagePage, MessageView, PublishResult } from "../mods/jetstream/mod.ts";
import { api, ApiError, query } from "./_api.ts";

/** Props of {@linkcode MessageBrowser}. */
export interface MessageBrowserProps {
  /** The stream's API base, `/api/streams/<account>/<stream>`. */
  readonly api: string;
  /** The stream's name. */
  readonly stream: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The stream's first and last sequence when the page was drawn. */
  readonly firstSeq: number;
  /** Last sequence. */
  readonly lastSeq: number;
}

type View = "json" | "text" | "hex" | "base64";

/**
 * Browses a stream's messages 50 at a time, by sequence or time, forward or backward, optionally
 * one subject filter's; shows a message with headers and payload as JSON, text, hex or base64,
 * the natscli commands, and re-publishes (edited) or deletes it. The server reads without a
 * consumer.
 */
export function MessageBrowser(p: MessageBrowserProps) {
  const [page, setPage] = useState<MessagePage | null>(null);
  const [seq, setSeq] = useState(String(p.firstSeq || 1));
  const [time, setTime] = useState("");
  const [subject, setSubject] = useState("");
  const [error, setError] = useState("");
  const [message, setMessage] = useState<MessageView | null>(null);
  const [view, setView] = useState<View>("text");
  const [edit, setEdit] = useState<{ subject: string; payload: string } | null>(null);
  const [note, setNote] = useState("");

  const load = async (at: { seq?: number; time?: string }, direction = "forward") => {
    setError("");
    try {
      setPage(
        await api<MessagePage>(
          `${p.api}/messages${query({ ...at, subject, direction, limit: 50 })}`,
        ),
      );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load({ seq: p.firstSeq || 1 }), []);

  const open = async (s: number) => {
    setNote("");
    setEdit(null);
    try {
      const m = await api<MessageView>(`${p.api}/messages/${s}`);
      setMessage(m);
      setView(m.kind === "json" ? "json" : m.kind === "binary" ? "hex" : "text");
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const copy = (text: string) => void navigator.clipboard?.writeText(text);
  const republish = async () => {
    if (!message || !edit) return;
    try {
      const r = await api<PublishResult>(`${p.api}/messages/${message.seq}/republish`, {
        body: { subject: edit.subject, payload: edit.payload },
        csrf: p.csrf,
      });
      setNote(
        r.stream ? `Published: ${r.stream} sequence ${r.seq}` : "Published (no stream stored it)",
      );
      setEdit(null);
    } catch (e) {
      setNote(e instanceof ApiError ? e.message : String(e));
    }
  };
  const remove = async (erase: boolean) => {
    if (!message) return;
    if (
      !confirm(`Delete message ${message.seq} of "${p.stream}"${erase ? " and erase it" : ""}?`)
    ) {
      return;
    }
    try {
      await api(`${p.api}/messages/${message.seq}/delete`, { body: { erase }, csrf: p.csrf });
      setNote(`Deleted message ${message.seq}`);
      setMessage(null);
      if (page?.messages[0]) await load({ seq: page.messages[0].seq });
    } catch (e) {
      setNote((e as Error).message);
    }
  };

  const shown = message &&
    (view === "json"
      ? message.payload.json
      : view === "text"
      ? message.payload.text
      : view === "hex"
      ? message.payload.hex
      : message.payload.base64);

  return (
    <div class="message-browser">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load(time ? { time: new Date(time).toISOString() } : { seq: Number(seq) || 1 });
        }}
      >
        <label>
          Sequence{" "}
          <input name="seq" value={seq} size={10} onInput={(e) => setSeq(e.currentTarget.value)} />
        </label>
        <label>
          or time{" "}
          <input
            name="time"
            type="datetime-local"
            step="0.001"
            value={time}
            onInput={(e) => setTime(e.currentTarget.value)}
          />
        </label>
        <input
          name="subject"
          placeholder="subject filter"
          value={subject}
          onInput={(e) => setSubject(e.currentTarget.value)}
        />
        <button type="submit">Go</button>
        <button type="button" onClick={() => void load({ seq: 1 })}>Oldest</button>
        <button type="button" onClick={() => void load({}, "backward")}>Newest</button>
      </form>
      {error && <div class="notice bad">{error}</div>}
      {page && (
        <>
          <div class="pager">
            <button
              type="button"
              disabled={page.previous === null}
              onClick={() => void load({ seq: page.previous! }, "backward")}
            >
              ← Previous
            </button>
            <span class="muted">
              {page.messages.length
                ? `${page.messages[0]!.seq} – ${page.messages[page.messages.length - 1]!.seq}`
                : "no messages here"} · read by {page.method}
            </span>
            <button
              type="button"
              disabled={page.next === null}
              onClick={() => void load({ seq: page.next! })}
            >
              Next →
            </button>
          </div>
          <div class="table-wrap">
            <table class="messages">
              <thead>
                <tr>
                  <th class="num">Seq</th>
                  <th>Time</th>
                  <th>Subject</th>
                  <th class="num">Size</th>
                  <th>Payload</th>
                </tr>
              </thead>
              <tbody>
                {page.messages.map((m) => (
                  <tr
                    key={m.seq}
                    data-seq={m.seq}
                    class="clickable"
                    onClick={() => void open(m.seq)}
                  >
                    <td class="num">{m.seq}</td>
                    <td class="mono">{m.time.replace("T", " ").replace("Z", "")}</td>
                    <td class="mono">{m.subject}</td>
                    <td class="num">{m.size}</td>
                    <td class="mono preview">{m.preview}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {message && (
        <div class="card message-view">
          <h3>
            Message {message.seq} · <span class="mono">{message.subject}</span>
          </h3>
          <p class="muted">
            {message.time} · {message.size} bytes · {message.kind}
          </p>
          {message.headers.length > 0 && (
            <table class="headers">
              <tbody>
                {message.headers.map(([k, v], i) => (
                  <tr key={i}>
                    <td class="mono">{k}</td>
                    <td class="mono">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="tabs">
            {(["json", "text", "hex", "base64"] as const).map((v) => (
              <button
                type="button"
                class={view === v ? "on" : ""}
                disabled={v === "json"
                  ? message.payload.json === null
                  : v === "text"
                  ? message.payload.text === null
                  : false}
                onClick={() => setView(v)}
              >
                {v.toUpperCase()}
              </button>
            ))}
          </div>
          <pre class="payload">{shown}</pre>
          <p>
            <code class="mono">{message.natsCommands.get}</code>{" "}
            <button type="button" onClick={() => copy(message.natsCommands.get)}>Copy</button>
          </p>
          <p>
            <code class="mono">{message.natsCommands.pub}</code>{" "}
            <button type="button" onClick={() => copy(message.natsCommands.pub)}>
              Copy as nats command
            </button>
          </p>
          {edit
            ? (
              <div class="edit">
                <input
                  name="republish-subject"
                  value={edit.subject}
                  onInput={(e) => setEdit({ ...edit, subject: e.currentTarget.value })}
                />
                <textarea
                  name="republish-payload"
                  rows={6}
                  value={edit.payload}
                  onInput={(e) => setEdit({ ...edit, payload: e.currentTarget.value })}
                />
                <button type="button" onClick={republish}>Publish</button>
                <button type="button" onClick={() => setEdit(null)}>Cancel</button>
              </div>
            )
            : (
              <p>
                <button
                  type="button"
                  disabled={message.payload.text === null}
                  onClick={() =>
                    setEdit({ subject: message.subject, payload: message.payload.text ?? "" })}
                >
                  Edit and re-publish
                </button>{" "}
                <button type="button" class="danger" onClick={() => void remove(false)}>
                  Delete
                </button>{" "}
                <button type="button" class="danger" onClick={() => void remove(true)}>
                  Delete and erase
                </button>
              </p>
            )}
          {note && <p class="notice">{note}</p>}
        </div>
      )}
    </div>
  );
}
