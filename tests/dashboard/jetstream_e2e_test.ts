import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect } from "@nats-io/transport-node";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Svcm } from "@nats-io/services";
import { type Page } from "playwright-core";
import { launchChromium } from "../_kit/chromium.ts";
import { PROJECT_DIR, startNats, until } from "../_kit/mod.ts";
import { ADMIN } from "./_harness.ts";
import { startDashboardProgram } from "./_server.ts";

const ARTIFACTS = `${PROJECT_DIR}/tests/artifacts`;
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/console-${name}.png`, fullPage: true });
}

async function publishOrders(nc: NatsConnection, from: number, to: number): Promise<void> {
  const js = jetstream(nc);
  for (let i = from; i <= to; i++) {
    const h = headers();
    h.set("X-Kind", i % 10 ? "sale" : "refund");
    await js.publish(
      `shop.${i % 2 ? "eu" : "us"}`,
      JSON.stringify({ i, note: i % 10 ? "ok" : "refund" }),
      {
        headers: h,
      },
    );
  }
}

Deno.test({
  name: "e2e console: create a stream, publish, browse by sequence and time, search, export, " +
    "purge, edit a consumer, KV put/history/revert/watch, object upload/download, call a service",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await using ns = await startNats();
    await using dash = await startDashboardProgram(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
    const bridge = await connect({
      servers: ns.url,
      ...(await ns.console("BRIDGE")).nats,
      name: "e2e-bridge",
    });
    const engine = await connect({
      servers: ns.url,
      ...(await ns.console("ENGINE")).nats,
      name: "e2e-engine",
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({
        viewport: { width: 1440, height: 900 },
        acceptDownloads: true,
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("dialog", (d) => void d.accept(d.type() === "prompt" ? d.defaultValue() : undefined));
      await page.goto(`${dash.url}/streams`);
      await page.fill('input[name="user"]', ADMIN.user);
      await page.fill('input[name="password"]', ADMIN.password);
      await Promise.all([
        page.waitForURL(`${dash.url}/streams`),
        page.click('button[type="submit"]'),
      ]);

      // Create a stream from a preset; a bad field is shown next to it and nothing is sent.
      await page.goto(`${dash.url}/streams/new`);
      await page.selectOption('select[name="account"]', "BRIDGE");
      await page.selectOption('select[name="preset"]', "limits");
      await page.fill('input[name="name"]', "SHOP");
      await page.fill('input[name="subjects"]', "shop.>");
      await page.fill('input[name="max_age"]', "soon");
      await page.click('button:has-text("Create stream")');
      await page.waitForSelector('.error-text[data-field="max_age"]');
      await page.fill('input[name="max_age"]', "1h");
      await Promise.all([
        page.waitForURL(`${dash.url}/streams/BRIDGE/SHOP`),
        page.click('button:has-text("Create stream")'),
      ]);
      const jsm = await jetstreamManager(bridge);
      assert.equal((await jsm.streams.info("SHOP")).config.max_age, 3600e9);

      // Publish from the browser into BRIDGE.
      await page.goto(`${dash.url}/publish`);
      await page.selectOption('select[name="account"]', "BRIDGE");
      await page.fill('input[name="subject"]', "shop.eu");
      await page.fill('textarea[name="headers"]', "X-Kind: sale");
      await page.fill('textarea[name="payload"]', '{"i":1,"note":"ok"}');
      await page.click('button:has-text("Publish")');
      await page.waitForSelector("text=Stored in SHOP at sequence 1");
      await publishOrders(bridge, 2, 120);
      await jsm.consumers.add("SHOP", { durable_name: "billing", ack_policy: "explicit" });

      // Browse by sequence: pages of 50, next, a message's view.
      await page.goto(`${dash.url}/streams/BRIDGE/SHOP#messages`);
      await page.waitForSelector('table.messages tr[data-seq="50"]');
      assert.equal(await page.locator("table.messages tbody tr").count(), 50);
      await page.click('button:has-text("Next →")');
      await page.waitForSelector('table.messages tr[data-seq="100"]');
      await page.click('table.messages tr[data-seq="60"]');
      await page.waitForSelector(".message-view >> text=Message 60");
      assert.match((await page.textContent(".message-view pre.payload")) ?? "", /"i": 60/);
      await shot(page, "message");
      // By time: the time of message 30 in the browser's local time.
      const t30 = (await jsm.streams.getMessage("SHOP", { seq: 30 }))!.time.toISOString();
      const local = await page.evaluate((iso) => {
        const d = new Date(iso);
        const p = (n: number, w = 2) => String(n).padStart(w, "0");
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${
          p(d.getMinutes())
        }:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
      }, t30);
      await page.fill('.message-browser input[name="time"]', local);
      await page.click('.message-browser button:has-text("Go")');
      await page.waitForSelector('table.messages tr[data-seq="30"]');
      const firstSeq = Number(
        await page.getAttribute("table.messages tbody tr:first-child", "data-seq"),
      );
      assert.ok(firstSeq <= 30 && firstSeq >= 1, `first row ${firstSeq}`);

      // Search with progress; export the result.
      await page.fill('.stream-search input[name="text"]', "refund");
      await page.click('.stream-search button:has-text("Search")');
      await page.waitForSelector(".stream-search >> text=Done: 12 matches");
      assert.equal(await page.locator("table.matches tbody tr").count(), 12);
      await shot(page, "search");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click('.exports a:has-text("NDJSON")'),
      ]);
      const exported = await Deno.readTextFile((await download.path())!);
      assert.equal(exported.trim().split("\n").length, 12);
      assert.equal(JSON.parse(exported.split("\n")[0]!).seq, 10);

      // Browsing, searching and exporting left the consumers as they were.
      const names: string[] = [];
      for await (const c of jsm.consumers.list("SHOP")) names.push(c.name);
      assert.deepEqual(names, ["billing"]);

      // Edit a consumer.
      await page.click('tr[data-consumer="billing"] button:has-text("Edit")');
      await page.fill('textarea[name="consumer-changes"]', '{"max_ack_pending": 5}');
      await page.click('.consumers button:has-text("Save")');
      await page.waitForSelector(".consumers >> text=edit: billing done");
      assert.equal((await jsm.consumers.info("SHOP", "billing")).config.max_ack_pending, 5);

      // Purge: the confirmation names what goes.
      await page.fill('input[name="purge-subject"]', "shop.us");
      await page.selectOption('select[name="purge-mode"]', "keep");
      await page.fill('input[name="purge-n"]', "10");
      const confirmed: string[] = [];
      page.once("dialog", (d) => confirmed.push(d.message()));
      await page.click('button:has-text("Purge…")');
      await page.waitForSelector(".purge-form >> text=Purged 50 messages");
      assert.match(
        confirmed[0] ?? "",
        /Purge 50 messages on shop\.us from "SHOP", keeping the newest 10/,
      );
      await shot(page, "stream");

      // KV: create a bucket, put twice, history, revert, watch.
      await page.goto(`${dash.url}/kv`);
      await page.selectOption('.bucket-form select[name="account"]', "ENGINE");
      await page.fill('.bucket-form input[name="bucket"]', "cfg");
      await page.fill('.bucket-form input[name="history"]', "5");
      await Promise.all([
        page.waitForURL(`${dash.url}/kv/ENGINE/cfg`),
        page.click(".bucket-form button"),
      ]);
      for (const value of ["green", "blue"]) {
        await page.fill('.put input[name="key"]', "app.mode");
        await page.fill('.put textarea[name="value"]', value);
        await page.click('.put button:has-text("Put")');
        await page.waitForSelector(`.entry pre >> text=${value}`);
      }
      await page.waitForSelector('.history tr[data-revision="1"] button:has-text("Revert")');
      await page.click('.history tr[data-revision="1"] button:has-text("Revert")');
      await page.waitForFunction(() =>
        document.querySelector(".kv-browser p.notice")?.textContent?.startsWith(
          "Reverted app.mode to revision 1",
        )
      );
      await page.waitForSelector(".entry pre >> text=green");
      await page.click('.kv-browser button:has-text("Watch")');
      const js = jetstream(engine);
      await until(async () => {
        await js.publish("$KV.cfg.app.live", "on");
        return (await page.locator(".watch li").count()) > 0;
      }, "the watch to show a change");
      assert.match((await page.textContent(".watch li")) ?? "", /PUT app\.live/);
      await shot(page, "kv");

      // Object store: upload with progress, download the same bytes.
      await page.goto(`${dash.url}/objects`);
      await page.selectOption('.bucket-form select[name="account"]', "ENGINE");
      await page.fill('.bucket-form input[name="bucket"]', "files");
      await Promise.all([
        page.waitForURL(`${dash.url}/objects/ENGINE/files`),
        page.click(".bucket-form button"),
      ]);
      const content = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7) % 256);
      await page.setInputFiles('input[name="file"]', {
        name: "blob.bin",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(content),
      });
      await page.click('.upload button:has-text("Upload")');
      await page.waitForSelector('tr[data-object="blob.bin"]');
      const [file] = await Promise.all([
        page.waitForEvent("download"),
        page.click('tr[data-object="blob.bin"] a:has-text("Download")'),
      ]);
      assert.deepEqual(new Uint8Array(await Deno.readFile((await file.path())!)), content);
      await shot(page, "objects");

      // Services: call an endpoint.
      const svc = await new Svcm(bridge as never).add({ name: "quotes", version: "1.0.0" });
      svc.addEndpoint("quote", {
        subject: "quotes.get",
        handler: (_e, m) => void m.respond(`quote for ${m.string()}`),
      });
      await page.goto(`${dash.url}/services`);
      await page.fill('.service-caller textarea[name="payload"]', "tea");
      await page.click('.service-caller button:has-text("Call")');
      await page.waitForSelector(".reply >> text=quote for tea");
      await shot(page, "services");
      await svc.stop();

      assert.deepEqual(errors, [], "no browser errors");
    } finally {
      await browser.close();
      await bridge.close();
      await engine.close();
    }
  },
});
