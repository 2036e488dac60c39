// Chromium over the dashboard program on a 3-server cluster: the Overview's cluster table shows
// every member; a member that stops disappears from it and reappears when it comes back, both
// pushed over the live stream into the same page (no reload, no navigation).
import assert from "node:assert/strict";
import { launchChromium } from "../_kit/chromium.ts";
import { type NatsServer, startCluster } from "../_kit/mod.ts";
import { ADMIN } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

Deno.test("e2e cluster table: a member stopped is gone from the Overview and comes back, live, without a reload", async () => {
  await using cluster = await startCluster(3, { name: "dc" });
  const [first, , third] = cluster.servers as [NatsServer, NatsServer, NatsServer];
  // Small history limits: 2.9 reserves a stream's max bytes on every replica up front.
  await using dash = await startDashboardProgram(first, {
    TELEMETRY_HISTORY_MAX_MB: "8",
    HISTORY_MAX_MB: "8",
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    let navigations = 0;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.goto(`${dash.url}/`);
    await page.fill('input[name="user"]', ADMIN.user);
    await page.fill('input[name="password"]', ADMIN.password);
    await Promise.all([page.waitForURL(`${dash.url}/`), page.click('button[type="submit"]')]);

    // The rows of the table, by server name, as the page shows them now.
    const shown = () =>
      page.$$eval(
        "#cluster-servers [data-server]",
        (as) => as.map((a) => a.getAttribute("data-server")).sort(),
      );
    const until = (names: string[], what: string, timeout: number) =>
      page.waitForFunction(
        (want) =>
          JSON.stringify(
            [...document.querySelectorAll("#cluster-servers [data-server]")]
              .map((a) => a.getAttribute("data-server")).sort(),
          ) === JSON.stringify(want),
        names,
        { timeout },
      ).catch(async (e) => {
        throw new Error(`Timed out waiting for ${what}: the table shows ${await shown()}`, {
          cause: e,
        });
      });
    await until(["dc-1", "dc-2", "dc-3"], "the three members", 20_000);
    // A mark in the page's memory: a reload or a navigation would lose it.
    await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed = true);
    const loaded = navigations;

    await third.stop();
    await until(["dc-1", "dc-2"], "the stopped member to be gone", 30_000);
    await third.restart();
    await until(["dc-1", "dc-2", "dc-3"], "the member to be back", 30_000);

    assert.equal(
      await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed),
      true,
      "the same page, never reloaded",
    );
    assert.equal(navigations, loaded, "no navigation");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
