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

/** A Chromium started by the kit. Dispose to close it and remove its home. */
export interface TestBrowser extends AsyncDisposable {
  /** The playwright browser. */
  readonly browser: Browser;
}

/**
 * Launches Debian's Chromium (`/usr/bin/chromium`, headless) through playwright-core. With
 * `trustCa`, the CA is added to an NSS database in a throw-away home directory
 * (`$HOME/.pki/nssdb`, as `deno task certs` tells users to do with certutil), so pages over
 * HTTPS and wss:// are verified against it as a real browser would: names, dates and chain.
 *
 * @param options `trustCa`: a CA certificate (PEM path) the browser trusts
 * @returns the browser
 * @throws {Error} when certutil (Debian's libnss3-tools) is missing or fails
 */
export async function launchTrustingChromium(
  options: { trustCa?: string } = {},
): Promise<TestBrowser> {
  const home = await Deno.makeTempDir({ prefix: "nunect-chromium-" });
  if (options.trustCa !== undefined) {
    const db = `sql:${home}/.pki/nssdb`;
    await Deno.mkdir(`${home}/.pki/nssdb`, { recursive: true });
    for (
      const args of [
        ["-N", "-d", db, "--empty-password"],
        ["-A", "-d", db, "-n", "nunect test CA", "-t", "C,,", "-i", options.trustCa],
      ]
    ) {
      const out = await new Deno.Command("certutil", { args, stdout: "null", stderr: "piped" })
        .output().catch((e) => {
          throw new Error(`Cannot run certutil (apt-get install libnss3-tools): ${e.message}`);
        });
      if (!out.success) {
        throw new Error(`certutil ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
      }
    }
  }
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    env: { ...Deno.env.toObject(), HOME: home },
  });
  return {
    browser,
    async [Symbol.asyncDispose]() {
      await browser.close();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}
