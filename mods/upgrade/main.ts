/**
 * `deno task upgrade` and the supervisor's step before nunect's programs start (permission set
 * `upgrade`): reads the data directory's marker, refuses a directory a newer nunect wrote
 * (exit 2), and runs the migrations from its layout to this one, saying what each did.
 *
 *   upgrade            run what is needed (nats-server must be running for KV migrations)
 *   upgrade --check    only say what would be done (no NATS needed); exit 2 on a downgrade
 *   upgrade --grants   print the Deno flags this .env needs, one a line (scripts/upgrade.sh,
 *                      which `deno task upgrade` runs, passes them on: NATS_DATA_DIR and the
 *                      .env file may lie outside the project, NATS_URL on another port)
 *
 * @module
 */
import {
  dataDirPath,
  exitOnConfigError,
  loadConfig,
  parseCommandLine,
  projectPath,
  randomSecret,
  type SectionName,
  sections,
  variableNames,
} from "../config/mod.ts";
import { connect } from "../client/mod.ts";
import { systemCredsFiles } from "../controller/mod.ts";
import { natsHostPort } from "../runtime/mod.ts";
import { NUNECT_VERSION } from "../protocol/mod.ts";
import {
  CURRENT_LAYOUT,
  DowngradeError,
  hasData,
  LAYOUT_1_VALUES,
  MigrationError,
  MIGRATIONS,
  planUpgrade,
  readMarker,
  runUpgrade,
} from "./mod.ts";
import type { NatsConnection } from "@nats-io/nats-core";

/** The configuration sections the upgrade reads; its permission set names their variables. */
export const UPGRADE_SECTIONS = [
  "unit",
  "server",
  "identity",
] as const satisfies readonly SectionName[];

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const { values } = parseCommandLine(
  "upgrade",
  `Usage: deno task upgrade [--check]

Brings NATS_DATA_DIR (and .env) from an older nunect to this one (${NUNECT_VERSION}, data layout
${CURRENT_LAYOUT}), saying what each migration did; deno task start does this before nunect's
programs start. A data directory a newer nunect wrote is refused (exit 2).
  --check   only say what would be done (no NATS needed)
  --grants  print the Deno flags NATS_DATA_DIR, the .env file and NATS_URL need (one a line)`,
  {
    options: {
      check: { type: "boolean" },
      grants: { type: "boolean" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  },
);

const config = exitOnConfigError(() => loadConfig(UPGRADE_SECTIONS));
const dataDir = dataDirPath(config.server.dataDir, projectDir);
const opsCredsFile = () =>
  systemCredsFiles(projectPath(config.identity.dir, projectDir), config.unit.unitId).dashboardOps;
if (values.grants) {
  // Deno permission sets are static; these come from .env. Each flag replaces the set's list, so
  // the set's own entries are repeated.
  const envFile = Deno.env.get("NUNECT_ENV_FILE");
  const env = envFile === undefined ? [] : [envFile];
  // Operator mode: the OPS connection is the dashboard's OPS user, from the identity directory.
  const opsCreds = opsCredsFile();
  console.log(`--allow-net=${natsHostPort(config.unit.natsUrl)}`);
  console.log(`--allow-read=${[projectDir, dataDir, ...env, opsCreds].join(",")}`);
  console.log(
    `--allow-write=${[`${projectDir}/.env`, `${projectDir}/.data`, dataDir, ...env].join(",")}`,
  );
  Deno.exit(0);
}
const running = { layout: CURRENT_LAYOUT, version: NUNECT_VERSION };
try {
  const marker = await readMarker(dataDir);
  const plan = planUpgrade(marker, await hasData(dataDir), running, MIGRATIONS, dataDir);
  if (values.check) {
    console.log(
      plan.kind === "upgrade"
        ? `Data layout ${plan.from} -> ${CURRENT_LAYOUT}: ${
          plan.steps.map((s) => s.title).join("; ")
        }`
        : plan.kind === "fresh"
        ? `A new data directory: layout ${CURRENT_LAYOUT}`
        : plan.note ?? `Data layout ${CURRENT_LAYOUT}: nothing to do`,
    );
    Deno.exit(0);
  }
  // Only the file nunect was started with (deno task start and deno task upgrade name it): an
  // environment given otherwise (tests, systemd) has no file to change.
  const envPath = Deno.env.get("NUNECT_ENV_FILE");
  const envFile = envPath === undefined
    ? null
    : await Deno.stat(envPath).then((s) => s.isFile ? envPath : null, () => null);
  let nc: NatsConnection | undefined;
  const all = variableNames(Object.keys(sections) as SectionName[]);
  const secrets = Object.values(sections).flatMap((s) =>
    Object.values(s as Record<string, { name: string; secret?: boolean }>).filter((v) => v.secret)
      .map((v) => v.name)
  );
  await runUpgrade(
    plan,
    marker,
    {
      dataDir,
      envFile,
      example: await Deno.readTextFile(`${projectDir}/.env.example`),
      variables: { known: all, secrets },
      randomSecret: () => randomSecret(),
      version: NUNECT_VERSION,
      ops: async () =>
        nc ??= (await connect({
          servers: config.unit.natsUrl,
          unitId: `${config.unit.unitId}-upgrade`.slice(0, 64),
          name: "nunect-upgrade",
          // In operator mode: the dashboard's OPS user (every stream and KV inside OPS).
          creds: await Deno.readTextFile(opsCredsFile()),
        })).nc,
    },
    running,
    LAYOUT_1_VALUES,
    (line) => console.log(line),
  );
  await nc?.close();
} catch (e) {
  if (e instanceof DowngradeError) {
    console.error(e.message);
    Deno.exit(2);
  }
  if (e instanceof MigrationError) {
    console.error(e.message);
    Deno.exit(1);
  }
  throw e;
}
Deno.exit(0);
