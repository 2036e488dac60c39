/**
 * The second factor in a real browser: enrolment on the Me page (QR code and secret shown once,
 * a code from the "app" turns it on, recovery codes shown once), then logins that ask for a
 * code, accept a recovery code once, and refuse a wrong or re-used one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { base32Decode, totpCode, totpStep } from "../../mods/access/mod.ts";
import { startNats } from "../_kit/mod.ts";
import { ADMIN } from "../dashboard/_harness.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"];

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login?next=/me`);
  await page.fill('input[name="user"]', ADMIN.user);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.click('button[type="submit"]');
}

async function logOut(page: Page, base: string): Promise<void> {
  await Promise.all([page.waitForURL(`${base}/login`), page.click("form.logout button")]);
}

Deno.test("totp in Chromium: enrol on the Me page, then log in with a code and with a recovery code (and the API explorer)", async () => {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await logIn(page, dash.url);
    await page.waitForURL(`${dash.url}/me`);
    assert.match(await page.textContent("#totp-state") ?? "", /^Off/);

    // Begin: the password, then the QR code and the secret, once.
    await page.fill('#totp-begin input[name="password"]', ADMIN.password);
    await page.click('#totp-begin button[type="submit"]');
    await page.waitForSelector("#totp-begin-result img");
    const secret = (await page.textContent("#totp-begin-result code.secret"))!.trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await Promise.all([page.waitForLoadState("load"), page.click("#totp-begin-result button")]);
    await page.waitForSelector("#totp-confirm");
    assert.ok(!(await page.content()).includes(secret), "the secret is not shown again");

    // Confirm with the app's code: on, with ten recovery codes shown once.
    const key = base32Decode(secret)!;
    const step = totpStep(Date.now());
    await page.fill('#totp-confirm input[name="code"]', await totpCode(key, step));
    await page.click('#totp-confirm button[type="submit"]');
    await page.waitForSelector("#totp-confirm-result ul.codes");
    const codes = await page.$$eval(
      "#totp-confirm-result ul.codes code",
      (els) => els.map((e) => e.textContent ?? ""),
    );
    assert.equal(codes.length, 10);
    await Promise.all([page.waitForLoadState("load"), page.click("#totp-confirm-result button")]);
    await page.waitForSelector("#totp-state >> text=On");

    // The API explorer lists the operations from /api/openapi.json and sends one with this login.
    await page.goto(`${dash.url}/explorer`);
    await page.fill(".api-explorer input[type=search]", "/api/me");
    const me = page.locator('details[data-op="GET /api/me"]');
    await me.locator("summary").first().click();
    await me.locator("button[type=submit]").click();
    await me.locator(".answer >> text=HTTP 200").waitFor();
    assert.match(await me.locator(".answer pre").textContent() ?? "", /"totp": "on"/);

    // A login now asks for the code: a wrong one is refused, the next step's is accepted (the
    // confirming step's code was used up).
    await logOut(page, dash.url);
    await logIn(page, dash.url);
    await page.waitForSelector("#second-factor");
    await page.fill('#second-factor input[name="code"]', "000000");
    await page.click('#second-factor button[type="submit"]');
    await page.waitForSelector("#second-factor >> text=Wrong code");
    await page.fill('#second-factor input[name="code"]', await totpCode(key, step + 1));
    await Promise.all([
      page.waitForURL(`${dash.url}/me`),
      page.click('#second-factor button[type="submit"]'),
    ]);
    assert.match(await page.textContent("#totp-state") ?? "", /10 recovery codes left/);

    // A recovery code works once.
    await logOut(page, dash.url);
    await logIn(page, dash.url);
    await page.fill('#second-factor input[name="code"]', codes[0]!);
    await Promise.all([
      page.waitForURL(`${dash.url}/me`),
      page.click('#second-factor button[type="submit"]'),
    ]);
    assert.match(await page.textContent("#totp-state") ?? "", /9 recovery codes left/);
    await logOut(page, dash.url);
    await logIn(page, dash.url);
    await page.fill('#second-factor input[name="code"]', codes[0]!);
    await page.click('#second-factor button[type="submit"]');
    await page.waitForSelector("#second-factor >> text=Wrong code");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
