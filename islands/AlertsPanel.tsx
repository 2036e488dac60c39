import { useState } from "preact/hooks";
import type { AlertsView } from "../mods/dashboard/mod.ts";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode AlertsPanel}. */
export interface AlertsPanelProps {
  /** Alerts, silences and rules at render time. */
  readonly initial: AlertsView;
  /** Rule types with what they measure and in which unit. */
  readonly types: Readonly<Record<string, { what: string; unit: string }>>;
  /** The session's CSRF token, for the JSON POSTs. */
  readonly csrf: string;
}

interface PreviewResult {
  readonly tier: string;
  readonly points: number;
  readonly firings: number;
  readonly transitions: readonly { to: string; target: string; at: string; value: number | null }[];
}

async function post(url: string, csrf: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-csrf-token": csrf,
      accept: "application/json",
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

const EMPTY_RULE = {
  id: "",
  name: "",
  type: "consumer_lag",
  threshold: "1000",
  forS: "60",
  hysteresis: "0",
  severity: "warning",
  target: "*",
  channels: "webhook",
};

/**
 * The Alerts page's live part: alerts (firing first) with acknowledge and silence, the silences,
 * and the rule editor with a preview of what the rule would have fired over the last day. Follows
 * the `alerts` topic of the page's live stream.
 */
export function AlertsPanel(props: AlertsPanelProps) {
  const [view, setView] = useState<AlertsView>(props.initial);
  useEventStream<AlertsView>("alerts", setView);
  const rules = view.rules;
  const [form, setForm] = useState(EMPTY_RULE);
  const [preview, setPreview] = useState<PreviewResult | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const rule = () => ({
    id: form.id,
    name: form.name || form.id,
    type: form.type,
    threshold: Number(form.threshold),
    forS: Number(form.forS),
    hysteresis: Number(form.hysteresis),
    severity: form.severity,
    target: form.target || "*",
    channels: form.channels.split(",").map((c) => c.trim()).filter((c) => c !== ""),
  });
  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      setMessage(done); // the change comes back on the live stream
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  // Widths in characters (`size`): an inline style would break the strict CSP (style-src 'self').
  const field = (name: keyof typeof EMPTY_RULE, label: string, width = 8) => (
    <label>
      {label}{" "}
      <input
        name={name}
        value={form[name]}
        size={width}
        onInput={(e) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );

  return (
    <div class="alerts-panel">
      {!view.available && <p class="muted">{view.reason}</p>}
      {message && <p class="notice" id="alerts-message">{message}</p>}
      <h2>
        Alerts <span class="count" id="firing-count">{view.firing}</span> firing
      </h2>
      <div class="table-wrap">
        <table class="data" id="alerts-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Rule</th>
              <th>Target</th>
              <th>Severity</th>
              <th>Since</th>
              <th>Value</th>
              <th>Acknowledged</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {view.states.map((s) => (
              <tr key={`${s.ruleId}/${s.target}`} class={s.status}>
                <td>{s.status}</td>
                <td>{s.ruleId}</td>
                <td class="mono">{s.target}</td>
                <td>{s.severity}</td>
                <td>{new Date(s.since).toLocaleString()}</td>
                <td>{s.value ?? "–"}</td>
                <td>{s.ack ? `${s.ack.by}: ${s.ack.comment}` : "–"}</td>
                <td>
                  {s.status === "firing" && !s.ack && (
                    <button
                      type="button"
                      class="ack"
                      onClick={() => {
                        const comment = globalThis.prompt?.("Comment", "") ?? "";
                        void act(
                          () =>
                            post("/api/alerts/ack", props.csrf, {
                              ruleId: s.ruleId,
                              target: s.target,
                              comment,
                            }),
                          `Acknowledged ${s.ruleId} on ${s.target}`,
                        );
                      }}
                    >
                      Acknowledge
                    </button>
                  )}{" "}
                  <button
                    type="button"
                    class="silence"
                    onClick={() =>
                      void act(
                        () =>
                          post("/api/alerts/silences", props.csrf, {
                            ruleId: s.ruleId,
                            target: s.target,
                            until: new Date(Date.now() + 3600_000).toISOString(),
                            comment: "silenced for an hour from the Alerts page",
                          }),
                        `Silenced ${s.ruleId} on ${s.target} for an hour`,
                      )}
                  >
                    Silence 1 h
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {view.silences.length > 0 && (
        <>
          <h2>Silences</h2>
          <ul id="silences">
            {view.silences.map((s) => (
              <li key={s.id}>
                {s.ruleId} · {s.target} until {new Date(s.until).toLocaleString()} ({s.by}
                {s.comment ? `: ${s.comment}` : ""}){" "}
                <button
                  type="button"
                  onClick={() =>
                    void act(
                      () => post(`/api/alerts/silences/${s.id}/delete`, props.csrf, {}),
                      "Silence ended",
                    )}
                >
                  End
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Rules</h2>
      <div class="table-wrap">
        <table class="data" id="rules-table">
          <thead>
            <tr>
              <th>ID</th>
              <th>Name</th>
              <th>Type</th>
              <th>Threshold</th>
              <th>For</th>
              <th>Severity</th>
              <th>Target</th>
              <th>Channels</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td class="mono">{r.id}</td>
                <td>{r.name}</td>
                <td>{r.type}</td>
                <td>{r.threshold}</td>
                <td>{r.forS} s</td>
                <td>{r.severity}</td>
                <td class="mono">{r.target}</td>
                <td>{r.channels.join(", ") || "–"}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      setForm({
                        id: r.id,
                        name: r.name,
                        type: r.type,
                        threshold: String(r.threshold),
                        forS: String(r.forS),
                        hysteresis: String(r.hysteresis),
                        severity: r.severity,
                        target: r.target,
                        channels: r.channels.join(","),
                      })}
                  >
                    Edit
                  </button>{" "}
                  <button
                    type="button"
                    onClick={() =>
                      void act(
                        () => post(`/api/alerts/rules/${r.id}/delete`, props.csrf, {}),
                        `Deleted ${r.id}`,
                      )}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form class="rule-editor" id="rule-editor" onSubmit={(e) => e.preventDefault()}>
        {field("id", "ID")}
        {field("name", "Name", 14)}
        <label>
          Type{" "}
          <select
            name="type"
            onChange={(e) => setForm({ ...form, type: (e.target as HTMLSelectElement).value })}
          >
            {Object.keys(props.types).map((t) => (
              <option key={t} value={t} selected={t === form.type}>{t}</option>
            ))}
          </select>
        </label>
        {field("threshold", `Threshold (${props.types[form.type]?.unit ?? ""})`)}
        {field("forS", "For (s)", 5)}
        {field("hysteresis", "Hysteresis", 5)}
        <label>
          Severity{" "}
          <select
            name="severity"
            onChange={(e) => setForm({ ...form, severity: (e.target as HTMLSelectElement).value })}
          >
            {["info", "warning", "critical"].map((s) => (
              <option key={s} value={s} selected={s === form.severity}>{s}</option>
            ))}
          </select>
        </label>
        {field("target", "Target glob", 12)}
        {field("channels", "Channels", 12)}
        <p class="muted">{props.types[form.type]?.what}</p>
        <button
          type="button"
          id="rule-preview"
          onClick={() =>
            void act(
              async () =>
                setPreview(await post("/api/alerts/preview", props.csrf, rule()) as PreviewResult),
              "Preview ready",
            )}
        >
          Preview last day
        </button>{" "}
        <button
          type="button"
          id="rule-save"
          onClick={() =>
            void act(() => post("/api/alerts/rules", props.csrf, rule()), `Saved ${form.id}`)}
        >
          Save rule
        </button>
      </form>
      {preview && (
        <div id="rule-preview-result">
          <p>
            Over the last day ({preview.points} points of the {preview.tier}{" "}
            tier) this rule would have fired <strong>{preview.firings}</strong>{" "}
            time{preview.firings === 1 ? "" : "s"}.
          </p>
          <ul>
            {preview.transitions.slice(0, 50).map((t) => (
              <li key={`${t.at}/${t.target}/${t.to}`}>
                {new Date(t.at).toLocaleString()} · {t.to} · {t.target} · {t.value ?? "–"}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
