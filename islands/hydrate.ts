/**
 * The browser entry point: finds every server-rendered island (`[data-island]`), reads its JSON
 * props from `data-props` and hydrates it. Bundled by scripts/build_islands.ts into
 * static/build/hydrate.js.
 *
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";
import { ActivityLog } from "./ActivityLog.tsx";
import { BrowserUnit } from "./BrowserUnit.tsx";
import { LocalTime } from "./LocalTime.tsx";
import { OverviewStats } from "./OverviewStats.tsx";
import { RateChart } from "./RateChart.tsx";
import { UnitsTables } from "./UnitsTables.tsx";

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  ActivityLog,
  BrowserUnit,
  LocalTime,
  OverviewStats,
  RateChart,
  UnitsTables,
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const component = ISLANDS[el.dataset.island ?? ""];
  if (!component) {
    console.warn(`Unknown island "${el.dataset.island}"`);
    continue;
  }
  const props = JSON.parse(el.dataset.props ?? "{}");
  hydrate(h(component, props), el);
}
