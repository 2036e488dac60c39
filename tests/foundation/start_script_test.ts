/**
 * The README's first command, as a newcomer runs it: `deno task start` (scripts/start.sh) in a
 * copy of the repository, with the data directory inside the project (`./.data/nats`, as
 * `.env.example` has it) — the case the test kit's temporary stacks do not take.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CURRENT_LAYOUT, readMarker } from "../../mods/upgrade/mod.ts";
import { PROJECT_DIR, spawnProcess, testEnv, until } from "../_kit/mod.ts";
import { tiedCommand } from "../_kit/tied.ts";

Deno.test("deno task start in a fresh copy of the repository: up, its data directory marked, stopped by Ctrl-C with nothing left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-start-" });
  try {
    // The tracked files only, as a clone has them.
    const copy = await new Deno.Command("bash", {
      args: ["-c", `git ls-files -z | tar --null -T - -cf - | tar -xf - -C "${dir}"`],
      cwd: PROJECT_DIR,
    }).output();
    assert.ok(copy.success, new TextDecoder().decode(copy.stderr));
    const env = await testEnv(dir, { NATS_DATA_DIR: "./.data/nats" });
    await Deno.writeTextFile(
      `${dir}/.env`,
      Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(""),
    );
    const start = spawnProcess(tiedCommand("bash", {
      args: ["scripts/start.sh"],
      cwd: dir,
      env: { DENO: Deno.execPath() },
      stdout: "piped",
      stderr: "piped",
    }));
    await start.waitFor("Ctrl-C stops everything", 180_000);
    const up = start.output();
    // A new data directory is marked with this release's layout, not "upgraded" from layout 0.
    assert.doesNotMatch(up.stdout, /Upgrading|Data layout/);
    const marker = await readMarker(`${dir}/.data/nats`);
    assert.equal(marker?.layout, CURRENT_LAYOUT);
    assert.doesNotMatch(up.stdout + up.stderr, /Cannot read|Warning: cannot write/);
    await until(async () => {
      const res = await fetch(`http://127.0.0.1:${env.DASHBOARD_PORT}/healthz`).catch(() => null);
      const body = await res?.json().catch(() => null);
      return res?.status === 200 && body?.nats === "connected";
    }, "the dashboard's /healthz to say connected");
    const { stdout } = await start.stop("SIGINT");
    assert.match(stdout, /Stopped; no process left behind/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
