import { useState } from "preact/hooks";
import { api } from "./_api.ts";

/** Props of {@linkcode BucketForm}. */
export interface BucketFormProps {
  /** Accounts it may be created in. */
  readonly accounts: readonly string[];
  /** The session's CSRF token. */
  readonly csrf: string;
  /** Whether the server supports keys with their own TTL (≥ 2.11). */
  readonly keyTtl: boolean;
  /** A KV bucket or an object store. */
  readonly kind: "kv" | "objects";
}

/** Creates a KV bucket (history, TTL, replicas, per-key TTL) or an object store. */
export function BucketForm(p: BucketFormProps) {
  const [account, setAccount] = useState(p.accounts[0] ?? "");
  const [v, setV] = useState({
    bucket: "",
    description: "",
    history: "1",
    ttl: "0",
    replicas: "1",
    keyTtl: "",
  });
  const [message, setMessage] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      bucket: v.bucket,
      ...(v.description ? { description: v.description } : {}),
      ttl: v.ttl || "0",
      replicas: Number(v.replicas) || 1,
    };
    if (p.kind === "kv") {
      body.history = Number(v.history) || 1;
      if (v.keyTtl) body.keyTtl = v.keyTtl;
    }
    try {
      await api(`/api/${p.kind}/${encodeURIComponent(account)}`, { body, csrf: p.csrf });
      location.href = `/${p.kind}/${encodeURIComponent(account)}/${encodeURIComponent(v.bucket)}`;
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  const field = (name: keyof typeof v, label: string) => (
    <label>
      {label}{" "}
      <input
        name={name}
        value={v[name]}
        onInput={(e) => setV({ ...v, [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form class="filters bucket-form" onSubmit={submit}>
      <select name="account" onChange={(e) => setAccount(e.currentTarget.value)}>
        {p.accounts.map((a) => <option key={a} value={a}>{a}</option>)}
      </select>
      {field("bucket", "Name")}
      {field("description", "Description")}
      {p.kind === "kv" && field("history", "History")}
      {field("ttl", "TTL (0 = forever)")}
      {field("replicas", "Replicas")}
      {p.kind === "kv" && (p.keyTtl
        ? field("keyTtl", "Per-key TTL markers (e.g. 1m; empty = off)")
        : <span class="requires">Per-key TTL requires nats-server ≥ 2.11.0</span>)}
      <button type="submit">Create</button>
      {message && <span class="error-text">{message}</span>}
    </form>
  );
}
