import type { NatsConnection } from "../client/nats_types.ts";
import { jetstreamManager } from "@nats-io/jetstream";
import { type ArchiveIndex, ArchiveWriter, type EntryMeta, readArchive } from "./archive.ts";
import { setEnvValues } from "../config/mod.ts";
import { BackupError } from "./errors.ts";
import { openSealed, sealWith } from "./sealed.ts";
import { restoreStream, snapshotStream, type TransferProgress } from "./snapshot.ts";

/**
 * Streams that are state of the moment, not state to keep: dashboard sessions (a restored
 * machine asks everyone to log in again) and the history collector's leases.
 */
export const NOT_BACKED_UP: RegExp = /^KV_nunect_(sessions|leases_.*)$/;

/** A directory of secrets kept whole (operator mode: the controller's keys and JWTs). */
export interface SecretDir {
  /** Its name in the archive, e.g. `identity`. */
  readonly name: string;
  /** Where it is on this machine (absolute). */
  readonly path: string;
}

/** Where a backup's parts come from, or a restore's go. */
export interface BackupSources {
  /** The `.env` file. */
  readonly envFile: string;
  /** Directories of secrets (none before operator mode). */
  readonly secretDirs: readonly SecretDir[];
  /** The accounts whose streams are backed up, e.g. `OPS`, `BRIDGE`. */
  readonly accounts: readonly string[];
  /** A connection inside an account, allowed JetStream's API there. */
  readonly dial: (account: string) => Promise<NatsConnection>;
}

/** What {@linkcode createBackup} reports as it goes. */
export type BackupEvent =
  | { readonly type: "file"; readonly path: string; readonly bytes: number }
  | { readonly type: "progress"; readonly account: string; readonly progress: TransferProgress }
  | {
    readonly type: "skipped";
    readonly account: string;
    readonly stream: string;
    readonly why: string;
  };

async function* readFile(path: string): AsyncIterable<Uint8Array> {
  using f = await Deno.open(path);
  for await (const c of f.readable) yield c;
}

async function filesIn(dir: string): Promise<{ rel: string; mode: number }[]> {
  const out: { rel: string; mode: number }[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(r);
      else if (e.isFile) {
        out.push({ rel: r, mode: ((await Deno.stat(`${dir}/${r}`)).mode ?? 0o600) & 0o777 });
      }
    }
  };
  await walk("");
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

/**
 * Writes one sealed archive of nunect's state: `.env`, the secret directories, and a JetStream
 * snapshot of every stream and KV bucket of the given accounts (consumers included), except
 * {@linkcode NOT_BACKED_UP}. Streams are snapshotted one after another, each consistent in itself.
 *
 * @param sources the files, accounts and how to reach them
 * @param out where the sealed archive goes
 * @param options passphrase, version, layout, progress
 * @returns the archive's index
 * @throws {BackupError} when an account or stream cannot be read
 */
