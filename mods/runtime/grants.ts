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
  const inside = (dir: string) => within(dataDir, dir);
  const data = `${projectDir}/.data`;
  const readable = inside(data) || inside(projectDir) ? [projectDir] : [projectDir, dataDir];
  const keys = `${projectPath(config.identity.dir, projectDir)}/controller`;
  const deny = keys !== `${data}/identity/controller` && readable.some((d) => within(keys, d))
    ? [`--deny-read=${keys}`]
    : [];
  if (inside(data)) return deny;
  return [
    `--allow-read=${readable.join(",")}`,
    `--allow-write=${data},${dataDir}`,
    ...deny,
  ];
}
