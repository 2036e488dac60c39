// mods/guardian/collect_garbage.ts: a full collection every interval when V8 exposes gc(), the
// guardian's real one under its memory settings, and nothing without --expose-gc.
import assert from "node:assert/strict";
import { collectGarbageEvery } from "../../mods/guardian/collect_garbage.ts";
import { guardianMemoryEnv, PROJECT_DIR, spawnProcess, until } from "../_kit/mod.ts";

Deno.test("collectGarbageEvery: nothing is scheduled when V8 does not expose gc()", () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
  assert.equal(collectGarbageEvery(10), undefined);
});

Deno.test("collectGarbageEvery: with the guardian's V8 flags, full collections every interval", async () => {
  const flags = (await guardianMemoryEnv()).DENO_V8_FLAGS ?? "";
  assert.match(flags, /(^|,)--expose-gc(,|$)/, "config/guardian_memory.env exposes gc()");
  const dir = await Deno.makeTempDir({ prefix: "nunect-gc-" });
  try {
    const program = `${dir}/main.ts`;
    await Deno.writeTextFile(
      program,
      `import { collectGarbageEvery } from "${PROJECT_DIR}/mods/guardian/collect_garbage.ts";\n` +
        `const stop = collectGarbageEvery(100);\n` +
        `console.log(stop ? "scheduled" : "not scheduled");\n` +
        `setTimeout(() => {}, 60_000);\n`,
    );
    await using p = spawnProcess(
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--no-prompt", `--allow-read=${PROJECT_DIR}`, program],
        env: { DENO_V8_FLAGS: `${flags},--trace-gc` },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    );
    await p.waitFor(/scheduled/, 30_000);
    assert.match(p.output().stdout, /^scheduled$/m);
    // gc() is traced as a Mark-Compact "testing"; three of them, 100 ms apart
    const collections = () => p.output().stdout.match(/Mark-Compact.* testing;/g)?.length ?? 0;
    await until(() => collections() >= 3, "three full collections", 30_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
