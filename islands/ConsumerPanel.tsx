import { useState } from "preact/hooks";
import type { ConsumerRow } from "../mods/jetstream/mod.ts";
import { api, ApiError } from "./_api.ts";

/** Props of {@linkcode ConsumerPanel}. */
export interface ConsumerPanelProps {
  /** The stream's API base. */
  readonly api: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The consumers when the page was drawn. */
  readonly consumers: readonly ConsumerRow[];
  /** The running server's version. */
  readonly version: string;
  /** Whether the server can pause consumers (≥ 2.11). */
  readonly canPause: boolean;
  /** Whether it can unpin priority groups (≥ 2.11). */
  readonly canUnpin: boolean;
  /** Whether it can reset consumers (≥ 2.14). */
  readonly canReset: boolean;
  /** The History page of this stream's consumers, without the consumer's name (`…%2F<stream>`). */
  readonly history: string;
}

const TEMPLATE = JSON.stringify(
  {
    durable_name: "",
    filter_subject: "",
    ack_policy: "explicit",
    ack_wait: "30s",
    max_deliver: -1,
  },
  null,
  2,
);

/**
 * A stream's consumers with their lag, and what can be done with each: edit (the fields to
 * change, as JSON), pause until a time and resume (nats-server ≥ 2.11), reset to a sequence
 * (≥ 2.14), unpin a priority group (≥ 2.11), delete; and a new consumer from a template.
 */
export function ConsumerPanel(p: ConsumerPanelProps) {
  const [rows, setRows] = useState(p.consumers);
  const [editing, setEditing] = useState<string | null>(null);
  const [changes, setChanges] = useState("{}");
  const [creating, setCreating] = useState(false);
  const [config, setConfig] = useState(TEMPLATE);
  const [message, setMessage] = useState("");
  const base = (name: string) => `${p.api}/consumers/${encodeURIComponent(name)}`;
  const refresh = async () => setRows(await api<ConsumerRow[]>(`${p.api}/consumers`));
  const act = async (name: string, action: string, body: unknown = {}, ask?: string) => {
    if (ask && !confirm(ask)) return;
    setMessage("");
    try {
      await api(`${base(name)}/${action}`, { body, csrf: p.csrf });
      setMessage(`${action}: ${name} done`);
      await refresh();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
  };
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      setMessage("The configuration is not valid JSON");
      return undefined;
    }
  };
  const requires = (
    ok: boolean,
    v: string,
  ) => (ok ? undefined : `requires nats-server ≥ ${v} (running ${p.version})`);

  return (
    <div class="consumers">
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Consumer</th>
              <th>Kind</th>
              <th class="num">Pending</th>
              <th class="num">Ack pending</th>
              <th class="num">Redelivered</th>
              <th class="num">Waiting</th>
              <th>Paused</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} data-consumer={r.name}>
                <td>
                  <strong>{r.name}</strong> <span class="muted">{r.filters.join(", ")}</span>
                </td>
                <td>{r.kind}</td>
                <td class="num">{r.pending}</td>
                <td class="num">{r.ackPending}</td>
                <td class="num">{r.redelivered}</td>
                <td class="num">{r.waiting}</td>
                <td>{r.paused ? `until ${r.pausedUntil}` : "no"}</td>
                <td class="actions">
                  <button
                    type="button"
                    onClick={() => {
                      setEditing(r.name);
                      setChanges("{}");
                    }}
                  >
                    Edit
                  </button>
                  {r.paused
                    ? <button type="button" onClick={() => act(r.name, "resume")}>Resume</button>
                    : (
                      <button
                        type="button"
                        disabled={!p.canPause}
                        title={requires(p.canPause, "2.11.0")}
                        onClick={() => {
                          const h = prompt("Pause for how many hours?", "1");
                          if (h) {
                            act(r.name, "pause", {
                              until: new Date(Date.now() + Number(h) * 3_600_000).toISOString(),
                            });
                          }
                        }}
                      >
                        Pause
                      </button>
                    )}
                  <button
                    type="button"
                    disabled={!p.canReset}
                    title={requires(p.canReset, "2.14.0")}
                    onClick={() => {
                      const s = prompt(
                        "Deliver again from stream sequence (empty: the consumer's start)",
                        "",
                      );
                      if (s !== null) act(r.name, "reset", s ? { seq: Number(s) } : {});
                    }}
                  >
                    Reset
                  </button>
                  {r.priorityGroups.map((g) => (
                    <button
                      type="button"
                      disabled={!p.canUnpin || !g.pinnedId}
                      title={requires(p.canUnpin, "2.11.0")}
                      onClick={() => act(r.name, "unpin", { group: g.group })}
                    >
                      Unpin {g.group}
                    </button>
                  ))}
                  <button
                    type="button"
                    class="danger"
                    onClick={() => act(r.name, "delete", {}, `Delete consumer "${r.name}"?`)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!p.canPause && (
        <p class="notice requires">
          Pause, resume and unpin require nats-server ≥ 2.11.0; reset requires ≥ 2.14.0 (running
          {" "}
          {p.version}).
        </p>
      )}
      {editing && (
        <div class="card">
          <h3>Edit {editing}: the fields to change</h3>
          <textarea
            name="consumer-changes"
            rows={5}
            value={changes}
            onInput={(e) => setChanges(e.currentTarget.value)}
          />
          <button
            type="button"
            onClick={async () => {
              const body = parse(changes);
              if (body !== undefined) await act(editing, "edit", body);
              setEditing(null);
            }}
          >
            Save
          </button>
          <button type="button" onClick={() => setEditing(null)}>Cancel</button>
        </div>
      )}
      {creating
        ? (
          <div class="card">
            <h3>New consumer</h3>
            <textarea
              name="consumer-config"
              rows={8}
              value={config}
              onInput={(e) => setConfig(e.currentTarget.value)}
            />
            <button
              type="button"
              onClick={async () => {
                const body = parse(config);
                if (body === undefined) return;
                try {
                  await api(`${p.api}/consumers`, { body, csrf: p.csrf });
                  setCreating(false);
                  await refresh();
                } catch (e) {
                  setMessage((e as Error).message);
                }
              }}
            >
              Create
            </button>
            <button type="button" onClick={() => setCreating(false)}>Cancel</button>
          </div>
        )
        : <button type="button" onClick={() => setCreating(true)}>New consumer</button>}
      {message && <p class="notice">{message}</p>}
    </div>
  );
}
