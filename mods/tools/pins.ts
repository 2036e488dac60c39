/** A Go program nunect builds with `go install <package>@<version>`. */
export interface GoTool {
  /** The Go package to install (a `main` package), e.g. `github.com/nats-io/natscli/nats`. */
  readonly package: string;
  /** The pinned release, e.g. `v0.5.0`. */
  readonly version: string;
  /** The file name nunect gives the built binary, e.g. `nats`. */
  readonly binary: string;
  /** What nunect uses it for. */
  readonly purpose: string;
}

// The one place the versions are pinned. nats-server: the newest release the Go module proxy
// serves (`go list -m -versions github.com/nats-io/nats-server/v2`); the others as the design
// names them (toxiproxy: the newest the proxy serves). Raising a pin rebuilds on the next use.
/** Every Go-built program nunect uses, by the name {@linkcode toolPath} takes. */
export const GO_TOOLS = {
  "nats-server": {
    package: "github.com/nats-io/nats-server/v2",
    version: "v2.15.3",
    binary: "nats-server",
    purpose: "the current NATS server (Debian's 2.9.10 is the fallback)",
  },
  natscli: {
    package: "github.com/nats-io/natscli/nats",
    version: "v0.5.0",
    binary: "nats",
    purpose: "an independent client that checks what nunect configures and shows",
  },
  "prometheus-nats-exporter": {
    package: "github.com/nats-io/prometheus-nats-exporter",
    version: "v0.20.1",
    binary: "prometheus-nats-exporter",
    purpose: "the reference Prometheus exporter, for comparison",
  },
  toxiproxy: {
    package: "github.com/Shopify/toxiproxy/v2/cmd/server",
    version: "v2.5.0",
    binary: "toxiproxy-server",
    purpose: "network faults (latency, cuts) between servers and routers in tests",
  },
} as const satisfies Record<string, GoTool>;

/** The name of a pinned Go program: `"nats-server"`, `"natscli"`, `"prometheus-nats-exporter"`, `"toxiproxy"`. */
export type ToolName = keyof typeof GO_TOOLS;

/** Whether `name` is one of {@linkcode GO_TOOLS}. */
export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(GO_TOOLS, name);
}
