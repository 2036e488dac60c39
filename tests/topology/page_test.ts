// The Topology page in a real Chromium: the dashboard program (its permission set) over a hub of
// three servers with two routers in network namespaces, a guardian on each, and the subject
// registry program. The page draws the hub, both leaf nodes with their link RTTs and their
// guardians; a router cut off turns dashed and back without a reload (live over the one SSE
// stream); "who needs" finds the leaf nodes interested in a subject.
import assert from "node:assert/strict";
import { launchChromium } from "../_kit/chromium.ts";
import {
  PROJECT_DIR,
  type RunningProgram,
  startRegistryProgram,
  startTopology,
  until,
} from "../_kit/mod.ts";
import { ADMIN } from "../dashboard/_harness.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";

Deno.test({
  name: "Topology page: hub, leaf nodes with link RTTs and units, live outage, who needs a subject",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using topo = await startTopology({ leaves: 2 });
    const [r1, r2] = topo.routers as [typeof topo.routers[0], typeof topo.routers[0]];
    const hub = topo.hub.servers[0]!;
    await using registry = await startRegistryProgram(hub);
    await using dash = await startDashboardProgram(hub);
    const guardians: RunningProgram[] = [];
    const browser = await launchChromium();
    try {
      guardians.push(...await Promise.all([r1.guardian("router-1-g"), r2.guardian("router-2-g")]));
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${dash.url}/topology`);
      await page.fill('input[name="user"]', ADMIN.user);
      await page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([
        page.waitForURL(`${dash.url}/topology`),
        page.click('button[type="submit"]'),
      ]);
      // each leaf node with its guardian under it, linked to a hub server with a measured RTT
      for (const [leaf, unit] of [["router-1", "router-1-g"], ["router-2", "router-2-g"]]) {
        await page.waitForSelector(`#topology-map g[data-leaf="${leaf}"] [data-unit="${unit}"]`, {
          timeout: 30_000,
        });
        await page.waitForSelector(`#topology-map g[data-link="${leaf}"] [data-rtt-us]`);
      }
      const hubs = await page.locator("#topology-map g[data-hub]").count();
      assert.ok(hubs >= 1 && hubs <= 3, `hub servers drawn: ${hubs}`);
      await page.evaluate(() => (globalThis as unknown as { __marker: number }).__marker = 7);

      // router-2 cut off and back, followed live
      await Promise.all(r2.links.map((l) => l.cut()));
      await page.waitForSelector('#topology-map g[data-leaf="router-2"][data-up="false"]', {
        timeout: 30_000,
      });
      await page.screenshot({
        path: `${PROJECT_DIR}/tests/artifacts/dashboard-topology-cut.png`,
        fullPage: true,
      });
      await Promise.all(r2.links.map((l) => l.restore()));
      await page.waitForSelector('#topology-map g[data-leaf="router-2"][data-up="true"]', {
        timeout: 30_000,
      });
      await page.waitForSelector(
        '#topology-leaves tr[data-leaf="router-2"] >> text=/\\d+\\.\\d s/',
      );
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { __marker: number }).__marker),
        7,
        "the page was not reloaded",
      );

      // who needs ops.echo.> (every unit's echo): both leaf nodes, with their guardians
      await page.fill('#interest-form input[name="subject"]', "ops.echo.>");
      await Promise.all([page.waitForURL(/subject=/), page.click("#interest-form button")]);
      // The hub's view of a leaf node's subscriptions is rebuilt after router-2's link came back:
      // reload (which waits for the page, unlike a second submit: its URL already matches) until
      // both leaf nodes show their guardians' interest.
      let rows: string[] = [];
      await until(async () => {
        rows = await page.locator("#interest tbody tr").allTextContents();
        if (
          rows.length === 2 && rows[0]!.includes("ops.echo.router-1-g") &&
          rows[1]!.includes("router-2-g")
        ) return true;
        await page.reload();
        return false;
      }, "both leaf nodes' interest in ops.echo.>").catch((e: Error) => {
        throw new Error(`${e.message}; the page lists ${JSON.stringify(rows)}`);
      });
      assert.equal(rows.length, 2, rows.join("\n"));
      assert.ok(rows[0]!.includes("router-1") && rows[0]!.includes("ops.echo.router-1-g"));
      assert.ok(rows[1]!.includes("router-2") && rows[1]!.includes("router-2-g"));
      await page.screenshot({
        path: `${PROJECT_DIR}/tests/artifacts/dashboard-topology.png`,
        fullPage: true,
      });
      assert.deepEqual(errors, [], "no browser errors");
    } finally {
      await browser.close();
      await Promise.all(guardians.map((g) => g.stop()));
      await registry.stop();
    }
  },
});
