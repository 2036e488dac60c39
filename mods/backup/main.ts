/**
 * `deno task backup` / `deno task restore` (scripts/backup.sh, scripts/restore.sh run this file
 * under the `backup` permission set, with the grants `--grants` prints):
 *
 *   backup [--out FILE]                  one sealed archive of nunect's state
 *   list FILE                            what an archive holds (checks every entry)
 *   restore-files FILE [--force] [--data-dir DIR]    .env and the secret directories
 *   restore-streams FILE [--replace]     every stream, into a server where only nats-server runs
 *   stream-backup ACCOUNT STREAM [--out FILE]        one stream, unsealed (as the dashboard's)
 *   stream-restore FILE [--account ACCOUNT] [--replace]
 *
 * The passphrase comes from NUNECT_BACKUP_PASSPHRASE, `--passphrase-file FILE`, or the terminal.
 *
 * @module
 */
import {
  dataDirPath,
  exitOnConfigError,
  loadConfig,
  natsTlsOptions,
  parseCommandLine,
  projectPath,
  type SectionName,
} from "../config/mod.ts";
import { IdentityStore, openController } from "../controller/mod.ts";
import { connect } from "../client/mod.ts";
import { NUNECT_VERSION } from "../protocol/mod.ts";
import { natsHostPort } from "../runtime/mod.ts";
import {
  CURRENT_LAYOUT,
  LAYOUT_1_VALUES,
  MigrationError,
  readMarker,
  restoredMarker,
  writeMarker,
} from "../upgrade/mod.ts";
import {
  BackupError,
  type BackupSources,
  createBackup,
  PassphraseError,
  readIndex,
  readStreamFile,
  restoreFiles,
  restoreStream,
  restoreStreams,
  type SecretDir,
  snapshotStream,
  streamFile,
  type TransferProgress,
} from "./mod.ts";

/** The configuration sections the backup reads; its permission set names their variables. */
export const BACKUP_SECTIONS = [
  "unit",
  "server",
  "identity",
  "natsTls",
] as const satisfies readonly SectionName[];

