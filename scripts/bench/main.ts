/**
 * `deno task bench`: runs every benchmark suite in scripts/bench/, one after the other (they share
 * two cores with nothing else of ours). Each suite is a file exporting `bench()`, which prints its
 * figures and ratios against a baseline measured in the same run. Add a suite with one import and
 * one entry below. `deno task bench client` runs only the named suites.
 *
 * Every suite runs against the nats-server the test kit resolves (the managed current one, or
 * NATS_SERVER_BIN) and is headed by its version; the client and dashboard suites then run again
 * against Debian's 2.9.10 (a child run with NATS_SERVER_BIN set), so both ratios are printed.
 *
 * @module
 */
import { bench as access } from "./access.ts";
import { bench as charts } from "./charts.ts";
import { bench as claims } from "./claims.ts";
import { bench as client } from "./client.ts";
import { bench as dashboard } from "./dashboard.ts";
import { bench as edge } from "./edge.ts";
import { bench as foundation } from "./foundation.ts";
import { bench as guardian } from "./guardian.ts";
import { bench as jetstream } from "./jetstream.ts";
import { bench as history } from "./history.ts";
import { bench as identity } from "./identity.ts";
import { bench as monitor } from "./monitor.ts";
import { bench as security } from "./security.ts";
import { bench as tls } from "./tls.ts";
import { DEBIAN_NATS_SERVER, describeServer } from "../../mods/tools/mod.ts";
import { testServer } from "../../tests/_kit/mod.ts";

const suites: Record<string, () => Promise<void>> = {
  access,
  charts,
  claims,
  client,
  dashboard,
  edge,
  foundation,
  guardian,
  jetstream,
  history,
  identity,
  monitor,
  security,
  tls,
};

const server = await testServer();
/** Suites whose ratios are printed for both servers. */
const ON_BOTH = new Set(["client", "dashboard"]);
// The child run for Debian's server sets this: it runs only the suite it is given.
const child = Deno.env.get("NUNECT_BENCH_CHILD") === "1";
const debian = await Deno.realPath(DEBIAN_NATS_SERVER).catch(() => undefined);
const otherServer = !child && debian !== undefined && debian !== await Deno.realPath(server.path);

const only = Deno.args.length > 0 ? Deno.args : Object.keys(suites);
for (const name of only) {
  const suite = suites[name];
  if (!suite) {
    console.error(`Unknown suite "${name}": expected one of ${Object.keys(suites).join(", ")}`);
    Deno.exit(2);
  }
  console.log(`# ${name} on ${describeServer(server)}`);
  const t0 = performance.now();
  await suite();
  console.log(`(suite ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  if (ON_BOTH.has(name) && otherServer) {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, name],
      env: { NATS_SERVER_BIN: DEBIAN_NATS_SERVER, NUNECT_BENCH_CHILD: "1" },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) console.error(`(suite ${name} on Debian's server exited with ${code})`);
  }
}
