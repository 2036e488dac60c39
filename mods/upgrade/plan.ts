import { compareVersions } from "../protocol/mod.ts";
import { DowngradeError, MigrationError } from "./errors.ts";
import type { LayoutMarker } from "./marker.ts";
import type { Migration } from "./migrations.ts";

/** What starting on a data directory takes. */
export type UpgradePlan =
  /** A new data directory: write the marker. */
  | { readonly kind: "fresh" }
  /** Already this layout (the marker's version is updated when this nunect is newer). */
  | { readonly kind: "current"; readonly note?: string }
  /** Migrations to run, in order. */
  | { readonly kind: "upgrade"; readonly from: number; readonly steps: readonly Migration[] };

/** This nunect: its data layout and version. */
export interface Running {
  /** The layout it writes. */
  readonly layout: number;
  /** Its version. */
  readonly version: string;
}

/**
 * What starting this nunect on a data directory takes. Pure: the marker and whether the
 * directory holds data are read by the caller.
 *
 * @param marker the directory's marker, or null
 * @param hasData whether the directory holds JetStream data (no marker + data = layout 0)
 * @param running this nunect
 * @param migrations every migration there is
 * @param dataDir the directory, for messages
 * @returns the plan
 * @throws {DowngradeError} when a newer nunect wrote a newer layout
 * @throws {MigrationError} when no chain of migrations leads to this layout
 */
export function planUpgrade(
  marker: LayoutMarker | null,
  hasData: boolean,
  running: Running,
  migrations: readonly Migration[],
  dataDir: string,
): UpgradePlan {
  if (marker === null && !hasData) return { kind: "fresh" };
  const from = marker?.layout ?? 0;
  if (from > running.layout) {
    throw new DowngradeError(
      `Refusing to start: NATS_DATA_DIR=${dataDir} holds data layout ${from}, written by nunect ${marker?.version}; this is nunect ${running.version} (layout ${running.layout}), and nunect does not downgrade data. Run nunect ${marker?.version} or newer, or restore a backup taken with nunect ${running.version} (deno task restore) into an empty data directory`,
    );
  }
  if (from === running.layout) {
    const older = marker !== null && compareVersions(marker.version, running.version) > 0;
    return older
      ? {
        kind: "current",
        note: `nunect ${
          marker!.version
        } ran on this data directory before; this is ${running.version}, with the same data layout ${from}: nothing to change`,
      }
      : { kind: "current" };
  }
  const steps: Migration[] = [];
  for (let at = from; at < running.layout;) {
    const next = migrations.find((m) => m.from === at);
    if (next === undefined) {
      throw new MigrationError(
        `Cannot upgrade NATS_DATA_DIR=${dataDir} from data layout ${at}: nunect ${running.version} has no migration from it. Upgrade through an earlier release first`,
      );
    }
    steps.push(next);
    at = next.to;
  }
  return { kind: "upgrade", from, steps };
}
