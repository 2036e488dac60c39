import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { type Page } from "playwright-core";
import { launchChromium } from "../_kit/chromium.ts";
import { connect } from "../../mods/client/mod.ts";
import { SIGNATURE_HEADER, subjects } from "../../mods/protocol/mod.ts";
import { type ConnInfo, MonitorClient, TelemetryVerifier } from "../../mods/monitor/mod.ts";
import { guardianEnv, PROJECT_DIR, startGuardianProgram, startNats, until } from "../_kit/mod.ts";
import { ADMIN } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

const ARTIFACTS = `${PROJECT_DIR}/tests/artifacts`;
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/dashboard-${name}.png`, fullPage: true });
}

Deno.test({
  name: "e2e: log in, Overview, live activity, units with RTT and clock, every page renders",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await using ns = await startNats();
    await using dash = await startDashboardProgram(ns);
    // A guardian under its own permission set, allowed to reach this test server's port.
    await using guardian = await startGuardianProgram(
      ns,
      await guardianEnv(ns, "test-hub", {
        HEARTBEAT_INTERVAL_MS: "1000",
        RTT_INTERVAL_MS: "1000",
        TIME_INTERVAL_MS: "1000",
      }),
    );
    // And a plain client unit, so the Units table has a heartbeat even without the guardian.
    await using client = await connect({
      servers: ns.url,
      ...(await ns.unit("e2e-client")).client,
    });
    client.serveEcho();
    client.startHeartbeat({
      intervalMs: 1000,
      kind: "client",
      host: "e2e",
      clock: () => ({ source: "ntp", quality: "tracking" }),
    });
    const publishRtt = async () => {
      const nativeRttUs = await client.rtt();
      const appRttUs = await client.echo("e2e-client");
      client.publish(subjects.rtt("e2e-client"), {
        unitId: "e2e-client",
        seq: 0,
        ts: Date.now(),
        target: ns.url,
        nativeRttUs,
        appRttUs,
      });
    };
    await publishRtt();
    const rttTimer = setInterval(() => void publishRtt().catch(() => {}), 1000);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });

      // Login: the protected page redirects to the form.
      await page.goto(`${dash.url}/`);
      assert.match(page.url(), /\/login\?next=/);
      await shot(page, "login");
      await page.fill('input[name="user"]', ADMIN.user);
      await page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([page.waitForURL(`${dash.url}/`), page.click('button[type="submit"]')]);

      // Overview shows the server.
      const serverName = ns.env.NATS_SERVER_NAME!;
      await page.waitForSelector(`[data-stat="server"] >> text=${serverName}`);
      assert.ok((await page.textContent("header"))?.includes("ops.e2e.test"));
      // The browser became a unit and is connected over WebSocket.
      await page.waitForSelector(".browser-unit.status-connected", { timeout: 10_000 });
      // Two samples make the first rate point of the charts.
      await page.waitForFunction(
        () => !document.querySelector(".legend-in")?.textContent?.includes("–"),
        null,
        { timeout: 15_000 },
      );
      await shot(page, "overview");
      // The figures refresh without a reload.
      const countBefore = await page.textContent('[data-stat="connections"] .value');
      const extra = await natsConnect({
        servers: ns.url,
        ...(await ns.unit("e2e-extra", { account: "ENGINE" })).nats,
        name: "e2e-extra",
      });
      await page.waitForFunction(
        (before) =>
          document.querySelector('[data-stat="connections"] .value')?.textContent !== before,
        countBefore,
        { timeout: 10_000 },
      );
      await extra.close();

      // Activity updates without a reload.
      await page.goto(`${dash.url}/activity`);
      await page.waitForSelector("#activity-live.on");
      const marker = await page.evaluate(() =>
        (globalThis as unknown as { __marker: number }).__marker = 42
      );
      const name = `e2e-probe-${crypto.randomUUID().slice(0, 6)}`;
      const nc = await natsConnect({
        servers: ns.url,
        ...(await ns.unit("e2e-probe", { account: "BRIDGE" })).nats,
        name,
      });
      await page.waitForSelector(`#activity td.ev-name >> text=${name}`, { timeout: 5000 });
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { __marker: number }).__marker),
        marker,
        "the page was not reloaded",
      );
      await nc.close();
      await page.waitForSelector(`#activity tr[data-kind="disconnect"] >> text=${name}`, {
        timeout: 5000,
      });
      await shot(page, "activity");

      // Units: the guardian (or the client) with RTT and clock values, and this browser.
      await page.goto(`${dash.url}/units`);
      const unitRow = async (id: string) => {
        await page.waitForSelector(
          `#units-rtt tr[data-unit="${id}"] td[data-col="native"] .rtt-cell`,
          {
            timeout: 15_000,
          },
        );
        return await page.textContent(`#units-time tr[data-unit="${id}"] td[data-col="quality"]`);
      };
      let guardianSeen = true;
      try {
        const q = await unitRow("test-hub");
        assert.ok(q && q.trim() !== "–", "guardian reports a clock quality");
        // It runs on the dashboard's host (same UNIT_ID), so the local time box shows its clock.
        await page.waitForSelector("#local-time >> text=reported by test-hub", { timeout: 5000 });
      } catch (e) {
        guardianSeen = false;
        console.warn(
          `guardian not seen in Units (${(e as Error).message}); output:`,
          guardian.output(),
        );
      }
      const clientQuality = await unitRow("e2e-client");
      assert.equal(clientQuality?.trim(), "tracking");
      await page.waitForSelector('#units-rtt tr[data-unit^="browser-linux-desktop-"] .rtt-cell', {
        timeout: 15_000,
      });
      await page.waitForSelector("#local-time .badge.good, #local-time .badge.warn");
      await shot(page, "units");
      // ?client= names the browser unit (always browser-…: a session gets no other unit). Its
      // page signs its telemetry with the session's browser user (nats.js's JavaScript Ed25519).
      const kioskRtt = subjects.rtt("browser-e2e-kiosk");
      const watcher = await natsConnect({ servers: ns.url, ...ns.users.ops.nats });
      const signed = new Promise<{ data: Uint8Array; headers: { get(k: string): string } }>(
        (resolve) =>
          watcher.subscribe(kioskRtt, {
            max: 1,
            callback: (_, m) => resolve({ data: m.data, headers: m.headers! }),
          }),
      );
      await watcher.flush();
      await page.goto(`${dash.url}/units?client=e2e-kiosk`);
      await page.waitForSelector('.browser-unit [data-unit-id="browser-e2e-kiosk"]');
      await page.waitForSelector('#units-rtt tr[data-unit="browser-e2e-kiosk"] .rtt-cell', {
        timeout: 15_000,
      });
      const kiosk = await signed;
      const keys = (await (await ns.controller()).users({
        account: "OPS",
        unitId: "browser-e2e-kiosk",
      })).map((u) => u.publicKey);
      assert.ok(kiosk.headers.get(SIGNATURE_HEADER) !== "", "the page signs its telemetry");
      const verifier = new TelemetryVerifier({ entry: () => ({ role: "browser", keys }) });
      assert.deepEqual(verifier.check(kioskRtt, "browser-e2e-kiosk", kiosk.headers, kiosk.data), {
        ok: true,
      });
      await watcher.close();
      console.log(`guardian in Units: ${guardianSeen}`);

      // Across pages the browser keeps one NATS connection: the navigation loads pages in place.
      const mon = new MonitorClient({ url: ns.monitorUrl });
      const selfId = await page.getAttribute(".browser-unit [data-unit-id]", "data-unit-id");
      assert.ok(selfId, "the browser unit has an ID");
      const selfConns = async () =>
        (await mon.connz({ acc: ns.accounts.OPS, auth: true })).connections.filter((c) =>
          c.name === selfId
        );
      let before: ConnInfo[] = [];
      await until(
        async () => (before = await selfConns()).length === 1,
        "the browser's connection",
      );
      const navPages = await page.$$eval(
        "nav.side a",
        (as) => as.map((a) => ({ href: a.getAttribute("href")!, label: a.textContent!.trim() })),
      );
      assert.ok(navPages.length >= 10, "every page in the navigation");
      // Every page is usable at 1280 px and on a phone: no page-wide horizontal scrolling (wide
      // tables scroll inside their card), no error page.
      for (const [width, height, tag] of [[1280, 800, "1280"], [390, 844, "phone"]] as const) {
        await page.setViewportSize({ width, height });
        for (const nav of navPages) {
          await page.click(`nav.side a[href="${nav.href}"]`);
          await page.waitForSelector(`nav.side a.active[href="${nav.href}"]`);
          await page.waitForSelector("main h1");
          assert.equal(await page.locator(".error-card").count(), 0, nav.href);
          const overflow = await page.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.ok(
            overflow <= 1,
            `${nav.label} at ${width} px scrolls sideways by ${overflow} px`,
          );
          await shot(page, `${tag}-${nav.label.toLowerCase().replace(/\s+/g, "-")}`);
        }
      }
      await page.setViewportSize({ width: 1440, height: 900 });
      assert.equal(await page.evaluate(() => location.pathname), navPages.at(-1)!.href);
      const after = await selfConns();
      assert.deepEqual(after.map((c) => c.cid), before.map((c) => c.cid), "the same connection");
      // The Activity log marks the viewer's own connection.
      await page.click('nav.side a[href="/activity"]');
      await page.waitForSelector(`#activity tr.self[data-kind="connect"] >> text=${selfId}`);
      assert.equal(
        await page.locator(`#activity tr[data-kind="disconnect"] >> text=${selfId}`).count(),
        0,
        "the browser never disconnected while moving between pages",
      );
      await shot(page, "activity-self");
      // Filters are forms: they load in place too.
      await page.click('nav.side a[href="/connections"]');
      await page.fill('form.filters input[name="acc"]', "OPS");
      await page.click('form.filters button[type="submit"]');
      await page.waitForURL(/\/connections\?.*acc=OPS/);
      assert.deepEqual((await selfConns()).map((c) => c.cid), before.map((c) => c.cid));

      const first = await page.goto(`${dash.url}/connections`);
      assert.equal(first?.status(), 200);
      await page.click("#connections tbody tr:first-child td:first-child a");
      await page.waitForSelector("#connection-subs");
      await shot(page, "connection-detail");
      await page.goto(`${dash.url}/accounts/OPS`);
      await shot(page, "account-detail");

      assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), [], "no browser errors");

      // No secret ever reaches the dashboard's log.
      const { stdout, stderr } = dash.program.output();
      const seed = (creds: string) => /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(creds)![1]!;
      for (
        const secret of [
          ADMIN.password,
          seed(ns.users.sys.creds),
          seed(ns.users.ops.creds),
          "e2e-secret-e2e-secret-e2e-secret-000001",
        ]
      ) {
        assert.ok(!(stdout + stderr).includes(secret), "a secret in the dashboard log");
      }
      assert.ok(!/\bSU[A-Z2-7]{56}\b/.test(stdout + stderr), "a seed in the dashboard log");

      // Logout ends the session.
      await page.goto(`${dash.url}/`);
      await Promise.all([page.waitForURL(/\/login/), page.click(".logout button")]);
      await page.goto(`${dash.url}/units`);
      assert.match(page.url(), /\/login/);
    } finally {
      clearInterval(rttTimer);
      await browser.close();
    }
  },
});
