import { connect, type NunectClient } from "../mods/client/mod.ts";
import {
  MonitorClient,
  SysMonitor,
  UnitRegistry,
  type UnitRegistryOptions,
} from "../mods/monitor/mod.ts";
import type { DashboardSettings } from "./context.ts";
import type { Deps } from "./deps.ts";
import { RateSampler } from "./rates.ts";

/**
 * A URL (or a message quoting URLs) without user and password, for logs.
 *
 * @param url e.g. `nats://user:secret@host:4222`
 * @returns e.g. `nats://host:4222`
 */
export function redactUrl(url: string): string {
  return url.replace(/([a-z]+:\/\/)[^@/\s"]*@/gi, "$1");
}

/** How the dashboard server reaches NATS. */
export interface ServicesOptions {
  readonly settings: DashboardSettings;
  readonly version: string;
  /** NATS_URL. */
  readonly natsUrl: string;
  /** Monitoring base URL. */
  readonly monitorUrl: string;
  /** The SYS user (events, cluster pings). Never leaves the server. */
  readonly sysUser: { readonly user: string; readonly password: string };
  /** The OPS dashboard user (telemetry, KV). */
  readonly opsUser: { readonly user: string; readonly password: string };
  /** The dashboard's own unit ID (echo target for browsers; heartbeats as kind `dashboard`). */
  readonly unitId: string;
  /** Heartbeat interval of the dashboard unit and the default of the registry. */
  readonly heartbeatMs: number;
  /** Options passed to the unit registry (tests shorten timers or disable storage). */
  readonly registry?: UnitRegistryOptions;
  /** Rate sampling interval (default 2000 ms). */
  readonly sampleMs?: number;
  /** Called with each problem worth an operator's attention (never with secrets). */
  readonly log?: (line: string) => void;
}

/** The dashboard's NATS side, running. */
export interface Services extends AsyncDisposable {
  readonly deps: Deps;
  /** Resolves once both NATS connections are up and the registry has started. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts what the dashboard reads from: the monitoring client, the rate sampler, the SYS
 * connection with its {@linkcode SysMonitor}, and the OPS connection with the
 * {@linkcode UnitRegistry} and the dashboard's own unit (echo responder and heartbeats). The
 * connections are made in the background and retried forever, so the web app serves (and says
 * "NATS unreachable") while NATS is down.
 *
 * @param options where and who to connect as
 * @returns deps for the app, and close()
 */
export function startServices(options: ServicesOptions): Services {
  const log = options.log ?? ((line: string) => console.error(line));
  const monitor = new MonitorClient({ url: options.monitorUrl, timeoutMs: 3000 });
  const rates = new RateSampler(() => monitor.varz(), { intervalMs: options.sampleMs ?? 2000 });
  let sys: SysMonitor | undefined;
  let units: UnitRegistry | undefined;
  let sysClient: NunectClient | undefined;
  let opsClient: NunectClient | undefined;
  let closed = false;

  const common = {
    servers: options.natsUrl,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
  } as const;

  // waitOnFirstConnect keeps dialling while the server is down; this loop covers what it does not
  // (e.g. refused credentials while the server is being reconfigured).
  const dial = async (o: Parameters<typeof connect>[0]): Promise<NunectClient> => {
    for (let attempt = 1;; attempt++) {
      try {
        return await connect(o);
      } catch (e) {
        if (closed) throw e;
        log(
          `NATS connection "${o.name}" failed (attempt ${attempt}): ${
            redactUrl((e as Error).message)
          }`,
        );
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  };

  const sysReady = (async () => {
    sysClient = await dial({
      ...common,
      unitId: `${options.unitId}-sys`.slice(0, 64),
      name: "nunect-dashboard-sys",
      user: options.sysUser.user,
      pass: options.sysUser.password,
    });
    if (closed) return void await sysClient.close();
    // A burst of connects (a site powering up) must reach every open SSE stream: deep queues.
    sys = new SysMonitor(sysClient.nc, { bufferSize: 1000, iteratorQueue: 20_000 });
    await sys.ready();
  })();

  const opsReady = (async () => {
    opsClient = await dial({
      ...common,
      unitId: options.unitId,
      name: "nunect-dashboard",
      user: options.opsUser.user,
      pass: options.opsUser.password,
    });
    if (closed) return void await opsClient.close();
    opsClient.serveEcho();
    opsClient.startHeartbeat({
      kind: "dashboard",
      intervalMs: options.heartbeatMs,
      version: options.version,
    });
    // JetStream may be off or not ready yet; retry, and keep units in memory meanwhile.
    for (let attempt = 1; !closed; attempt++) {
      try {
        units = await UnitRegistry.start(opsClient.nc, {
          defaultHeartbeatIntervalMs: options.heartbeatMs,
          ...options.registry,
        });
        break;
      } catch (e) {
        log(`Units registry could not start (attempt ${attempt}): ${(e as Error).message}`);
        if (attempt >= 3) {
          units = await UnitRegistry.start(opsClient.nc, {
            defaultHeartbeatIntervalMs: options.heartbeatMs,
            ...options.registry,
            bucket: null,
            historyStream: null,
          });
          log("Units are kept in memory only (no JetStream KV bucket)");
          break;
        }
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  })();

  const ready = Promise.all([sysReady, opsReady]).then(() => {});
  ready.catch((e) => log(`Dashboard NATS services failed to start: ${(e as Error).message}`));

  const close = async () => {
    if (closed) return;
    closed = true;
    rates.stop();
    await sys?.close();
    await units?.close();
    await sysClient?.close();
    await opsClient?.close();
  };

  return {
    deps: {
      settings: options.settings,
      version: options.version,
      monitor,
      rates,
      sys: () => sys,
      units: () => units,
    },
    ready,
    close,
    [Symbol.asyncDispose]: close,
  };
}
