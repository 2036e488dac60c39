import { MigrationError } from "./errors.ts";
import { type LayoutMarker, writeMarker } from "./marker.ts";
import type { MigrationContext } from "./migrations.ts";
import type { Running, UpgradePlan } from "./plan.ts";

/**
 * Carries out a plan: runs each migration in order and writes the marker after each one, so a
 * failure leaves the directory marked with the last layout reached (the failed step runs again
 * at the next start).
 *
 * @param plan what {@linkcode planUpgrade} said
 * @param marker the current marker (null for none)
 * @param ctx what migrations work with
 * @param running this nunect
 * @param values the value versions of this layout
 * @param log one line per thing done
 * @returns the marker written
 * @throws {MigrationError} naming the step that failed and why
 */
export async function runUpgrade(
  plan: UpgradePlan,
  marker: LayoutMarker | null,
  ctx: MigrationContext,
  running: Running,
  values: Readonly<Record<string, number>>,
  log: (line: string) => void,
): Promise<LayoutMarker> {
  let current: LayoutMarker = marker ?? { layout: 0, version: "0.0.0", values: {}, history: [] };
  if (plan.kind === "fresh") {
    current = {
      layout: running.layout,
      version: running.version,
      values: { ...values },
      history: [],
    };
    await writeMarker(ctx.dataDir, current);
    return current;
  }
  if (plan.kind === "current") {
    if (plan.note) log(plan.note);
    if (marker !== null && marker.version !== running.version) {
      current = { ...marker, version: running.version };
      await writeMarker(ctx.dataDir, current);
    }
    return current;
  }
  for (const step of plan.steps) {
    log(`Upgrading data layout ${step.from} -> ${step.to}: ${step.title}`);
    let did: string[];
    try {
      did = await step.apply(ctx);
    } catch (e) {
      throw new MigrationError(
        `Upgrade of data layout ${step.from} -> ${step.to} failed: ${
          (e as Error).message
        }. Nothing after it ran; the data directory stays at layout ${step.from} and the step runs again at the next start`,
        { cause: e },
      );
    }
    for (const line of did) log(`  - ${line}`);
    current = {
      layout: step.to,
      version: running.version,
      values: { ...current.values, ...step.values },
      history: [...current.history, {
        from: step.from,
        to: step.to,
        title: step.title,
        did,
        by: running.version,
        at: new Date().toISOString(),
      }],
    };
    await writeMarker(ctx.dataDir, current);
  }
  return current;
}
