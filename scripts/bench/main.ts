/**
 * `deno task bench`: runs every benchmark suite in scripts/bench/, one after the other (they share
 * two cores with nothing else of ours). Each suite is a file exporting `bench()`, which prints its
 * figures and ratios against a baseline measured in the same run. Add a suite with one import and
 * one entry below. `deno task bench client` runs only the named suites.
 *
 * @module
 */
import { bench as client } from "./client.ts";
import { bench as dashboard } from "./dashboard.ts";
import { bench as edge } from "./edge.ts";
import { bench as foundation } from "./foundation.ts";
import { bench as guardian } from "./guardian.ts";
import { bench as jetstream } from "./jetstream.ts";
import { bench as history } from "./history.ts";
import { bench as monitor } from "./monitor.ts";
import { describeServer } from "../../mods/tools/mod.ts";
import { testServer } from "../../tests/_kit/mod.ts";

const suites: Record<string, () => Promise<void>> = {
  client,
  dashboard,
  edge,
  foundation,
  guardian,
  jetstream,
  history,
  monitor,
};

console.log(`Server: ${describeServer(await testServer())}\n`);

const only = Deno.args.length > 0 ? Deno.args : Object.keys(suites);
for (const name of only) {
  const suite = suites[name];
  if (!suite) {
    console.error(`Unknown suite "${name}": expected one of ${Object.keys(suites).join(", ")}`);
    Deno.exit(2);
  }
  const t0 = performance.now();
  await suite();
  console.log(`(suite ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
