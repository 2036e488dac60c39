import assert from "node:assert/strict";
import { browserIdentity, detectDevice, detectOs } from "../../islands/_browser_identity.ts";
import { formatMicros, rttLevel } from "../../components/format.ts";

const linux = {
  userAgent:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36",
  language: "en-US",
  platform: "Linux x86_64",
  timezone: "UTC",
  screen: "1440x900x24",
  cores: 8,
};

Deno.test("browser identity: stable, with OS and device type, valid as a unit ID", () => {
  const a = browserIdentity(linux);
  assert.match(a.unitId, /^browser-linux-desktop-[0-9a-f]{8}$/);
  assert.equal(browserIdentity(linux).unitId, a.unitId, "stable");
  assert.notEqual(browserIdentity({ ...linux, screen: "1920x1080x24" }).unitId, a.unitId);
  assert.equal(detectOs("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"), "ios");
  assert.equal(
    detectDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"),
    "mobile",
  );
  assert.equal(detectOs("Mozilla/5.0 (Linux; Android 14; Pixel Tablet)"), "android");
  assert.equal(detectDevice("Mozilla/5.0 (Linux; Android 14; Pixel Tablet)"), "tablet");
  assert.equal(detectOs("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"), "windows");
  assert.equal(detectOs("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)"), "macos");
});

Deno.test("browser identity: ?client= overrides only with a valid unit ID, always browser-…", () => {
  // Browser sessions get credentials for browser-… units only: never another unit's.
  assert.deepEqual(browserIdentity(linux, "kiosk-3").unitId, "browser-kiosk-3");
  assert.deepEqual(browserIdentity(linux, "browser-kiosk-3").unitId, "browser-kiosk-3");
  assert.equal(browserIdentity(linux, "kiosk-3").overridden, true);
  for (const bad of ["a.b", "*", "has space", "x".repeat(65)]) {
    assert.match(browserIdentity(linux, bad).unitId, /^browser-/, bad);
  }
});

Deno.test("RTT levels: green below 50 ms, yellow below 200 ms, red above", () => {
  assert.equal(rttLevel(49_999), "good");
  assert.equal(rttLevel(50_000), "warn");
  assert.equal(rttLevel(199_999), "warn");
  assert.equal(rttLevel(200_000), "bad");
  assert.equal(rttLevel(null), "none");
  assert.equal(formatMicros(850), "850 µs");
  assert.equal(formatMicros(12_345), "12.3 ms");
});
