import { displayHost, type RuntimeConfig } from "./modules.ts";
import { NunectError } from "../protocol/mod.ts";

/** A TCP port the system is about to listen on, and the variable that sets it. */
export interface PortUse {
  /** e.g. `NATS_PORT` */
  readonly variable: string;
  /** e.g. 4222 */
  readonly port: number;
  /** Where to probe it: the listen address (127.0.0.1 for a wildcard); default 127.0.0.1. */
  readonly host?: string;
}

/** Thrown when something the system needs is missing or in the way; nothing has started. */
export class PrerequisiteError extends NunectError {
  /**
   * Creates the error.
   *
   * @param message what is wrong and how to fix it
   * @param options the underlying error as `cause`, where there is one
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The ports the supervisor will listen on (through nats-server and the dashboard).
 *
 * @param config the whole configuration
 * @param withDashboard whether the dashboard will start
 * @returns one entry per port, in the order of .env.example
 */
export function portsInUse(config: RuntimeConfig, withDashboard: boolean): PortUse[] {
  const s = config.server;
  const host = displayHost(s.host);
  const ports: PortUse[] = [
    { variable: "NATS_PORT", port: s.port, host },
    s.httpsPort === null
      ? { variable: "NATS_HTTP_PORT", port: s.httpPort, host: displayHost(s.httpHost) }
      : { variable: "NATS_HTTPS_PORT", port: s.httpsPort, host: displayHost(s.httpHost) },
    { variable: "NATS_WS_PORT", port: s.wsPort, host },
    { variable: "NATS_LEAF_PORT", port: s.leafPort, host },
  ];
  if (withDashboard) {
    ports.push({
      variable: "DASHBOARD_PORT",
      port: config.dashboard.port,
      host: displayHost(config.dashboard.bind),
    });
  }
  return ports;
}

/**
 * Problems with the port numbers themselves: `-1` (any free port) is for the test kit only, since
 * the supervisor must know where to find /healthz; and two listeners cannot share a port.
 *
 * @param ports the ports to check
 * @returns one message per problem; empty when all are fixed and distinct
 */
export function portNumberProblems(ports: readonly PortUse[]): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const { variable, port } of ports) {
    if (port === -1) {
      problems.push(`${variable}=-1 (any free port) is for tests only: give a fixed port in .env`);
      continue;
    }
    const other = seen.get(port);
    if (other !== undefined) {
      problems.push(`${variable} and ${other} are both ${port}: every listener needs its own port`);
    }
    seen.set(port, variable);
  }
  return problems;
}

/**
 * The ports something already listens on (a TCP connect succeeds).
 *
 * @param ports the ports to probe, each on its `host`
 * @returns the busy ones
 */
export async function busyPorts(ports: readonly PortUse[]): Promise<PortUse[]> {
  const busy = await Promise.all(ports.map(async (p) => {
    try {
      const conn = await Deno.connect({ hostname: p.host ?? "127.0.0.1", port: p.port });
      conn.close();
      return true;
    } catch {
      return false;
    }
  }));
  return ports.filter((_, i) => busy[i]);
}

/**
 * The message for busy ports: which port, which variable, and how to find the holder.
 *
 * @param busy the busy ports
 * @param envFile where the user changes ports
 * @returns the message
 */
export function busyPortsMessage(busy: readonly PortUse[], envFile = ".env"): string {
  const lines = busy.map(({ variable, port }) =>
    `  port ${port} (${variable}) is already in use by another process`
  );
  return [
    "Cannot start: ports are taken",
    ...lines,
    `Stop whatever holds them (\`ss -ltnp 'sport = :${
      busy[0]?.port ?? 0
    }'\` names it; \`deno task nats stop\` if it is a server started with scripts/nats-server.sh) or choose other ports in ${envFile}`,
  ].join("\n");
}

/**
 * Whether a listen address can be bound on this host: a wildcard, a loopback address, or an
 * address of one of its interfaces. An address of another machine makes the listener fail at
 * every start, so the supervisor refuses it up front instead of restarting a module forever.
 *
 * @param address e.g. DASHBOARD_BIND
 * @param local the host's interface addresses (`Deno.networkInterfaces()`)
 * @returns what a valid value looks like when `address` is not bindable, else undefined
 */
export function unbindableAddress(
  address: string,
  local: readonly string[],
): string | undefined {
  const wildcardOrLoopback = address === "0.0.0.0" || address === "::" ||
    address === "localhost" || address === "::1" || /^127\.\d+\.\d+\.\d+$/.test(address);
  if (wildcardOrLoopback || local.includes(address)) return undefined;
  return `an address of this host: 127.0.0.1 (this host only), 0.0.0.0 (every interface) or one of ${
    [...new Set(local)].join(", ")
  }`;
}
