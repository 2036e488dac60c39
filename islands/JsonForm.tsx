import { useState } from "preact/hooks";
import { api, ApiError } from "./_api.ts";

/** One field of a {@linkcode JsonForm}. */
export interface JsonFormField {
  /** The JSON key. */
  readonly name: string;
  /** The label shown. */
  readonly label: string;
  /**
   * `text`, `password`, `number` (sent as a number), `checkbox` (a boolean), `select` (one of
   * `options`), or `list` (comma-separated; sent as an array, or null when empty).
   */
  readonly type: "text" | "password" | "number" | "checkbox" | "select" | "list";
  /** The choices of a `select`. */
  readonly options?: readonly string[];
  /** The initial value. */
  readonly value?: string | number | boolean | readonly string[] | null;
  /** Whether it must be filled in. */
  readonly required?: boolean;
  /** A hint shown under the field. */
  readonly hint?: string;
  /** The browser's autocomplete hint. */
  readonly autocomplete?: string;
}

/** Props of {@linkcode JsonForm}. */
export interface JsonFormProps {
  /** The API route to POST the JSON to. */
  readonly url: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The submit button's label. */
  readonly submit: string;
  /** The fields. */
  readonly fields: readonly JsonFormField[];
  /** The form's id (for tests and labels). */
  readonly id: string;
  /**
   * Keys of the answer to show once (a new token, recovery codes, a TOTP secret) before the page
   * is reloaded; without them the page reloads at once.
   */
  readonly reveal?: readonly { readonly key: string; readonly label: string }[];
  /** Where to go afterwards (default: reload). */
  readonly then?: string;
}

function valueOf(f: JsonFormField, raw: FormDataEntryValue | null): unknown {
  const text = typeof raw === "string" ? raw.trim() : "";
  switch (f.type) {
    case "checkbox":
      return raw !== null;
    case "number":
      return text === "" ? undefined : Number(text);
    case "list": {
      const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
      return items.length === 0 ? null : items;
    }
    default:
      return text === "" && f.type !== "password" ? undefined : raw;
  }
}

function Revealed(p: { label: string; value: unknown }) {
  const v = p.value;
  return (
    <div class="reveal">
      <strong>{p.label}</strong>
      {Array.isArray(v)
        ? (
          <ul class="codes">
            {v.map((x) => (
              <li key={String(x)}>
                <code>{String(x)}</code>
              </li>
            ))}
          </ul>
        )
        : typeof v === "string" && v.startsWith("data:image/")
        ? <img src={v} alt={p.label} width={200} height={200} />
        : <code class="secret">{String(v)}</code>}
    </div>
  );
}

/**
 * A form that posts its fields as JSON to the API (with the CSRF token) and then reloads, or
 * first shows what the answer holds that will not be shown again (a new API token, recovery
 * codes): the pages' one way to change something that the API also offers to scripts.
 */
export function JsonForm(p: JsonFormProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Record<string, unknown> | null>(null);
  const done = () => {
    if (p.then) location.href = p.then;
    else location.reload();
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const body: Record<string, unknown> = {};
    for (const f of p.fields) {
      const v = valueOf(f, data.get(f.name));
      if (v !== undefined) body[f.name] = v;
    }
    setBusy(true);
    setError("");
    try {
      const answer = await api<Record<string, unknown>>(p.url, { body, csrf: p.csrf });
      if (p.reveal && p.reveal.length > 0) setShown(answer);
      else done();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  if (shown !== null) {
    return (
      <div class="json-form revealed" id={`${p.id}-result`}>
        <p class="muted">Shown once: copy it now.</p>
        {(p.reveal ?? []).filter((r) => shown[r.key] !== undefined).map((r) => (
          <Revealed key={r.key} label={r.label} value={shown[r.key]} />
        ))}
        <button type="button" onClick={done}>Done</button>
      </div>
    );
  }
  return (
    <form class="json-form" id={p.id} onSubmit={submit}>
      {p.fields.map((f) => (
        <label key={f.name} class={f.type === "checkbox" ? "check" : undefined}>
          {f.label}
          {f.type === "select"
            ? (
              <select name={f.name}>
                {(f.options ?? []).map((o) => (
                  <option key={o} value={o} selected={o === f.value}>{o}</option>
                ))}
              </select>
            )
            : f.type === "checkbox"
            ? <input type="checkbox" name={f.name} checked={f.value === true} />
            : (
              <input
                name={f.name}
                type={(f.type === "list" ? "text" : f.type) as "text"}
                value={Array.isArray(f.value)
                  ? f.value.join(", ")
                  : f.value === null || f.value === undefined
                  ? ""
                  : String(f.value)}
                required={f.required}
                autocomplete={f.autocomplete}
              />
            )}
          {f.hint && <small class="muted">{f.hint}</small>}
        </label>
      ))}
      <button type="submit" class="primary" disabled={busy}>{p.submit}</button>
      {error && <p class="error-text" role="alert">{error}</p>}
    </form>
  );
}
