import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { launchChromium } from "../_kit/chromium.ts";
import { PROJECT_DIR, spawnProgram, startNats, until } from "../_kit/mod.ts";
import { ADMIN } from "../dashboard/_harness.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";

const ARTIFACTS = `${PROJECT_DIR}/tests/artifacts`;
const TIERS = "2s:1h,1m:7d";

Deno.test({
  name:
    "e2e: History charts from the collector and the Alerts page (preview, save, badge, acknowledge) in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await using ns = await startNats();
    const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
    await jsm.consumers.add("orders", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
    for (let i = 0; i < 5; i++) await jetstream(nc).publish("orders.new", "x");
    await nc.close();

    const hooks: { kind: string; target: string }[] = [];
    const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      hooks.push(await req.json());
      return new Response("ok");
    });
    const common = {
      NATS_URL: ns.url,
      UNIT_ID: "e2e",
      NATS_IDENTITY_DIR: ns.identityDir,
      HISTORY_TIERS: TIERS,
    };
    await using collector = spawnProgram({
      permissionSet: "history",
      entry: "mods/history/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port}`,
        `--allow-read=${ns.identityDir}/creds/history`,
      ],
      env: {
        ...common,
        HISTORY_MAX_MB: "16",
      },
    });
    await using alerts = spawnProgram({
      permissionSet: "alerts",
      entry: "mods/alerts/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port},127.0.0.1:${hook.addr.port}`,
        `--allow-read=${ns.identityDir}/creds/alerts`,
      ],
      env: {
        ...common,
        ALERT_EVAL_INTERVAL_S: "1",
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.addr.port}/hook`,
      },
    });
    await using dash = await startDashboardProgram(ns, { HISTORY_TIERS: TIERS });
    await collector.waitFor("collecting", 20_000);
    await alerts.waitFor("evaluating", 20_000);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${dash.url}/history?kind=consumer`);
      await page.fill('input[name="user"]', ADMIN.user);
      await page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([page.waitForURL(/\/history/), page.click('button[type="submit"]')]);

      // History: the consumer's charts draw what the collector wrote, and follow it live.
      await page.waitForSelector("#alert-badge .count >> text=0", { timeout: 15_000 });
      await until(
        async () => {
          await page.goto(`${dash.url}/history?kind=consumer&id=OPS/orders/worker&range=15m`);
          return (await page.locator(".history-chart").count()) > 0;
        },
        "the consumer's charts",
        20_000,
      );
      const pending = page.locator(".history-chart").first();
      await pending.locator("canvas").waitFor();
      await page.waitForFunction(
        () =>
          /^[1-9]\d* points/.test(
            document.querySelector(".history-chart .chart-foot")?.textContent ?? "",
          ),
        undefined,
        { timeout: 15_000 },
      );
      assert.match((await pending.locator(".chart-value").textContent()) ?? "", /now 5/);
      const before = await pending.locator(".chart-foot").textContent();
      await page.waitForFunction(
        (b) => document.querySelector(".history-chart .chart-foot")?.textContent !== b,
        before,
        { timeout: 15_000 },
      );
      // Hovering shows the value under the cursor.
      const over = pending.locator(".u-over");
      const box = (await over.boundingBox())!;
      await over.hover({ position: { x: box.width - 10, y: box.height / 2 } });
      await page.waitForFunction(
        () => /: /.test(document.querySelector(".history-chart .chart-value")?.textContent ?? ""),
        undefined,
        { timeout: 5000 },
      ).catch(async (e) => {
        throw new Error(
          `${e.message}: chart value "${await pending.locator(".chart-value").textContent()}"`,
        );
      });
      // Another range, and the CSV of exactly that chart.
      await pending.locator("button.range >> text=6h").click();
      await page.waitForFunction(() =>
        document.querySelector(".history-chart button.range.active")?.textContent === "6h"
      );
      const href = await pending.locator("a.csv").getAttribute("href");
      assert.match(href!, /field=num_pending&range=6h&format=csv$/);
      const csv = await page.evaluate((u) => fetch(u).then((r) => r.text()), href!);
      assert.match(csv, /^time,OPS\/orders\/worker num_pending\n/);
      await page.screenshot({ path: `${ARTIFACTS}/history.png`, fullPage: true });

      // Alerts: preview a rule over the stored day, save it, the badge turns red, acknowledge.
      await page.goto(`${dash.url}/alerts`);
      await page.fill('#rule-editor input[name="id"]', "orders-lag");
      await page.fill('#rule-editor input[name="name"]', "Orders lag");
      await page.selectOption('#rule-editor select[name="type"]', "consumer_lag");
      await page.fill('#rule-editor input[name="threshold"]', "3");
      // The fixture's consumer only: under load the history collector's own consumer lags too.
      await page.fill('#rule-editor input[name="target"]', "OPS/orders/*");
      await page.fill('#rule-editor input[name="forS"]', "0");
      await page.fill('#rule-editor input[name="channels"]', "webhook");
      await page.click("#rule-preview");
      await page.waitForSelector("#rule-preview-result >> text=would have fired");
      assert.match((await page.textContent("#rule-preview-result")) ?? "", /fired 1 time\b/);
      await page.click("#rule-save");
      await page.waitForSelector("#alerts-message >> text=Saved orders-lag");
      await page.waitForSelector("#alert-badge.firing .count >> text=1", { timeout: 20_000 });
      await page.waitForSelector("#alerts-table tr.firing >> text=OPS/orders/worker", {
        timeout: 10_000,
      });
      page.once("dialog", (d) => d.accept("draining the backlog"));
      await page.click("#alerts-table tr.firing button.ack");
      await page.waitForSelector("#alerts-table >> text=admin: draining the backlog");
      await page.screenshot({ path: `${ARTIFACTS}/alerts.png`, fullPage: true });
      await until(() => hooks.length >= 1, "the webhook");
      assert.deepEqual(hooks.map((h) => `${h.kind} ${h.target}`), ["firing OPS/orders/worker"]);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await hook.shutdown();
    }
  },
});
