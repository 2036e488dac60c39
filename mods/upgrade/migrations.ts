import type { NatsConnection } from "../client/nats_types.ts";
import { Kvm } from "@nats-io/kv";
import { AlertStore } from "../alerts/store.ts";
import { UnitStore } from "../monitor/mod.ts";
import { migrateEnv } from "./env_migration.ts";

/** What a migration works with. */
export interface MigrationContext {
  /** NATS_DATA_DIR (absolute). */
  readonly dataDir: string;
  /** The `.env` nunect runs with, or null when the environment comes from elsewhere. */
  readonly envFile: string | null;
  /** This nunect's `.env.example`. */
  readonly example: string;
  /** Every variable this nunect reads, and the secret ones. */
  readonly variables: { readonly known: readonly string[]; readonly secrets: readonly string[] };
  /** Makes a fresh secret. */
  readonly randomSecret: () => string;
  /** This nunect's version. */
  readonly version: string;
  /** A connection inside OPS (JetStream), opened on first use. */
  ops(): Promise<NatsConnection>;
}

/** One step from a data layout to the next. */
export interface Migration {
  /** The layout it starts from. */
  readonly from: number;
  /** The layout it leaves. */
  readonly to: number;
  /** What it is for, one line. */
  readonly title: string;
  /** The value version of each KV bucket after it (merged into the marker). */
  readonly values: Readonly<Record<string, number>>;
  /**
   * Does it; idempotent (a step that failed half-way runs again from the start).
   *
   * @param ctx the data directory, `.env`, a connection
   * @returns what it did, one line each, for the operator
   */
  apply(ctx: MigrationContext): Promise<string[]>;
}

/** The value version of each KV bucket in layout 1 (nunect 0.1.0). */
export const LAYOUT_1_VALUES: Readonly<Record<string, number>> = {
  nunect_units: 1,
  nunect_alert_rules: 1,
  nunect_alert_state: 1,
  nunect_alert_silences: 1,
};

async function bucketKeys(nc: NatsConnection, bucket: string): Promise<string[] | null> {
  let kv;
  try {
    kv = await new Kvm(nc).open(bucket);
    await kv.status();
  } catch {
    return null; // the bucket does not exist (a feature that never ran)
  }
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return keys;
}

/**
 * Layout 0 → 1: a data directory from before nunect 0.1.0 (no marker). `.env` gains the secrets
 * 0.1.0 has and it lacks; unit records that 0.1.0 cannot read are removed (they are counted as
 * errors at every start otherwise, and the unit registers again with its next heartbeat); alert
 * rules that do not validate are named and kept; the value version of each bucket is recorded.
 */
export const LAYOUT_0_TO_1: Migration = {
  from: 0,
  to: 1,
  title: "nunect 0.1.0 takes over a data directory from before its first release",
  values: LAYOUT_1_VALUES,
  async apply(ctx) {
    const did: string[] = [];
    if (ctx.envFile === null) {
      did.push(".env: none (the environment comes from elsewhere): nothing to change");
    } else {
      const env = await Deno.readTextFile(ctx.envFile);
      const m = migrateEnv(
        env,
        ctx.example,
        ctx.variables.known,
        ctx.variables.secrets,
        ctx.randomSecret,
        ctx.version,
      );
      if (m.added.length > 0) {
        await Deno.writeTextFile(ctx.envFile, m.text, { mode: 0o600 });
        did.push(`.env: added ${m.added.join(", ")} with fresh random values`);
      } else did.push(".env: has every secret 0.1.0 needs");
      if (m.unknown.length > 0) {
        did.push(
          `.env: ${m.unknown.join(", ")} are not read by nunect ${ctx.version}: delete those lines`,
        );
      }
    }
    const nc = await ctx.ops();
    const unitKeys = await bucketKeys(nc, "nunect_units");
    if (unitKeys === null) did.push("units: no units bucket yet");
    else {
      const store = await UnitStore.open(nc);
      const readable = new Set((await store.load()).map((r) => r.unitId));
      const unreadable = unitKeys.filter((k) => !readable.has(k));
      for (const k of unreadable) await store.delete(k);
      did.push(
        `units: ${readable.size} records kept${
          unreadable.length > 0
            ? `, ${unreadable.length} that 0.1.0 cannot read removed (${
              unreadable.slice(0, 5).join(", ")
            }${unreadable.length > 5 ? ", …" : ""}; they register again with their next heartbeat)`
            : ""
        }`,
      );
    }
    const ruleKeys = await bucketKeys(nc, "nunect_alert_rules");
    if (ruleKeys === null) did.push("alert rules: no rules bucket yet");
    else {
      const rules = await (await AlertStore.open(nc)).rules();
      const ok = new Set(rules.map((r) => r.id));
      const bad = ruleKeys.filter((k) => !ok.has(k));
      did.push(
        `alert rules: ${ok.size} kept${
          bad.length > 0
            ? `; ${bad.join(", ")} do not validate: kept, fix them on the Alerts page`
            : ""
        }`,
      );
    }
    did.push(
      `value versions recorded: ${
        Object.entries(LAYOUT_1_VALUES).map(([b, v]) => `${b} v${v}`).join(", ")
      }`,
    );
    return did;
  },
};

/** Every migration, in order. A release that changes what is stored adds one here. */
export const MIGRATIONS: readonly Migration[] = [LAYOUT_0_TO_1];
