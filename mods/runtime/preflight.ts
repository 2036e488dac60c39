import type { RuntimeConfig } from "./modules.ts";

/** A TCP port the system is about to listen on, and the variable that sets it. */
export interface PortUse {
  /** e.g. `NATS_PORT` */
  readonly variable: string;
  /** e.g. 4222 */
  readonly port: number;
}

/** Thrown when something the system needs is missing or in the way; nothing has started. */
export class PrerequisiteError extends Error {
  /**
   * @param message what is wrong and how to fix it
   * @param options the underlying error as `cause`, where there is one
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PrerequisiteError";
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
  const ports: PortUse[] = [
    { variable: "NATS_PORT", port: s.port },
    { variable: "NATS_HTTP_PORT", port: s.httpPort },
    { variable: "NATS_WS_PORT", port: s.wsPort },
    { variable: "NATS_LEAF_PORT", port: s.leafPort },
  ];
  if (withDashboard) ports.push({ variable: "DASHBOARD_PORT", port: config.dashboard.port });
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
 * @param ports the ports to probe
 * @param hostname where to connect (the listen address; 127.0.0.1 for a wildcard one)
 * @returns the busy ones
 */
export async function busyPorts(
  ports: readonly PortUse[],
  hostname = "127.0.0.1",
): Promise<PortUse[]> {
  const busy = await Promise.all(ports.map(async (p) => {
    try {
      const conn = await Deno.connect({ hostname, port: p.port });
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
