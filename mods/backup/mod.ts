/**
 * Backups of nunect's state: JetStream's own snapshots of streams and KV buckets
 * (`$JS.API.STREAM.SNAPSHOT`/`RESTORE`, streamed with flow control and progress), the secrets
 * (`.env`, and the operator's and accounts' keys once operator mode keeps them) sealed with a
 * passphrase, and the one archive `deno task backup` writes and `deno task restore` reads.
 *
 * @example
 * ```ts
 * import { restoreStream, snapshotStream } from "../backup/mod.ts";
 * const snap = await snapshotStream(nc, "orders", { onProgress: (p) => console.log(p.bytes) });
 * await restoreStream(otherNc, snap.meta, snap.data);
 * ```
 *
 * @module
 */
export { BackupError, PassphraseError } from "./errors.ts";
export { restoreStream, snapshotStream } from "./snapshot.ts";
export { readStreamFile, streamFile } from "./stream_file.ts";
export type { StreamFileHeader } from "./stream_file.ts";
export { KDF_ITERATIONS, openSealed, sealWith } from "./sealed.ts";
export type { SealedHeader } from "./sealed.ts";
export { ArchiveWriter, readArchive } from "./archive.ts";
export type { ArchiveEntry, ArchiveIndex, EntryMeta } from "./archive.ts";
export { createBackup, NOT_BACKED_UP, readIndex, restoreFiles, restoreStreams } from "./backup.ts";
export type {
  BackupEvent,
  BackupSources,
  RestoredEntry,
  RestoreFilesTarget,
  SecretDir,
} from "./backup.ts";
export type {
  RestoredStream,
  RestoreOptions,
  SnapshotOptions,
  StreamSnapshot,
  StreamSnapshotMeta,
  TransferProgress,
} from "./snapshot.ts";
