import { useState } from "preact/hooks";
import { api, ApiError } from "./_api.ts";

/** Props of {@linkcode ActionButton}. */
export interface ActionButtonProps {
  /** The API route to POST to. */
  readonly url: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The button's label. */
  readonly label: string;
  /** A question to confirm first, naming what will go. */
  readonly confirm?: string;
  /** The JSON body (default `{}`). */
  readonly body?: unknown;
  /** Where to go afterwards (default: reload the page). */
  readonly then?: string;
  /** Shown as a dangerous action. */
  readonly danger?: boolean;
}

/** A button that posts one action to the API (after a confirmation), then reloads or navigates. */
export function ActionButton(p: ActionButtonProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (p.confirm && !globalThis.confirm(p.confirm)) return;
    setBusy(true);
    setError("");
    try {
      await api(p.url, { body: p.body ?? {}, csrf: p.csrf });
      if (p.then) location.href = p.then;
      else location.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={p.danger ? "danger" : ""} disabled={busy} onClick={run}>
        {p.label}
      </button>
      {error && <span class="error-text">{error}</span>}
    </span>
  );
}
