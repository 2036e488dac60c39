import { useState } from "preact/hooks";
import type { PublishResult, RequestReply } from "../mods/jetstream/mod.ts";
import { api, headerLines } from "./_api.ts";
import { HeadersAndPayload, ReplyCard } from "./_message_parts.tsx";

/** Props of {@linkcode PublishForm}. */
export interface PublishFormProps {
  /** Accounts to publish in. */
  readonly accounts: readonly string[];
  /** The account chosen. */
  readonly account: string;
  /** A subject to start with. */
  readonly subject: string;
  /** The session's CSRF token. */
  readonly csrf: string;
}

/**
 * Publishes a message (or sends a request) in the chosen account with that account's
 * credentials: subject, headers, payload as text or base64; shows where it landed or the reply.
 */
export function PublishForm(p: PublishFormProps) {
  const [account, setAccount] = useState(p.account);
  const [subject, setSubject] = useState(p.subject);
  const [headers, setHeaders] = useState("");
  const [payload, setPayload] = useState("");
  const [encoding, setEncoding] = useState<"text" | "base64">("text");
  const [result, setResult] = useState("");
  const [reply, setReply] = useState<RequestReply | null>(null);
  const send = async (kind: "publish" | "request") => {
    setResult("");
    setReply(null);
    const body = { subject, headers: headerLines(headers), payload, encoding };
    try {
      if (kind === "publish") {
        const r = await api<PublishResult>(`/api/publish/${encodeURIComponent(account)}`, {
          body,
          csrf: p.csrf,
        });
        setResult(
          r.stream
            ? `Stored in ${r.stream} at sequence ${r.seq}${r.duplicate ? " (duplicate)" : ""}`
            : "Published (no stream captures this subject)",
        );
      } else {
        setReply(
          await api<RequestReply>(`/api/request/${encodeURIComponent(account)}`, {
            body,
            csrf: p.csrf,
          }),
        );
      }
    } catch (e) {
      setResult((e as Error).message);
    }
  };
  return (
    <form
      class="publish-form"
      onSubmit={(e) => {
        e.preventDefault();
        void send("publish");
      }}
    >
      <div class="filters">
        <select name="account" onChange={(e) => setAccount(e.currentTarget.value)}>
          {p.accounts.map((a) => <option key={a} value={a} selected={a === account}>{a}</option>)}
        </select>
        <input
          name="subject"
          placeholder="subject"
          value={subject}
          onInput={(e) => setSubject(e.currentTarget.value)}
        />
        <select
          name="encoding"
          onChange={(e) => setEncoding(e.currentTarget.value as "text" | "base64")}
        >
          <option value="text">text</option>
          <option value="base64">base64</option>
        </select>
      </div>
      <HeadersAndPayload
        headers={headers}
        onHeaders={setHeaders}
        payload={payload}
        onPayload={setPayload}
        payloadRows={6}
      />
      <button type="submit">Publish</button>{" "}
      <button type="button" onClick={() => void send("request")}>Request</button>
      {result && <p class="notice">{result}</p>}
      {reply && <ReplyCard reply={reply} label="Reply: " />}
    </form>
  );
}
