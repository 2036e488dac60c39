import { nkeys } from "@nats-io/nats-core";
import {
  connect,
  type NunectClient,
  rttSchema,
  signTelemetryWith,
  subjects,
} from "../mods/client/browser.ts";
import type { BrowserUnitProps, BrowserUnitState } from "./BrowserUnit.tsx";
import { browserIdentity } from "./_browser_identity.ts";

/** What /api/browser/credentials answers: this session's user for this browser unit. */
interface BrowserCredentials {
  readonly unitId: string;
  readonly creds: string;
  readonly expiresAt: number;
  readonly wsUrl: string;
}

/** Stable across pages of one tab: `?client=` is remembered for the session. */
function override(): string | null {
  const given = new URLSearchParams(location.search).get("client");
  try {
    if (given) sessionStorage.setItem("nunect.client", given);
    return given ?? sessionStorage.getItem("nunect.client");
  } catch {
    return given;
  }
}

/**
 * Runs this browser as a unit: derives its unit ID, fetches the session's credentials for it
 * (a user whose permissions name only this unit, expiring with the session), connects over
 * WebSocket, answers echo, publishes heartbeats and RTT metrics, and reports its state.
 *
 * @param props where to connect and how often to measure
 * @param report receives each new state
 * @returns a function that stops the unit and closes the connection
 */
export function startBrowserUnit(
  props: BrowserUnitProps,
  report: (s: BrowserUnitState) => void,
): () => void {
  const id = browserIdentity({
    userAgent: navigator.userAgent,
    language: navigator.language,
    platform: navigator.platform,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: `${screen.width}x${screen.height}x${screen.colorDepth}`,
    cores: navigator.hardwareConcurrency ?? 0,
  }, override());
  let state: BrowserUnitState = { status: "connecting", unitId: id.unitId };
  const set = (patch: Partial<BrowserUnitState>) => report(state = { ...state, ...patch });
  set({});
  let client: NunectClient | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  (async () => {
    const url = `${props.credentialsUrl}/${encodeURIComponent(id.unitId)}`;
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`Credentials request failed with HTTP ${res.status}`);
    const creds = await res.json() as BrowserCredentials;
    client = await connect({
      servers: creds.wsUrl,
      unitId: id.unitId,
      name: id.unitId,
      creds: creds.creds,
      waitOnFirstConnect: true,
    });
    if (stopped) return void client.close();
    const c = client;
    // Its telemetry carries its own signature (the hub drops a browser unit's unsigned telemetry):
    // nats.js's JavaScript Ed25519, as for the connection's nonce (browsers have no node:crypto).
    const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(creds.creds)?.[1] ?? "";
    const key = nkeys.fromSeed(new TextEncoder().encode(seed));
    signTelemetryWith(c.nc, { publicKey: key.getPublicKey(), sign: (d) => key.sign(d) }, id.unitId);
    c.on("disconnected", () => set({ status: "reconnecting" }));
    c.on("reconnecting", () => set({ status: "reconnecting" }));
    c.on("reconnected", () => set({ status: "connected" }));
    c.serveEcho();
    c.startHeartbeat({
      kind: "browser",
      intervalMs: props.heartbeatMs,
      host: `${id.os}/${id.device}`,
    });
    set({ status: "connected", error: undefined });
    let seq = 0;
    const measure = async () => {
      if (!c.isConnected) return;
      try {
        const nativeRttUs = await c.rtt();
        // the same four-timestamp echo as the guardian's (the client's echoTimes)
        const app = props.echoTarget
          ? await c.echoTimes(props.echoTarget, { timeoutMs: 2000 }).catch(() => undefined)
          : undefined;
        const appRttUs = app ? Math.round(app.rttUs) : null;
        const metric = rttSchema.parse({
          unitId: id.unitId,
          seq: seq++,
          ts: Date.now(),
          target: props.echoTarget ?? creds.wsUrl,
          nativeRttUs,
          appRttUs,
          responderUs: app?.responderUs ?? null,
          offsetUs: app?.offsetUs ?? null,
        });
        c.publish(subjects.rtt(id.unitId), metric);
        set({ nativeRttUs, appRttUs });
      } catch (e) {
        set({ error: e instanceof Error ? e.message : String(e) });
      }
    };
    await measure();
    timer = setInterval(measure, props.rttMs);
  })().catch((e) => set({ status: "error", error: e instanceof Error ? e.message : String(e) }));

  return () => {
    stopped = true;
    if (timer !== undefined) clearInterval(timer);
    void client?.close();
  };
}