const HELP = `Usage: deno task backup [FILE]          (scripts/backup.sh)
       deno task restore FILE [--force] [--replace] [--data-dir DIR]   (scripts/restore.sh)
       deno task backup stream ACCOUNT STREAM [FILE]
       deno task restore stream FILE [--account ACCOUNT] [--replace]

The program (deno run -P=backup --env-file=.env mods/backup/main.ts <command>):
  backup [--out FILE]              seal .env, the secret directories and a JetStream snapshot of
                                   every stream and KV bucket of OPS, BRIDGE, ENGINE and PROVISION
                                   (not sessions or leases) into one archive
  list FILE                        what an archive holds; reads and checks every entry
  restore-files FILE               write .env (and the secret directories) from an archive
      [--force]                    replace files that exist and differ
      [--data-dir DIR]             set NATS_DATA_DIR in the restored .env
      [--identity-dir DIR]         restore the identity (keys, JWTs, credentials) there and set
                                   NATS_IDENTITY_DIR in the restored .env (default: the
                                   NATS_IDENTITY_DIR set now, else ./.data/identity)
  restore-streams FILE [--replace] restore every stream into the running nats-server (start only
                                   nats-server: deno task nats start); --replace deletes streams
                                   of the same name first
  stream-backup ACCOUNT STREAM [--out FILE]    one stream, with progress (not sealed)
  stream-restore FILE [--account ACCOUNT] [--replace]
  --grants <command> [args]        print the Deno flags the command needs, one a line
Options: --passphrase-file FILE (else NUNECT_BACKUP_PASSPHRASE, else asked), --version, --help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function fail(message: string, code = 1): never {
  console.error(message);
  Deno.exit(code);
}

/** Absolute path: relative ones are taken from the directory the command runs in. */
function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/**
 * The secret directories of this installation: the controller's NATS_IDENTITY_DIR (the operator's
 * and accounts' keys and JWTs, the issued credentials). A restore onto a machine without a .env
 * yet takes --identity-dir, else NATS_IDENTITY_DIR from the environment, else the default.
 */
function secretDirs(): SecretDir[] {
  const chosen = args.values["identity-dir"];
  const path = chosen !== undefined ? absolute(chosen) : projectPath(
    config?.identity.dir ?? Deno.env.get("NATS_IDENTITY_DIR") ?? "./.data/identity",
    projectDir,
  );
  return [{ name: "identity", path }];
}

async function readSecretLine(question: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    fail(
      "No passphrase: set NUNECT_BACKUP_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked",
    );
  }
  await Deno.stderr.write(new TextEncoder().encode(question));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(1);
  try {
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null || buf[0] === 13 || buf[0] === 10) break;
      if (buf[0] === 3) fail("\nCancelled");
      if (buf[0] === 127) bytes.pop();
      else bytes.push(buf[0]!);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

async function passphrase(file: string | undefined, twice: boolean): Promise<string> {
  if (file !== undefined) {
    return (await Deno.readTextFile(absolute(file)).catch((e) =>
      fail(`Cannot read the passphrase file ${file}: ${(e as Error).message}`)
    )).replace(/\r?\n$/, "");
  }
  const env = Deno.env.get("NUNECT_BACKUP_PASSPHRASE");
  if (env) return env;
  const first = await readSecretLine("Backup passphrase: ");
  if (twice && (await readSecretLine("Again: ")) !== first) fail("The passphrases differ");
  return first;
}

function progressPrinter(): (label: string, p: TransferProgress) => void {
  let last = 0;
  return (label, p) => {
    const now = Date.now();
    if (!p.done && now - last < 1000) return;
    last = now;
    const mib = (p.bytes / 1024 / 1024).toFixed(1);
    const of = p.streamBytes > 0 ? ` (stream ${(p.streamBytes / 1024 / 1024).toFixed(1)} MiB)` : "";
    console.error(`  ${label}: ${mib} MiB in ${p.chunks} chunks${of}${p.done ? ", done" : ""}`);
  };
}

const args = parseCommandLine("backup", HELP, {
  allowPositionals: true,
  options: {
    out: { type: "string" },
    force: { type: "boolean" },
    replace: { type: "boolean" },
    "data-dir": { type: "string" },
    "identity-dir": { type: "string" },
    account: { type: "string" },
    "passphrase-file": { type: "string" },
    grants: { type: "boolean" },
    version: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
}, true);
const [command, ...rest] = args.positionals as [string, ...string[]]; // parseCommandLine saw one

const envFile = absolute(Deno.env.get("NUNECT_ENV_FILE") ?? `${projectDir}/.env`);
// restore-files runs on a machine without a .env yet: it needs no configuration.
const config = command === "restore-files"
  ? undefined
  : exitOnConfigError(() => loadConfig(BACKUP_SECTIONS));
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const defaultOut = command === "stream-backup"
  ? `${projectDir}/backups/${rest[0]}-${rest[1]}-${stamp}.nunect-stream`
  : `${projectDir}/backups/nunect-${config?.server.name}-${stamp}.nunect-backup`;
const archive = absolute(
  ["backup", "stream-backup"].includes(command) ? (args.values.out ?? defaultOut) : rest[0] ?? "",
);

if (args.values.grants) {
  // Deno permission sets are static; these come from .env and the command line.
  const reads = [projectDir, dirOf(archive), dirOf(envFile), ...secretDirs().map((d) => d.path)];
  const writes = [dirOf(envFile), ...secretDirs().map((d) => d.path)];
  if (command === "backup" || command === "stream-backup") writes.push(dirOf(archive));
  if (command === "restore-streams") {
    // The data directory's marker: the backup's data layout (mods/upgrade).
    const dataDir = dataDirPath(config!.server.dataDir, projectDir);
    reads.push(dataDir);
    writes.push(dataDir);
  }
  if (config !== undefined) {
    console.log(`--allow-net=${natsHostPort(config.unit.natsUrl)}`);
  }
  console.log(`--allow-read=${reads.join(",")}`);
  console.log(`--allow-write=${writes.join(",")}`);
  Deno.exit(0);
}

/** The accounts whose streams a backup holds: OPS and every tenant (not the system account). */
async function backupAccounts(): Promise<string[]> {
  const store = new IdentityStore(projectPath(config!.identity.dir, projectDir));
  return (await store.accounts()).filter((a) => a.kind !== "system").map((a) => a.name);
}

/**
 * A connection inside `account` as a console user the controller issues for this run (one hour,
 * recorded in the audit trail as `backup`): in operator mode no account has a password user.
 */
async function dial(account: string) {
  const c = config!;
  let session;
  try {
    session = await openController({
      identityDir: projectPath(c.identity.dir, projectDir),
      hubUnitId: c.unit.unitId,
      natsUrl: c.unit.natsUrl,
      tls: natsTlsOptions(c.natsTls),
      name: `${c.unit.unitId}-backup-controller`.slice(0, 64),
      // A restore brings the audit stream back from the archive: the issued console users'
      // records wait in the journal meanwhile.
      journalOnly: true,
    });
  } catch (e) {
    throw new BackupError(
      `Cannot reach NATS at ${c.unit.natsUrl} as the controller: ${
        (e as Error).message
      }. Is nats-server running? (deno task start, or only the server: deno task nats start)`,
      { cause: e },
    );
  }
  try {
    const issued = await session.controller.issueConsole(account, "backup", "admin", 3600_000);
    return (await connect({
      servers: c.unit.natsUrl,
      unitId: `${c.unit.unitId}-backup`.slice(0, 64),
      name: `nunect-backup-${account}`,
      tls: natsTlsOptions(c.natsTls),
      creds: issued.creds,
    })).nc;
  } catch (e) {
    throw new BackupError(
      `Cannot connect inside account "${account}" at ${c.unit.natsUrl}: ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    await session.close();
  }
}

