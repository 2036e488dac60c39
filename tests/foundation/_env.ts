/**
 * Helpers for the foundation tests: a complete, valid environment on free fixed ports (the
 * supervisor and nats-server.sh need real port numbers, not -1) with its data directory in a
 * temporary directory, a writer for .env files, and whether a process is still alive.
 *
 * @module
 */
import { randomSecret, sections, variableNames } from "../../mods/config/mod.ts";
import { freePorts, testServer } from "../_kit/mod.ts";

/**
 * A complete, valid environment (every variable of the contract) on free ports, with fresh
 * passwords, the data directory inside `dir`, and NATS_SERVER_BIN set to the tests' server (so
 * the supervisor and nats-server.sh run the version the test run is about).
 *
 * @param dir a temporary directory; `<dir>/data` is created
 * @param overrides variables to replace
 * @returns variable name to value
 */
export async function testEnv(
  dir: string,
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const [port, httpPort, wsPort, leafPort, dashboardPort] = freePorts(5);
  const env: Record<string, string> = {
    NATS_SERVER_NAME: "foundation-test",
    NATS_HOST: "127.0.0.1",
    NATS_PORT: String(port),
    NATS_HTTP_PORT: String(httpPort),
    NATS_WS_PORT: String(wsPort),
    NATS_LEAF_PORT: String(leafPort),
    NATS_DATA_DIR: `${dir}/data`,
    NATS_JS_MAX_MEMORY: "64MB",
    NATS_JS_MAX_FILE: "256MB",
    HISTORY_MAX_MB: "32",
    NATS_SERVER_BIN: (await testServer()).path,
    NATS_URL: `nats://127.0.0.1:${port}`,
    DASHBOARD_PORT: String(dashboardPort),
    DASHBOARD_SECRET: randomSecret(40),
  };
  const all = variableNames(Object.keys(sections) as (keyof typeof sections)[]);
  for (const name of all.filter((n) => n.endsWith("_PASSWORD"))) env[name] = randomSecret(20);
  return { ...env, ...overrides };
}

/**
 * Writes an environment as a .env file.
 *
 * @param path where
 * @param env variable name to value
 */
export async function writeEnvFile(path: string, env: Record<string, string>): Promise<void> {
  const text = Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
  await Deno.writeTextFile(path, text, { mode: 0o600 });
}

/** Whether a process with this pid is alive (a zombie counts as gone). */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
