/**
 * Upgrades of a data directory: the data layout this nunect writes ({@linkcode CURRENT_LAYOUT}),
 * the marker that records it (`$NATS_DATA_DIR/nunect-layout.json`: layout, version, the value
 * version of each KV bucket, every migration that ran), the migrations from each layout to the
 * next (KV values, `.env`), a pure planner that refuses a downgrade, and the runner the supervisor
 * uses before nunect's programs start.
 *
 * @example
 * ```ts
 * import { CURRENT_LAYOUT, MIGRATIONS, planUpgrade, readMarker, hasData } from "../upgrade/mod.ts";
 * const marker = await readMarker(dataDir);
 * const plan = planUpgrade(marker, await hasData(dataDir), { layout: CURRENT_LAYOUT, version }, MIGRATIONS, dataDir);
 * ```
 *
 * @module
 */
export { CURRENT_LAYOUT } from "./layout.ts";
export { DowngradeError, MigrationError } from "./errors.ts";
export { hasData, MARKER_FILE, readMarker, restoredMarker, writeMarker } from "./marker.ts";
export type { LayoutMarker, MigrationRecord } from "./marker.ts";
export { migrateEnv } from "./env_migration.ts";
export type { EnvMigration } from "./env_migration.ts";
export { LAYOUT_0_TO_1, LAYOUT_1_VALUES, MIGRATIONS } from "./migrations.ts";
export type { Migration, MigrationContext } from "./migrations.ts";
export { planUpgrade } from "./plan.ts";
export type { Running, UpgradePlan } from "./plan.ts";
export { runUpgrade } from "./upgrade.ts";