export async function createBackup(
  sources: BackupSources,
  out: WritableStream<Uint8Array>,
  options: {
    readonly passphrase: string;
    readonly nunect: string;
    readonly layout: number;
    readonly onEvent?: (e: BackupEvent) => void;
  },
): Promise<ArchiveIndex> {
  const seal = await sealWith(options.passphrase, options.nunect);
  const piped = seal.readable.pipeTo(out);
  const writer = new ArchiveWriter(seal.writable.getWriter());
  try {
    const env = await Deno.readFile(sources.envFile).catch((e) => {
      throw new BackupError(`Cannot read ${sources.envFile}: ${(e as Error).message}`, {
        cause: e,
      });
    });
    // Written before the event: `onEvent?.(…)` would skip evaluating its argument without one.
    const envBytes = await writer.entry({ kind: "env", path: ".env" }, env);
    options.onEvent?.({ type: "file", path: ".env", bytes: envBytes });
    for (const dir of sources.secretDirs) {
      for (const f of await filesIn(dir.path)) {
        const path = `${dir.name}/${f.rel}`;
        const bytes = await writer.entry(
          { kind: "file", path, mode: f.mode },
          readFile(`${dir.path}/${f.rel}`),
        );
        options.onEvent?.({ type: "file", path, bytes });
      }
    }
    for (const account of sources.accounts) {
      const nc = await sources.dial(account);
      try {
        const jsm = await jetstreamManager(nc);
        const names: string[] = [];
        for await (const s of jsm.streams.list()) names.push(s.config.name);
        for (const name of names.sort()) {
          if (NOT_BACKED_UP.test(name)) {
            options.onEvent?.({
              type: "skipped",
              account,
              stream: name,
              why: "state of the moment (sessions, leases)",
            });
            continue;
          }
          let snap;
          try {
            snap = await snapshotStream(nc, name, {
              onProgress: (progress) => options.onEvent?.({ type: "progress", account, progress }),
            });
          } catch (e) {
            if (e instanceof BackupError && /kept in memory/.test(e.message)) {
              options.onEvent?.({ type: "skipped", account, stream: name, why: e.message });
              continue;
            }
            throw e;
          }
          const meta: EntryMeta = {
            kind: "stream",
            path: `streams/${account}/${name}`,
            account,
            ...snap.meta,
          };
          await writer.entry(meta, snap.data);
        }
      } finally {
        await nc.close().catch(() => {});
      }
    }
    const index = await writer.close({
      nunect: options.nunect,
      layout: options.layout,
      created: new Date().toISOString(),
    });
    await piped;
    return index;
  } catch (e) {
    await writer.abort(e);
    await piped.catch(() => {});
    throw e;
  }
}

/**
 * Reads a sealed archive's index (every entry is read and checked on the way).
 *
 * @param archive the sealed bytes
 * @param passphrase its passphrase
 * @returns the index
 * @throws {PassphraseError} for a wrong passphrase or a damaged archive
 */
export async function readIndex(
  archive: ReadableStream<Uint8Array>,
  passphrase: string,
): Promise<ArchiveIndex> {
  const { plaintext } = await openSealed(archive, passphrase);
  let index: ArchiveIndex | undefined;
  for await (const e of readArchive(plaintext)) {
    for await (const _ of e.data) { /* checked while read */ }
    if (e.meta.kind === "index") index = e.meta.index;
  }
  return index!;
}

/** Where {@linkcode restoreFiles} writes. */
export interface RestoreFilesTarget {
  /** The `.env` to write. */
  readonly envFile: string;
  /** Where each secret directory of the archive goes, by name. */
  readonly secretDirs: readonly SecretDir[];
  /** Overwrite a `.env` or secret file that exists and differs. */
  readonly force?: boolean;
  /** Set `NATS_DATA_DIR` in the restored `.env` (a new machine's data directory). */
  readonly dataDir?: string;
  /** Set `NATS_IDENTITY_DIR` in the restored `.env` (where the identity was restored to). */
  readonly identityDir?: string;
  /**
   * The nunect restoring: a backup whose data layout is newer than its own is refused before
   * anything is written (it would refuse to start on the data).
   */
  readonly running?: { readonly layout: number; readonly version: string };
}

async function writeSecret(path: string, data: Uint8Array, mode: number, force: boolean) {
  const current = await Deno.readFile(path).catch(() => undefined);
  if (current !== undefined && !force) {
    if (current.length === data.length && current.every((b, i) => b === data[i])) return false;
    throw new BackupError(
      `${path} exists and differs from the backup's: move it aside, or restore with --force (which replaces it)`,
    );
  }
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  await Deno.writeFile(path, data, { mode });
  await Deno.chmod(path, mode);
  return true;
}

async function whole(data: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of data) parts.push(p);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The first half of a restore: `.env` and the secret directories, before any server runs. Nothing
 * is written before the whole archive has been read and checked (the files are small; they wait in
 * memory), so a damaged archive or one a newer nunect wrote leaves the machine as it was.
 *
 * @param archive the sealed bytes
 * @param passphrase its passphrase
 * @param target where they go
 * @returns the files written (unchanged ones are not)
 * @throws {BackupError} when a file exists and differs (without `force`), or the backup's data
 *   layout is newer than the running nunect's
 * @throws {PassphraseError} for a wrong passphrase or a damaged archive
 */
