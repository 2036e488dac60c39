import { useState } from "preact/hooks";
import { streamConfigSchema } from "../mods/jetstream/stream_config.ts";
import type { FormField } from "../mods/jetstream/mod.ts";
import { api, ApiError, durationText } from "./_api.ts";

/** Props of {@linkcode StreamForm}. */
export interface StreamFormProps {
  /** Create a stream, or edit the one in `initial`. */
  readonly mode: "create" | "edit";
  /** Accounts a stream may be created in. */
  readonly accounts: readonly string[];
  /** The account chosen. */
  readonly account: string;
  /** Presets to start from (create only). */
  readonly presets: readonly { preset: string; what: string; config: Record<string, unknown> }[];
  /** Every field and whether the running server has it. */
  readonly fields: readonly FormField[];
  /** The running server's version. */
  readonly version: string;
  /** The current configuration (edit only), as the server reports it. */
  readonly initial: Record<string, unknown> | null;
  /** The session's CSRF token. */
  readonly csrf: string;
}

/** The fields the form shows as inputs; the rest are edited as JSON. */
const SIMPLE = [
  ["name", "Name", "text"],
  ["description", "Description", "text"],
  ["subjects", "Subjects (comma-separated)", "list"],
  ["retention", "Retention", ["limits", "interest", "workqueue"]],
  ["storage", "Storage", ["file", "memory"]],
  ["num_replicas", "Replicas", "number"],
  ["max_age", "Max age (1h, 7d; 0 = forever)", "duration"],
  ["max_msgs", "Max messages (-1 = unlimited)", "number"],
  ["max_bytes", "Max bytes (-1 = unlimited)", "number"],
  ["max_msgs_per_subject", "Max messages per subject", "number"],
  ["max_msg_size", "Max message size", "number"],
  ["discard", "Discard", ["old", "new"]],
  ["duplicate_window", "Duplicate window", "duration"],
  ["allow_direct", "Allow direct get", "bool"],
  ["allow_rollup_hdrs", "Allow rollups", "bool"],
  ["deny_delete", "Deny delete", "bool"],
  ["deny_purge", "Deny purge", "bool"],
  ["allow_msg_ttl", "Per-message TTL", "bool"],
  ["compression", "Compression", ["none", "s2"]],
] as const;

type Values = Record<string, string | boolean>;

const DURATIONS = new Set(["max_age", "duplicate_window"]);

/** Form values from a configuration (durations in nanoseconds become text). */
function toValues(cfg: Record<string, unknown>): { values: Values; extra: string } {
  const values: Values = {};
  const extra: Record<string, unknown> = {};
  const simple = new Set<string>(SIMPLE.map((s) => s[0]));
  for (const [k, v] of Object.entries(cfg)) {
    if (!simple.has(k)) {
      // Leave out what only restates a default (and the server's own _nats.* metadata).
      const kept = k === "metadata" && typeof v === "object" && v !== null
        ? Object.fromEntries(Object.entries(v).filter(([m]) => !m.startsWith("_nats.")))
        : v;
      const isDefault = kept === undefined || kept === null || kept === false || isEmpty(kept) ||
        (k === "max_consumers" && kept === -1);
      if (!isDefault) extra[k] = kept;
      continue;
    }
    if (typeof v === "boolean") values[k] = v;
    else if (Array.isArray(v)) values[k] = v.join(", ");
    else if (DURATIONS.has(k) && typeof v === "number") values[k] = durationText(v);
    else if (v !== undefined && v !== null) values[k] = String(v);
  }
  return { values, extra: Object.keys(extra).length ? JSON.stringify(extra, null, 2) : "" };
}

function isEmpty(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.keys(v).length === 0;
}

/** A configuration from form values (numbers parsed, lists split, empty fields left out). */
function toConfig(values: Values, extra: string): Record<string, unknown> {
  const cfg: Record<string, unknown> = extra.trim() ? JSON.parse(extra) : {};
  for (const [name, , type] of SIMPLE) {
    const v = values[name];
    if (v === undefined || v === "") continue;
    if (type === "bool") cfg[name] = v === true;
    else if (type === "number") cfg[name] = Number(v);
    else if (type === "list") {
      cfg[name] = String(v).split(",").map((s) => s.trim()).filter(Boolean);
    } else cfg[name] = v;
  }
  return cfg;
}

/**
 * Creates or edits a stream: a preset to start from, the common fields as inputs and the rest as
 * JSON, validated with the same zod schema as the server before anything is sent; problems (the
 * schema's, or the server's own refusal) are shown next to the field they concern. Fields the
 * running server lacks say which version they need.
 */
