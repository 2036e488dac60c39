import { useEffect, useState } from "preact/hooks";

/** Props of {@linkcode AlertBadge}. */
export interface AlertBadgeProps {
  /** Where the firing count comes from (`/api/alerts`). */
  readonly url: string;
  /** Refresh interval in ms. */
  readonly pollMs: number;
}

/**
 * The header's alerts badge: how many alerts fire now, red while any does, a link to the Alerts
 * page. Refreshed from `url` (the dashboard's one event stream will push it once it carries
 * alerts).
 */
export function AlertBadge(props: AlertBadgeProps) {
  const [firing, setFiring] = useState<number | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const res = await fetch(props.url, { headers: { accept: "application/json" } });
        if (res.ok && !stopped) setFiring((await res.json()).firing ?? 0);
      } catch { /* offline: keep the last count */ }
    };
    void load();
    const timer = setInterval(load, props.pollMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [props.url, props.pollMs]);
  return (
    <a
      href="/alerts"
      class={`alert-badge${firing ? " firing" : ""}`}
      id="alert-badge"
      title="Alerts firing now"
    >
      Alerts <span class="count">{firing ?? "–"}</span>
    </a>
  );
}
