/**
 * The system's Chromium for UI tests, driven by playwright-core. Imported directly by the tests
 * that need it (not through the kit's mod.ts, so that the other tests do not load playwright).
 *
 * @module
 */
import { type Browser, chromium } from "playwright-core";

/** Headless, no sandbox, GPU or QUIC, and nothing that phones home or updates itself. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches /usr/bin/chromium headless for a test; close it when done.
 *
 * @returns the browser
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}
