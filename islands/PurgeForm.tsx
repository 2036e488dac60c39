import { useState } from "preact/hooks";
import type { PurgeEstimate } from "../mods/jetstream/mod.ts";
import { api, query } from "./_api.ts";

/** Props of {@linkcode PurgeForm}. */
export interface PurgeFormProps {
  /** The stream's API base. */
  readonly api: string;
  /** The session's CSRF token. */
  readonly csrf: string;
}

/**
 * Purges a stream: everything, one subject filter's messages, all but the newest N, or everything
 * before a sequence. The server first says what will go, and the confirmation names it.
 */
export function PurgeForm(p: PurgeFormProps) {
  const [subject, setSubject] = useState("");
  const [mode, setMode] = useState<"all" | "keep" | "seq">("all");
  const [n, setN] = useState("");
  const [message, setMessage] = useState("");
  const request = () => ({
    ...(subject ? { subject } : {}),
    ...(mode === "keep" ? { keep: Number(n) } : mode === "seq" ? { seq: Number(n) } : {}),
  });
  const purge = async (e: Event) => {
    e.preventDefault();
    setMessage("");
    try {
      const r = request();
      const estimate = await api<PurgeEstimate>(`${p.api}/purge${query(r)}`);
      if (!confirm(`${estimate.description}?`)) return;
      const done = await api<{ purged: number }>(`${p.api}/purge`, { body: r, csrf: p.csrf });
      setMessage(`Purged ${done.purged} messages`);
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <form class="filters purge-form" onSubmit={purge}>
      <input
        name="purge-subject"
        placeholder="only subject (optional)"
        value={subject}
        onInput={(e) => setSubject(e.currentTarget.value)}
      />
      <select name="purge-mode" onChange={(e) => setMode(e.currentTarget.value as typeof mode)}>
        <option value="all">all of them</option>
        <option value="keep">all but the newest N</option>
        <option value="seq">everything before sequence N</option>
      </select>
      {mode !== "all" && (
        <input
          name="purge-n"
          size={10}
          placeholder="N"
          value={n}
          onInput={(e) => setN(e.currentTarget.value)}
        />
      )}
      <button type="submit" class="danger">Purge…</button>
      {message && <span class="notice">{message}</span>}
    </form>
  );
}
