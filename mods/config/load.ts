import { type Config, type SectionName, sections, type Variable } from "./schema.ts";
import { NunectError } from "../protocol/core.ts";

/** Reads one environment variable; the default reads the process environment. */
export type EnvSource = (name: string) => string | undefined;

/** One variable that did not parse. */
export interface ConfigProblem {
  /** The variable's name. */
  readonly name: string;
  /** What a valid value looks like. */
  readonly expected: string;
  /** The value given (`undefined` when unset; never shown for secrets). */
  readonly got: string | undefined;
  /** Whether the value is a secret. */
  readonly secret: boolean;
  /** The program's permission set does not allow reading the variable. */
  readonly unreadable?: boolean;
  /** A secret that still holds the public `change-me-…` placeholder of .env.example. */
  readonly placeholder?: boolean;
}

/** Thrown by {@linkcode loadConfig} with every variable that did not parse. */
export class ConfigError extends NunectError {
  /** The variables that did not parse. */
  readonly problems: readonly ConfigProblem[];

  /**
   * Creates the error from every variable that did not parse.
   *
   * @param problems every variable that did not parse
   */
  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** The prefix of every secret in .env.example: public, so never accepted as a secret. */
export const PLACEHOLDER_PREFIX = "change-me";

function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => {
    if (p.placeholder) {
      return `  ${p.name}: still the public "${PLACEHOLDER_PREFIX}-..." placeholder of .env.example, which anyone can read`;
    }
    if (p.unreadable) {
      return `  ${p.name}: this program's permission set may not read it; add it to the "env" list of the set in deno.json`;
    }
    const got = p.got === undefined || p.got === ""
      ? "it is not set"
      : p.secret
      ? "the value given does not qualify"
      : `got "${p.got}"`;
    return `  ${p.name}: expected ${p.expected}; ${got}`;
  });
  return `Invalid configuration in .env or the environment (${problems.length} variable${
    problems.length === 1 ? "" : "s"
  }):\n${lines.join("\n")}\nFix these in .env (documented in .env.example) and start again${
    problems.some((p) => p.placeholder)
      ? ". To generate a .env with fresh random secrets: move the current .env aside and run `deno task start` (or `deno run -P=config mods/config/main.ts init`), which writes .env from .env.example with a random value for every secret"
      : ""
  }`;
}

/** Reads the process environment; the one place in the project that does. */
export const processEnv: EnvSource = (name: string): string | undefined => Deno.env.get(name);

/**
 * Parses the named sections of the environment into one frozen, typed object. Only the
 * variables of those sections are read, so a program needs env permission for exactly those.
 * A secret still holding the public `change-me-…` placeholder of .env.example is refused like
 * any invalid value: anyone who read .env.example could log in or forge a session with it.
 *
 * @param names the sections to load, e.g. `["unit", "guardianUser", "guardian"]`
 * @param env where variables come from (default: the process environment)
 * @returns the parsed configuration, deeply frozen
 * @throws {ConfigError} listing every variable that is missing, invalid or a public placeholder
 * @example
 * ```ts
 * const config = loadConfig(["unit", "guardian"]);
 * config.guardian.heartbeatIntervalMs; // 5000
 * ```
 */