export function StreamForm(p: StreamFormProps) {
  const start = toValues(p.initial ?? { allow_direct: true, retention: "limits", storage: "file" });
  const [account, setAccount] = useState(p.account);
  const [values, setValues] = useState<Values>(start.values);
  const [extra, setExtra] = useState(start.extra);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [message, setMessage] = useState("");
  const gate = new Map(p.fields.map((f) => [f.field, f]));

  const usePreset = (name: string) => {
    const preset = p.presets.find((x) => x.preset === name);
    if (!preset) return;
    const next = toValues({ ...preset.config, name: values.name, subjects: values.subjects });
    setValues({ ...next.values, name: values.name ?? "", subjects: values.subjects ?? "" });
    setExtra(next.extra);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage("");
    let cfg: Record<string, unknown>;
    try {
      cfg = toConfig(values, extra);
    } catch {
      setIssues({ extra: "not valid JSON" });
      return;
    }
    const checked = streamConfigSchema.safeParse(cfg);
    if (!checked.success) {
      setIssues(
        Object.fromEntries(
          checked.error.issues.map((i) => [String(i.path[0] ?? "extra"), i.message]),
        ),
      );
      return;
    }
    setIssues({});
    try {
      if (p.mode === "create") {
        await api(`/api/streams/${encodeURIComponent(account)}`, { body: cfg, csrf: p.csrf });
        location.href = `/streams/${encodeURIComponent(account)}/${
          encodeURIComponent(String(cfg.name))
        }`;
      } else {
        const before = toConfig(start.values, start.extra);
        const changes = Object.fromEntries(
          Object.entries(cfg).filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v)),
        );
        const name = String(p.initial?.name ?? "");
        await api(`/api/streams/${encodeURIComponent(account)}/${encodeURIComponent(name)}/edit`, {
          body: changes,
          csrf: p.csrf,
        });
        setMessage(`Saved ${Object.keys(changes).join(", ") || "nothing (no changes)"}`);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        const byField: Record<string, string> = {};
        for (const i of err.failure.issues ?? []) {
          byField[i.path.split(".")[0] || "extra"] = i.message;
        }
        if (err.failure.field) byField[err.failure.field] = err.message;
        setIssues(byField);
      }
      setMessage((err as Error).message);
    }
  };

  const input = ([name, label, type]: (typeof SIMPLE)[number]) => {
    const g = gate.get(name);
    const disabled = (g && !g.available) ||
      (p.mode === "edit" && (name === "name" || name === "storage"));
    const v = values[name];
    const set = (x: string | boolean) => setValues({ ...values, [name]: x });
    return (
      <label class="field" key={name}>
        <span>{label}</span>
        {type === "bool"
          ? (
            <input
              type="checkbox"
              name={name}
              checked={v === true}
              disabled={disabled}
              onChange={(e) => set(e.currentTarget.checked)}
            />
          )
          : Array.isArray(type)
          ? (
            <select name={name} disabled={disabled} onChange={(e) => set(e.currentTarget.value)}>
              <option value="">(default)</option>
              {type.map((o) => <option key={o} value={o} selected={v === o}>{o}</option>)}
            </select>
          )
          : (
            <input
              name={name}
              value={typeof v === "string" ? v : ""}
              disabled={disabled}
              onInput={(e) => set(e.currentTarget.value)}
            />
          )}
        {g && !g.available && <span class="requires">requires nats-server ≥ {g.requires}</span>}
        {issues[name] && <span class="error-text" data-field={name}>{issues[name]}</span>}
      </label>
    );
  };

  return (
    <form class="stream-form" onSubmit={submit}>
      {p.mode === "create" && (
        <div class="filters">
          <label>
            Account{" "}
            <select name="account" onChange={(e) => setAccount(e.currentTarget.value)}>
              {p.accounts.map((a) => (
                <option key={a} value={a} selected={a === account}>{a}</option>
              ))}
            </select>
          </label>
          <label>
            Preset{" "}
            <select name="preset" onChange={(e) => usePreset(e.currentTarget.value)}>
              <option value="">choose…</option>
              {p.presets.map((x) => (
                <option key={x.preset} value={x.preset} title={x.what}>{x.preset}</option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div class="fields">{SIMPLE.map(input)}</div>
      <label class="field wide">
        <span>More settings (JSON: sources, mirror, republish, placement, metadata, …)</span>
        <textarea
          name="extra"
          rows={6}
          value={extra}
          onInput={(e) => setExtra(e.currentTarget.value)}
        />
        {issues.extra && <span class="error-text" data-field="extra">{issues.extra}</span>}
        {["sources", "mirror", "republish", "subject_transform", "metadata"].map((k) =>
          issues[k] && <span key={k} class="error-text" data-field={k}>{k}: {issues[k]}</span>
        )}
      </label>
      <button type="submit">{p.mode === "create" ? "Create stream" : "Save changes"}</button>
      {message && <p class="notice">{message}</p>}
      <p class="muted">nats-server {p.version}</p>
    </form>
  );
}
