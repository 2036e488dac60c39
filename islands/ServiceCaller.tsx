import { useState } from "preact/hooks";
import type { RequestReply } from "../mods/jetstream/mod.ts";
import { api, headerLines } from "./_api.ts";
import { HeadersAndPayload, ReplyCard } from "./_message_parts.tsx";

/** One service instance, as the caller lists it. */
export interface CallableService {
  readonly account: string;
  readonly name: string;
  readonly id: string;
  readonly endpoints: readonly { readonly name: string; readonly subject: string }[];
}

/** Props of {@linkcode ServiceCaller}. */
export interface ServiceCallerProps {
  /** The session's CSRF token. */
  readonly csrf: string;
  /** Services found. */
  readonly services: readonly CallableService[];
}

/** Calls an endpoint a service announces, with a payload and headers, and shows the reply. */
export function ServiceCaller(p: ServiceCallerProps) {
  const [chosen, setChosen] = useState(0);
  const [endpoint, setEndpoint] = useState(p.services[0]?.endpoints[0]?.name ?? "");
  const [subject, setSubject] = useState("");
  const [payload, setPayload] = useState("");
  const [headers, setHeaders] = useState("");
  const [reply, setReply] = useState<RequestReply | null>(null);
  const [message, setMessage] = useState("");
  const s = p.services[chosen];
  if (!s) return <p class="muted">No service to call.</p>;
  const ep = s.endpoints.find((e) => e.name === endpoint);
  const wildcard = ep && /(^|\.)[*>](\.|$)/.test(ep.subject);
  const call = async (e: Event) => {
    e.preventDefault();
    setMessage("");
    setReply(null);
    try {
      setReply(
        await api<RequestReply>(`/api/services/${encodeURIComponent(s.account)}/call`, {
          body: {
            service: s.name,
            id: s.id,
            endpoint,
            ...(wildcard ? { subject } : {}),
            payload,
            headers: headerLines(headers),
          },
          csrf: p.csrf,
        }),
      );
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <form class="service-caller" onSubmit={call}>
      <div class="filters">
        <select
          name="service"
          onChange={(e) => {
            const i = Number(e.currentTarget.value);
            setChosen(i);
            setEndpoint(p.services[i]?.endpoints[0]?.name ?? "");
          }}
        >
          {p.services.map((x, i) => (
            <option key={x.id} value={i}>{x.account} · {x.name} · {x.id}</option>
          ))}
        </select>
        <select name="endpoint" onChange={(e) => setEndpoint(e.currentTarget.value)}>
          {s.endpoints.map((x) => (
            <option value={x.name} selected={x.name === endpoint}>{x.name} ({x.subject})</option>
          ))}
        </select>
        {wildcard && (
          <input
            name="subject"
            placeholder={ep!.subject}
            value={subject}
            onInput={(e) => setSubject(e.currentTarget.value)}
          />
        )}
      </div>
      <HeadersAndPayload
        headers={headers}
        onHeaders={setHeaders}
        payload={payload}
        onPayload={setPayload}
        payloadRows={4}
      />
      <button type="submit">Call</button>
      {message && <p class="notice bad">{message}</p>}
      {reply && <ReplyCard reply={reply} />}
    </form>
  );
}