async function openFile(path: string): Promise<ReadableStream<Uint8Array>> {
  try {
    return (await Deno.open(path)).readable;
  } catch (e) {
    fail(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

async function createFile(path: string): Promise<Deno.FsFile> {
  await Deno.mkdir(dirOf(path), { recursive: true, mode: 0o700 });
  try {
    return await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  } catch (e) {
    fail(`Cannot write ${path}: ${(e as Error).message}`);
  }
}

const show = progressPrinter();
try {
  switch (command) {
    case "backup": {
      const secret = await passphrase(args.values["passphrase-file"], true);
      const sources: BackupSources = {
        envFile,
        secretDirs: secretDirs(),
        accounts: await backupAccounts(),
        dial,
      };
      const file = await createFile(archive);
      try {
        const index = await createBackup(sources, file.writable, {
          passphrase: secret,
          nunect: NUNECT_VERSION,
          layout: CURRENT_LAYOUT,
          onEvent: (e) => {
            if (e.type === "file") console.error(`  ${e.path}: ${e.bytes} bytes`);
            else if (e.type === "skipped") {
              console.error(`  ${e.account} ${e.stream}: skipped, ${e.why}`);
            } else show(`${e.account} ${e.progress.stream}`, e.progress);
          },
        });
        const streams = index.entries.filter((e) => e.kind === "stream").length;
        console.log(
          `Backed up .env, ${
            index.entries.length - 1 - streams
          } secret files and ${streams} streams to ${archive}`,
        );
      } catch (e) {
        await Deno.remove(archive).catch(() => {});
        throw e;
      }
      break;
    }
    case "list": {
      const index = await readIndex(
        await openFile(archive),
        await passphrase(args.values["passphrase-file"], false),
      );
      console.log(`nunect ${index.nunect} (data layout ${index.layout}), ${index.created}`);
      for (const e of index.entries) {
        console.log(`  ${e.kind.padEnd(6)} ${e.path}  ${e.bytes} bytes`);
      }
      break;
    }
    case "restore-files": {
      const r = await restoreFiles(
        await openFile(archive),
        await passphrase(args.values["passphrase-file"], false),
        {
          envFile,
          secretDirs: secretDirs(),
          force: args.values.force,
          dataDir: args.values["data-dir"] === undefined
            ? undefined
            : absolute(args.values["data-dir"]),
          identityDir: args.values["identity-dir"] === undefined
            ? undefined
            : absolute(args.values["identity-dir"]),
          running: { layout: CURRENT_LAYOUT, version: NUNECT_VERSION },
        },
      );
      console.log(
        `Restored from nunect ${r.index.nunect}'s backup of ${r.index.created}: ${
          r.written.length === 0 ? "every file was already the same" : r.written.join(", ")
        }`,
      );
      break;
    }
    case "restore-streams": {
      const { streams: restored, index } = await restoreStreams(
        await openFile(archive),
        await passphrase(args.values["passphrase-file"], false),
        dial,
        {
          replace: args.values.replace,
          onProgress: (account, p) => show(`${account} ${p.stream}`, p),
        },
      );
      for (const r of restored) console.log(`  ${r.account} ${r.stream}: ${r.messages} messages`);
      console.log(`Restored ${restored.length} streams`);
      // The next start migrates what the backup holds when it is older than this nunect.
      const dataDir = dataDirPath(config!.server.dataDir, projectDir);
      const marker = restoredMarker(
        await readMarker(dataDir),
        index,
        index.layout === CURRENT_LAYOUT ? LAYOUT_1_VALUES : {},
      );
      if (marker !== null) {
        await writeMarker(dataDir, marker);
        console.log(
          `Data layout ${marker.layout} (nunect ${marker.version}'s) recorded in ${dataDir}${
            marker.layout < CURRENT_LAYOUT ? ": deno task start upgrades it" : ""
          }`,
        );
      }
      break;
    }
    case "stream-backup": {
      const [account, stream] = rest;
      if (account === undefined || stream === undefined) {
        fail("Usage: stream-backup ACCOUNT STREAM [--out FILE]");
      }
      const nc = await dial(account);
      try {
        const snap = await snapshotStream(nc, stream, {
          onProgress: (p) => show(`${account} ${stream}`, p),
        });
        const file = await createFile(archive);
        await streamFile({
          account,
          created: new Date().toISOString(),
          nunect: NUNECT_VERSION,
          ...snap.meta,
        }, snap.data)
          .pipeTo(file.writable);
        console.log(
          `Backed up ${account} ${stream} (${
            snap.meta.state.messages ?? 0
          } messages) to ${archive}`,
        );
      } finally {
        await nc.close();
      }
      break;
    }
    case "stream-restore": {
      const { header, data } = await readStreamFile(await openFile(archive));
      const account = args.values.account ?? header.account;
      const nc = await dial(account);
      try {
        const r = await restoreStream(nc, header, data, {
          replace: args.values.replace,
          onProgress: (p) => show(`${account} ${p.stream}`, p),
        });
        console.log(`Restored ${account} ${r.stream}: ${r.state.messages ?? 0} messages`);
      } finally {
        await nc.close();
      }
      break;
    }
    default:
      fail(`Unknown command "${command}" (see --help)`);
  }
} catch (e) {
  if (e instanceof BackupError || e instanceof PassphraseError || e instanceof MigrationError) {
    fail(e.message);
  }
  throw e;
}
Deno.exit(0);
