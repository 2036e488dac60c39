import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { MigrationError } from "./errors.ts";

/** The marker's file name inside NATS_DATA_DIR. */
export const MARKER_FILE = "nunect-layout.json";

const stepSchema = z.object({
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  title: z.string(),
  did: z.array(z.string()),
  by: z.string(),
  at: z.string(),
});

const markerSchema = z.object({
  /** The data layout the directory holds. */
  layout: z.number().int().nonnegative(),
  /** The newest nunect that ran on it. */
  version: z.string(),
  /** The value version of each KV bucket nunect keeps (what shape its records have). */
  values: z.record(z.string(), z.number().int().positive()).default({}),
  /** Every migration that ran, oldest first. */
  history: z.array(stepSchema).default([]),
});

/** One migration as the marker records it. */
export interface MigrationRecord {
  /** The layout it started from. */
  from: number;
  /** The layout it left. */
  to: number;
  /** What it is, for people. */
  title: string;
  /** What it did, one line a change. */
  did: string[];
  /** The nunect version that ran it. */
  by: string;
  /** When it ran, ISO 8601. */
  at: string;
}
true satisfies Agrees<z.output<typeof stepSchema>, MigrationRecord>;

/** What `$NATS_DATA_DIR/nunect-layout.json` says about a data directory. */
export interface LayoutMarker {
  /** The data layout the directory holds. */
  layout: number;
  /** The newest nunect that ran on it. */
  version: string;
  /** The value version of each KV bucket nunect keeps (what shape its records have). */
  values: Record<string, number>;
  /** Every migration that ran, oldest first. */
  history: MigrationRecord[];
}
true satisfies Agrees<z.output<typeof markerSchema>, LayoutMarker>;

/**
 * Reads the marker of a data directory.
 *
 * @param dataDir NATS_DATA_DIR (absolute)
 * @returns the marker, or null when there is none (a new directory, or one from before 0.1.0)
 * @throws {MigrationError} when the file exists and does not parse
 */
export async function readMarker(dataDir: string): Promise<LayoutMarker | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dataDir}/${MARKER_FILE}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new MigrationError(`Cannot read ${dataDir}/${MARKER_FILE}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MigrationError(`${dataDir}/${MARKER_FILE} is not JSON: restore it from a backup`, {
      cause: e,
    });
  }
  const r = markerSchema.safeParse(json);
  if (!r.success) {
    throw new MigrationError(
      `${dataDir}/${MARKER_FILE} does not parse (${r.error.issues[0]?.path.join(".")}: ${
        r.error.issues[0]?.message
      }): restore it from a backup`,
    );
  }
  return r.data;
}

/**
 * Writes the marker (a temporary file, then a rename: never half-written).
 *
 * @param dataDir NATS_DATA_DIR
 * @param marker what to write
 */
export async function writeMarker(dataDir: string, marker: LayoutMarker): Promise<void> {
  const path = `${dataDir}/${MARKER_FILE}`;
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(marker, null, 2) + "\n");
  await Deno.rename(tmp, path);
}

/**
 * Whether a data directory holds anything yet (JetStream's store).
 *
 * @param dataDir NATS_DATA_DIR
 * @returns true when `jetstream/` exists in it
 */
export async function hasData(dataDir: string): Promise<boolean> {
  return await Deno.stat(`${dataDir}/jetstream`).then((s) => s.isDirectory, () => false);
}

/**
 * The marker a data directory gets after a restore: the backup's data layout, so that the next
 * start migrates what the backup holds when it is older than this nunect. A directory already
 * marked with a newer layout is marked down to the backup's (its migrations are idempotent and run
 * again); one marked with the same layout stays as it is.
 *
 * @param existing the directory's marker, or null
 * @param backup the layout and nunect version the backup records
 * @param values the value versions of that layout, when it is this nunect's
 * @returns the marker to write, or null when the existing one stays
 */
export function restoredMarker(
  existing: LayoutMarker | null,
  backup: { readonly layout: number; readonly nunect: string },
  values: Readonly<Record<string, number>>,
): LayoutMarker | null {
  if (existing !== null && existing.layout <= backup.layout) return null;
  return {
    layout: backup.layout,
    version: backup.nunect,
    values: { ...values },
    history: existing?.history ?? [],
  };
}