export function loadConfig<N extends SectionName>(
  names: readonly N[],
  env: EnvSource = processEnv,
): Config<N> {
  const problems: ConfigProblem[] = [];
  const config: Record<string, Record<string, unknown>> = {};
  for (const sectionName of names) {
    const section: Record<string, Variable<unknown>> = sections[sectionName];
    const value: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(section)) {
      let raw: string | undefined;
      try {
        raw = env(spec.name);
      } catch (e) {
        // A permission set that lacks a new variable: say which one instead of a stack trace.
        if (!(e instanceof Deno.errors.NotCapable)) throw e;
        problems.push({
          name: spec.name,
          expected: "",
          got: undefined,
          secret: !!spec.secret,
          unreadable: true,
        });
        continue;
      }
      if (spec.secret && raw?.startsWith(PLACEHOLDER_PREFIX)) {
        problems.push({
          name: spec.name,
          expected: spec.expected,
          got: raw,
          secret: true,
          placeholder: true,
        });
        continue;
      }
      const given = raw === undefined || raw === "" ? spec.fallback : raw;
      const parsed = given === undefined ? undefined : spec.schema.safeParse(given);
      if (parsed?.success) value[key] = parsed.data;
      else {problems.push({
          name: spec.name,
          expected: spec.expected,
          got: raw,
          secret: !!spec.secret,
        });}
    }
    config[sectionName] = Object.freeze(value);
  }
  problems.push(...crossCheck(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as Config<N>;
}

/** A problem found by a rule that spans variables (never about a secret). */
function problem(name: string, expected: string, got?: string): ConfigProblem {
  return { name, expected, got, secret: false };
}

/** Both of a certificate/key pair or neither: one without the other would fall back to plain text. */
function pair(
  cert: [name: string, value: string],
  key: [name: string, value: string],
): ConfigProblem[] {
  if (cert[1] !== "" && key[1] === "") {
    return [problem(key[0], `a PEM key path when ${cert[0]} is set (or leave both empty)`)];
  }
  if (key[1] !== "" && cert[1] === "") {
    return [problem(cert[0], `a PEM certificate path when ${key[0]} is set (or leave both empty)`)];
  }
  return [];
}

const str = (v: unknown): string => typeof v === "string" ? v : "";

/** Rules that span variables, checked on the sections that were loaded. */
function crossCheck(config: Record<string, Record<string, unknown>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { server, natsTls, dashboard } = config;
  const serverTls = server !== undefined && str(server.tlsCert) !== "" &&
    str(server.tlsKey) !== "";
  if (server !== undefined) {
    problems.push(
      ...pair(["NATS_TLS_CERT", str(server.tlsCert)], ["NATS_TLS_KEY", str(server.tlsKey)]),
    );
    if (server.httpsPort !== null && server.httpsPort !== undefined && !serverTls) {
      problems.push(problem(
        "NATS_HTTPS_PORT",
        "empty unless NATS_TLS_CERT and NATS_TLS_KEY are set (nats-server serves HTTPS " +
          "monitoring with the client port's certificate)",
        String(server.httpsPort),
      ));
    }
    const verifying: string[] = [];
    for (
      const [key, name] of [
        ["tlsVerify", "NATS_TLS_VERIFY"],
        ["wsTlsVerify", "NATS_WS_TLS_VERIFY"],
        ["leafTlsVerify", "NATS_LEAF_TLS_VERIFY"],
      ] as const
    ) {
      if (server[key] === undefined || server[key] === "off") continue;
      verifying.push(name);
      if (!serverTls) {
        problems.push(
          problem(name, "off unless NATS_TLS_CERT and NATS_TLS_KEY are set", str(server[key])),
        );
      }
    }
    if (verifying.length > 0 && str(server.tlsClientCa) === "") {
      problems.push(problem(
        "NATS_TLS_CLIENT_CA",
        `the PEM certificate of the CA that signs client certificates (${
          verifying.join(", ")
        } is on)`,
      ));
    }
  }
  if (natsTls !== undefined) {
    problems.push(
      ...pair(
        ["NATS_TLS_CLIENT_CERT", str(natsTls.clientCert)],
        ["NATS_TLS_CLIENT_KEY", str(natsTls.clientKey)],
      ),
    );
    const unit = config.unit;
    const tcp = unit !== undefined && /^(nats|tls):/.test(str(unit.natsUrl));
    if (tcp && str(natsTls.clientCert) !== "" && natsTls.handshakeFirst === "false") {
      problems.push(problem(
        "NATS_TLS_HANDSHAKE_FIRST",
        "auto or true with NATS_TLS_CLIENT_CERT and a nats:// or tls:// NATS_URL: Deno presents " +
          "a client certificate on tls:// only when TLS comes first (the server needs the same " +
          "setting, nats-server >= 2.10.4), or leave NATS_TLS_CLIENT_CERT empty while the server " +
          "does not verify clients",
        "false",
      ));
    }
    if (server !== undefined && natsTls.handshakeFirst !== "false" && !serverTls) {
      problems.push(problem(
        "NATS_TLS_HANDSHAKE_FIRST",
        "false unless NATS_TLS_CERT and NATS_TLS_KEY are set",
        str(natsTls.handshakeFirst),
      ));
    }
    if (
      config.unit !== undefined && server !== undefined && server.tlsVerify !== "off" && serverTls
    ) {
      // A program that connects as a unit on this server (the supervisor, the dashboard) needs a
      // certificate, and Deno presents one on tls:// only when TLS comes first.
      if (str(natsTls.clientCert) === "") {
        problems.push(problem(
          "NATS_TLS_CLIENT_CERT",
          "a client certificate (signed by NATS_TLS_CLIENT_CA) for nunect's own programs when " +
            "NATS_TLS_VERIFY is on: the server refuses connections without one",
        ));
      }
    }
  }
  if (dashboard !== undefined) {
    problems.push(
      ...pair(
        ["DASHBOARD_TLS_CERT", str(dashboard.tlsCert)],
        ["DASHBOARD_TLS_KEY", str(dashboard.tlsKey)],
      ),
    );
    const redirect = dashboard.redirectPort;
    if (typeof redirect === "number") {
      if (str(dashboard.tlsCert) === "" || str(dashboard.tlsKey) === "") {
        problems.push(problem(
          "DASHBOARD_REDIRECT_PORT",
          "empty unless DASHBOARD_TLS_CERT and DASHBOARD_TLS_KEY are set (behind a reverse " +
            "proxy, the proxy redirects to HTTPS)",
          String(redirect),
        ));
      } else if (redirect === dashboard.port) {
        problems.push(
          problem("DASHBOARD_REDIRECT_PORT", "a port other than DASHBOARD_PORT", String(redirect)),
        );
      }
    }
  }
  return problems;
}

/**
 * The environment variable names read by the named sections, for permission sets and for
 * passing configuration to child processes.
 *
 * @param names the sections
 * @returns the variable names, in contract order
 */
export function variableNames(names: readonly SectionName[]): string[] {
  return names.flatMap((n) =>
    Object.values(sections[n] as Record<string, Variable<unknown>>).map((v) => v.name)
  );
}

/** Every section name, for programs (the supervisor, the server launcher) that need them all. */
export const allSections: readonly SectionName[] = Object.keys(sections) as SectionName[];