export async function restoreFiles(
  archive: ReadableStream<Uint8Array>,
  passphrase: string,
  target: RestoreFilesTarget,
): Promise<{ written: string[]; index: ArchiveIndex }> {
  const { plaintext } = await openSealed(archive, passphrase);
  const written: string[] = [];
  const files: { path: string; data: Uint8Array; mode: number }[] = [];
  let index: ArchiveIndex | undefined;
  const dirs = new Map(target.secretDirs.map((d) => [d.name, d.path]));
  for await (const e of readArchive(plaintext)) {
    const m = e.meta;
    if (m.kind === "env") {
      const { text } = setEnvValues(new TextDecoder().decode(await whole(e.data)), {
        ...(target.dataDir === undefined ? {} : { NATS_DATA_DIR: target.dataDir }),
        ...(target.identityDir === undefined ? {} : { NATS_IDENTITY_DIR: target.identityDir }),
      });
      files.push({ path: target.envFile, data: new TextEncoder().encode(text), mode: 0o600 });
    } else if (m.kind === "file") {
      const [name, ...rest] = m.path.split("/");
      const base = dirs.get(name!);
      if (base === undefined || rest.length === 0 || rest.includes("..")) {
        throw new BackupError(
          `The backup holds "${m.path}", and this nunect has no place for "${name}": set the variable that names it (e.g. NATS_IDENTITY_DIR) and restore again`,
        );
      }
      files.push({
        path: `${base}/${rest.join("/")}`,
        data: await whole(e.data),
        mode: m.mode & 0o777,
      });
    } else if (m.kind === "index") {
      for await (const _ of e.data) { /* checked */ }
      index = m.index;
    } else {
      for await (const _ of e.data) { /* the second half restores streams */ }
    }
  }
  const running = target.running;
  if (running !== undefined && index!.layout > running.layout) {
    throw new BackupError(
      `Refusing to restore: the backup holds data layout ${index!.layout}, written by nunect ${
        index!.nunect
      }; this is nunect ${running.version} (layout ${running.layout}), which cannot read it. Restore it with nunect ${
        index!.nunect
      } or newer`,
    );
  }
  for (const f of files) {
    if (await writeSecret(f.path, f.data, f.mode, !!target.force)) written.push(f.path);
  }
  return { written, index: index! };
}

/** What the second half of a restore did with one stream. */
export interface RestoredEntry {
  /** The account. */
  readonly account: string;
  /** The stream. */
  readonly stream: string;
  /** Messages in it after the restore. */
  readonly messages: number;
}

/**
 * The second half of a restore: every stream of the archive into its account, with JetStream's
 * restore API, while only nats-server runs (nunect's programs would create empty buckets first).
 *
 * @param archive the sealed bytes
 * @param passphrase its passphrase
 * @param dial a connection inside an account
 * @param options replace streams that exist, progress
 * @returns the restored streams, and the archive's index (its nunect version and data layout)
 * @throws {BackupError} when a stream exists (without `replace`) or the server refuses
 */
export async function restoreStreams(
  archive: ReadableStream<Uint8Array>,
  passphrase: string,
  dial: (account: string) => Promise<NatsConnection>,
  options: {
    readonly replace?: boolean;
    readonly onProgress?: (account: string, p: TransferProgress) => void;
  } = {},
): Promise<{ streams: RestoredEntry[]; index: ArchiveIndex }> {
  const { plaintext } = await openSealed(archive, passphrase);
  const conns = new Map<string, NatsConnection>();
  const restored: RestoredEntry[] = [];
  let index: ArchiveIndex | undefined;
  try {
    for await (const e of readArchive(plaintext)) {
      const m = e.meta;
      if (m.kind !== "stream") {
        for await (const _ of e.data) { /* files: the first half */ }
        if (m.kind === "index") index = m.index;
        continue;
      }
      let nc = conns.get(m.account);
      if (nc === undefined) {
        nc = await dial(m.account);
        conns.set(m.account, nc);
      }
      const r = await restoreStream(nc, { config: m.config, state: m.state }, e.data, {
        replace: options.replace,
        onProgress: (p) => options.onProgress?.(m.account, p),
      });
      restored.push({
        account: m.account,
        stream: m.config.name,
        messages: Number(r.state.messages ?? 0),
      });
    }
  } finally {
    for (const nc of conns.values()) await nc.close().catch(() => {});
  }
  return { streams: restored, index: index! };
}
