import { useRef, useState } from "preact/hooks";
import type { MessageSummary, ReplayResult } from "../mods/jetstream/mod.ts";
import { api, query } from "./_api.ts";

/** Props of {@linkcode StreamSearch}. */
export interface StreamSearchProps {
  /** The stream's API base. */
  readonly api: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** Export formats offered. */
  readonly formats: readonly string[];
}

interface Criteria {
  subject: string;
  fromSeq: string;
  toSeq: string;
  fromTime: string;
  toTime: string;
  header: string;
  headerValue: string;
  text: string;
  limit: string;
}

const EMPTY: Criteria = {
  subject: "",
  fromSeq: "",
  toSeq: "",
  fromTime: "",
  toTime: "",
  header: "",
  headerValue: "",
  text: "",
  limit: "",
};

/** The criteria as API parameters (times from the browser's local time to UTC). */
function params(c: Criteria): Record<string, string> {
  const iso = (t: string) => (t ? new Date(t).toISOString() : "");
  return { ...c, fromTime: iso(c.fromTime), toTime: iso(c.toTime) };
}

/**
 * Searches a stream on the server (subject filter, sequence and time range, header, payload
 * text) with live progress and a Cancel button; exports the same selection as JSON, NDJSON or
 * CSV (streamed downloads); replays it to a subject, rate-limited, after a dry-run count.
 */
export function StreamSearch(p: StreamSearchProps) {
  const [c, setC] = useState<Criteria>(EMPTY);
  const [matches, setMatches] = useState<MessageSummary[]>([]);
  const [progress, setProgress] = useState({ scanned: 0, total: null as number | null });
  const [status, setStatus] = useState("");
  const [running, setRunning] = useState(false);
  const [replayTo, setReplayTo] = useState("");
  const [rate, setRate] = useState("1000");
  const source = useRef<EventSource | null>(null);

  const field = (name: keyof Criteria, label: string, type = "text") => (
    <label>
      {label}{" "}
      <input
        name={name}
        type={type as "text"}
        step={type === "datetime-local" ? "0.001" : undefined}
        value={c[name]}
        onInput={(e) => setC({ ...c, [name]: e.currentTarget.value })}
      />
    </label>
  );

  const start = () => {
    source.current?.close();
    setMatches([]);
    setProgress({ scanned: 0, total: null });
    setStatus("Searching…");
    setRunning(true);
    const es = new EventSource(`${p.api}/search${query(params(c))}`);
    source.current = es;
    const data = (e: Event) => JSON.parse((e as MessageEvent).data);
    es.addEventListener("start", (e) => setProgress({ scanned: 0, total: data(e).total }));
    es.addEventListener("match", (e) => {
      const m = data(e).message as MessageSummary;
      setMatches((ms) => [...ms, m]);
    });
    es.addEventListener("progress", (e) => {
      const d = data(e);
      setProgress((pr) => ({ ...pr, scanned: d.scanned }));
    });
    es.addEventListener("done", (e) => {
      const d = data(e);
      setStatus(
        `Done: ${d.matched} matches in ${d.scanned} messages (${d.ms} ms)${
          d.truncated ? ", stopped at the limit" : ""
        }`,
      );
      setRunning(false);
      es.close();
    });
    es.addEventListener("error", (e) => {
      const text = (e as MessageEvent).data;
      setStatus(text ? `Search failed: ${JSON.parse(text).message}` : "Search interrupted");
      setRunning(false);
      es.close();
    });
  };
  const cancel = () => {
    source.current?.close();
    setRunning(false);
    setStatus(`Cancelled after ${progress.scanned} messages`);
  };
  const replay = async (dryRun: boolean) => {
    const criteria = Object.fromEntries(
      Object.entries({
        subject: c.subject || undefined,
        fromSeq: c.fromSeq ? Number(c.fromSeq) : undefined,
        toSeq: c.toSeq ? Number(c.toSeq) : undefined,
        fromTime: c.fromTime ? new Date(c.fromTime).toISOString() : undefined,
        toTime: c.toTime ? new Date(c.toTime).toISOString() : undefined,
        header: c.header ? { name: c.header, value: c.headerValue || undefined } : undefined,
        text: c.text || undefined,
        limit: c.limit ? Number(c.limit) : undefined,
      }).filter(([, v]) => v !== undefined),
    );
    if (!dryRun && !confirm(`Replay the selection to ${replayTo || "their own subjects"}?`)) return;
    setStatus(dryRun ? "Counting…" : "Replaying…");
    try {
      const r = await api<ReplayResult>(`${p.api}/replay`, {
        body: {
          criteria,
          options: { to: replayTo || undefined, ratePerSecond: Number(rate) || 1000, dryRun },
        },
        csrf: p.csrf,
      });
      setStatus(
        dryRun
          ? `Dry run: ${r.matched} messages would be replayed`
          : `Replayed ${r.published} messages in ${r.ms} ms`,
      );
    } catch (e) {
      setStatus((e as Error).message);
    }
  };
  const pct = progress.total ? Math.min(100, (progress.scanned / progress.total) * 100) : null;

  return (
    <div class="stream-search">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        {field("subject", "Subject")}
        {field("fromSeq", "From seq")}
        {field("toSeq", "To seq")}
        {field("fromTime", "From", "datetime-local")}
        {field("toTime", "To", "datetime-local")}
        {field("header", "Header")}
        {field("headerValue", "contains")}
        {field("text", "Payload text")}
        {field("limit", "Max")}
        <button type="submit" disabled={running}>Search</button>
        <button type="button" disabled={!running} onClick={cancel}>Cancel</button>
      </form>
      {(running || status) && (
        <div class="search-progress">
          {pct !== null && <progress value={pct} max={100} />}
          <span class="muted">
            {progress.scanned} scanned{progress.total !== null ? ` of ${progress.total}` : ""} ·
            {" "}
            {matches.length} matches {status && `· ${status}`}
          </span>
        </div>
      )}
      <p class="exports">
        Export the selection:{" "}
        {p.formats.map((f) => (
          <a class="button" href={`${p.api}/export${query({ ...params(c), format: f })}`} download>
            {f.toUpperCase()}
          </a>
        ))}
      </p>
      <p class="replay">
        Replay to{" "}
        <input
          name="replay-to"
          placeholder="their own subjects"
          value={replayTo}
          onInput={(e) => setReplayTo(e.currentTarget.value)}
        />{" "}
        at{" "}
        <input
          name="replay-rate"
          size={6}
          value={rate}
          onInput={(e) => setRate(e.currentTarget.value)}
        />{" "}
        per second <button type="button" onClick={() => void replay(true)}>Dry run</button>{" "}
        <button type="button" onClick={() => void replay(false)}>Replay</button>
      </p>
      {matches.length > 0 && (
        <div class="table-wrap">
          <table class="matches">
            <thead>
              <tr>
                <th class="num">Seq</th>
                <th>Time</th>
                <th>Subject</th>
                <th>Payload</th>
              </tr>
            </thead>
            <tbody>
              {matches.map((m) => (
                <tr key={m.seq}>
                  <td class="num">{m.seq}</td>
                  <td class="mono">{m.time.replace("T", " ").replace("Z", "")}</td>
                  <td class="mono">{m.subject}</td>
                  <td class="mono preview">{m.preview}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
