import { projectPath, serverEnv } from "../config/mod.ts";
import type { RuntimeConfig } from "./modules.ts";

/**
 * The extra Deno flags the supervisor needs when `NATS_DATA_DIR` lies outside the project's
 * `.data` (e.g. `/var/lib/nunect`): the runtime permission set may write only `./.data`, and a
 * deno.json set cannot follow `.env`. So, as the dashboard's network grant follows `.env`, the
 * data directory's grant is computed from it: `deno task start` (scripts/start.sh) asks for these
 * with `--grants` and passes them on. The flags replace the set's read and write lists, so they
 * repeat the set's own entries. The controller's key directory stays unreadable wherever
 * NATS_IDENTITY_DIR puts it: the set denies `./.data/identity/controller`, a flag denies any other.
 *
 * @param config the whole configuration
 * @param projectDir the project root
 * @returns the flags (one per element), or none when the data directory is inside `./.data`
 * @example
 * ```ts
 * dataDirGrants(config, "/opt/nunect"); // ["--allow-read=/opt/nunect,/var/lib/nunect", "--allow-write=/opt/nunect/.data,/var/lib/nunect"]
 * ```
 */
export function dataDirGrants(config: RuntimeConfig, projectDir: string): string[] {
  const dataDir = serverEnv(config, projectDir).NATS_DATA_DIR!;
  const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
  const data = `${projectDir}/.data`;
  // With HTTPS monitoring, the supervisor checks /healthz against NATS_TLS_CA.
  const ca = config.server.httpsPort !== null && config.natsTls.ca !== ""
    ? [projectPath(config.natsTls.ca, projectDir)]
    : [];
  const extraRead = [
    ...(within(dataDir, projectDir) ? [] : [dataDir]),
    ...ca.filter((f) => !within(f, projectDir)),
  ];
  const readable = [projectDir, ...extraRead];
  const keys = `${projectPath(config.identity.dir, projectDir)}/controller`;
  const flags: string[] = [];
  if (extraRead.length > 0) flags.push(`--allow-read=${readable.join(",")}`);
  if (!within(dataDir, data)) flags.push(`--allow-write=${data},${dataDir}`);
  if (!within(dataDir, data) && extraRead.length === 0) {
    flags.unshift(`--allow-read=${projectDir}`);
  }
  if (keys !== `${data}/identity/controller` && readable.some((d) => within(keys, d))) {
    flags.push(`--deny-read=${keys}`);
  }
  return flags;
}
