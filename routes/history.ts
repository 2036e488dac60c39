import { z } from "zod";
import type { DashboardServices } from "../mods/dashboard/mod.ts";
import { NotFoundError, ServiceUnavailableError } from "../mods/dashboard/mod.ts";
import {
  chooseTier,
  FIELDS,
  type Frame,
  idsOf,
  type Kind,
  KINDS,
  seriesOf,
  toCsv,
} from "../mods/history/mod.ts";
import { InvalidRequestError } from "../mods/dashboard/mod.ts";
import { param } from "./query.ts";
import { endpoint, type Route } from "./route.ts";

/** Chart ranges, 15 minutes to 30 days. */
export const HISTORY_RANGES = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "1d": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
} as const;
/** A chart range. */
export type HistoryRange = keyof typeof HISTORY_RANGES;
const RANGES = Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]];

function kindOf(raw: string): Kind {
  if (!(KINDS as readonly string[]).includes(raw)) {
    throw new NotFoundError(`Unknown history kind "${raw}": expected one of ${KINDS.join(", ")}`);
  }
  return raw as Kind;
}

/**
 * Reads one kind's frames for a range from the tier that suits it.
 *
 * @param services the dashboard's services
 * @param kind the kind
 * @param range one of {@linkcode HISTORY_RANGES}
 * @param options at most this many points (default 720); with fewer than `minPoints` (2) a finer
 *   tier that has more is read instead (a young installation); or a tier by name
 * @returns the tier read and its frames
 * @throws {ServiceUnavailableError} while history cannot be read
 */
export async function readRange(
  services: DashboardServices,
  kind: Kind,
  range: HistoryRange,
  options: { maxPoints?: number; minPoints?: number; tier?: string } = {},
): Promise<{ tier: string; stepS: number; frames: Frame[] }> {
  const rangeMs = HISTORY_RANGES[range];
  const store = services.history();
  if (store === undefined) {
    throw new ServiceUnavailableError("Metric history is not available yet: no OPS connection");
  }
  const tiers = store.tiers.map((t) => ({ ...t, stepMs: t.stepS * 1000, keepMs: t.keepS * 1000 }));
  const tier = tiers.find((t) => t.name === options.tier) ??
    chooseTier(tiers, rangeMs, options.maxPoints);
  try {
    const now = Date.now();
    let read = {
      tier: tier.name,
      stepS: tier.stepS,
      frames: await store.read(tier.name, kind, now - rangeMs, now + 1),
    };
    // A young installation has nothing in its coarse tiers yet: show the finer points it has.
    for (let i = tiers.indexOf(tier) - 1; options.tier === undefined && i >= 0; i--) {
      if (read.frames.length >= (options.minPoints ?? 2)) break;
      const finer = tiers[i]!;
      const frames = await store.read(finer.name, kind, now - rangeMs, now + 1);
      if (frames.length > read.frames.length) {
        read = { tier: finer.name, stepS: finer.stepS, frames };
      }
    }
    return read;
  } catch (e) {
    throw new ServiceUnavailableError(
      `Metric history cannot be read: ${(e as Error).message}. Is the history collector ` +
        "running (deno task start starts it)?",
      { cause: e },
    );
  }
}

const seriesQuery = z.object({
  id: param.name(),
  field: param.name(),
  range: param.oneOf(RANGES),
  format: param.oneOf(["json", "csv"]),
});
const idsQuery = z.object({ range: param.oneOf(RANGES) });

/**
 * The history API: one series of one entity (counters as per-second rates; `format=csv`
 * downloads it) and the entities with history of a kind. Charts read these.
 */
export const historyRoutes: readonly Route[] = [
  endpoint({
    path: "/api/history/:kind/ids",
    title: "entities with metric history of a kind (range 15m…30d), and the kind's fields",
    needs: ["units"],
    query: idsQuery,
    handle: async (c, q) => {
      const kind = kindOf(c.req.param("kind") ?? "");
      const { frames } = await readRange(c.var.services, kind, q.range ?? "1h");
      return { kind, ids: idsOf(frames), fields: FIELDS[kind] };
    },
  }),
  endpoint({
    path: "/api/history/:kind",
    title: "metric history of one entity and field (id, field, range 15m…30d, format=csv)",
    needs: ["units"],
    query: seriesQuery,
    handle: async (c, q) => {
      const kind = kindOf(c.req.param("kind") ?? "");
      const id = q.id ?? "";
      const field = q.field ?? "";
      if (id === "") throw new InvalidRequestError('Missing query parameter "id": which entity');
      if (FIELDS[kind][field] === undefined) {
        throw new InvalidRequestError(
          `Invalid field "${field}" for ${kind}: expected one of ${
            Object.keys(FIELDS[kind]).join(", ")
          }`,
        );
      }
      const range = q.range ?? "1h";
      const { tier, stepS, frames } = await readRange(c.var.services, kind, range);
      const series = seriesOf(frames, id, field);
      const rate = FIELDS[kind][field] === "counter";
      if (q.format === "csv") {
        const name = `${kind}-${id}-${field}-${range}`.replace(/[^A-Za-z0-9_.-]/g, "_");
        const column = `${id} ${field}${rate ? " per s" : ""}`;
        return c.body(toCsv(series.t, { [column]: series.v }), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}.csv"`,
        });
      }
      return { kind, id, field, range, tier, stepS, rate, ...series };
    },
  }),
];
