import { useState } from "preact/hooks";
import type { AlertsView } from "../mods/dashboard/mod.ts";
import { useEventStream } from "./_event_stream.ts";

/** Props of {@linkcode AlertBadge}. */
export interface AlertBadgeProps {
  /** Alerts firing when the page was rendered; null while alerts are not available. */
  readonly initial: number | null;
}

/**
 * The header's alerts badge: how many alerts fire now, red while any does, a link to the Alerts
 * page; follows the `alerts` topic of the page's live stream.
 */
export function AlertBadge(props: AlertBadgeProps) {
  const [firing, setFiring] = useState<number | null>(props.initial);
  useEventStream<AlertsView>("alerts", (v) => setFiring(v.available ? v.firing : null));
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
