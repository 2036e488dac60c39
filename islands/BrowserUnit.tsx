import { useEffect, useState } from "preact/hooks";
import { formatMicros, rttLevel } from "../components/format.ts";
import { announceSelf } from "./_self.ts";

/** Props of {@linkcode BrowserUnit}. */
export interface BrowserUnitProps {
  /**
   * Where the browser fetches its session's credentials for its unit (`/<unit>`, `browser-…`) and the
   * WebSocket URL.
   */
  readonly credentialsUrl: string;
  /** Unit to measure the application RTT against (the dashboard's echo service). */
  readonly echoTarget: string | null;
  /** Heartbeat interval in ms. */
  readonly heartbeatMs: number;
  /** RTT measurement interval in ms. */
  readonly rttMs: number;
}

/** What the island shows. */
export interface BrowserUnitState {
  readonly status: "starting" | "connecting" | "connected" | "reconnecting" | "error";
  readonly unitId?: string;
  readonly nativeRttUs?: number;
  readonly appRttUs?: number | null;
  readonly error?: string;
}

/**
 * The browser as a unit: derives its unit ID, connects to NATS over WebSocket with its session's
 * own user for that unit, publishes heartbeats and RTT, answers echo. Shows its unit ID, status and RTT in the
 * header. The I/O lives in `_browser_unit.ts`; this component only draws.
 */
export function BrowserUnit(props: BrowserUnitProps) {
  const [state, setState] = useState<BrowserUnitState>({ status: "starting" });
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    // Loaded on demand: the NATS client is the largest part of the bundle, and the other islands
    // should not wait for it.
    import("./_browser_unit.ts").then((m) => {
      if (!cancelled) stop = m.startBrowserUnit(props, setState);
    }).catch((e) => setState({ status: "error", error: String(e) }));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);
  useEffect(() => {
    if (state.unitId) announceSelf(state.unitId);
  }, [state.unitId]);
  const level = rttLevel(state.nativeRttUs);
  return (
    <div
      class={`browser-unit status-${state.status}`}
      title={state.error ?? "This browser as a unit"}
    >
      <span class="dot" aria-hidden="true" />
      <span class="bu-id" data-unit-id={state.unitId ?? ""}>{state.unitId ?? "this browser"}</span>
      <span class="bu-status">{state.status}</span>
      {state.nativeRttUs !== undefined && (
        <span class={`rtt rtt-${level}`}>{formatMicros(state.nativeRttUs)}</span>
      )}
    </div>
  );
}
