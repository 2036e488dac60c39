// `deno task compile` (scripts/compile.sh): a runtime of the wrong kind is refused before deno
// compile runs, and without a runtime the script fails with a message saying how to give one.
import assert from "node:assert/strict";
import { PROJECT_DIR } from "../_kit/mod.ts";

async function compile(target: string, env: Record<string, string>) {
  const dist = await Deno.makeTempDir({ prefix: "nunect-dist-" });
  try {
    const out = await new Deno.Command("bash", {
      args: [`${PROJECT_DIR}/scripts/compile.sh`, target],
      env: { ...env, NUNECT_DIST: dist, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const files = [...Deno.readDirSync(dist)].map((e) => e.name);
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      files,
    };
  } finally {
    await Deno.remove(dist, { recursive: true });
  }
}

const version = Deno.version.deno;
const denoDir = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/deno`;

Deno.test("compile refuses a runtime of the wrong architecture or the full deno CLI", async () => {
  const wrongArch = await compile("aarch64", { DENORT_BIN_AARCH64: Deno.execPath() });
  assert.equal(wrongArch.code, 1);
  assert.match(wrongArch.stderr, /is a x86_64 binary, not aarch64/);
  const fullDeno = await compile("x86_64", { DENORT_BIN_X86_64: Deno.execPath() });
  assert.equal(fullDeno.code, 1);
  assert.match(fullDeno.stderr, /is the full deno CLI, not denort/);
  assert.deepEqual([...wrongArch.files, ...fullDeno.files], []);
});

Deno.test("compile without a runtime: a clear message, or a binary when denort is cached", async () => {
  const target = "aarch64-unknown-linux-gnu";
  const cached = `${denoDir}/dl/release/v${version}/denort-${target}.zip`;
  const haveRuntime = await Deno.stat(cached).then(() => true, () => false);
  const r = await compile("aarch64", {});
  if (haveRuntime) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.files, [`guardian-${target}`]);
  } else {
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`cannot get the Deno runtime \\(denort ${version}\\)`));
    assert.match(r.stderr, /DENORT_BIN_AARCH64=\/path\/to\/denort/);
    assert.ok(r.stderr.includes(cached), r.stderr);
    assert.deepEqual(r.files, []);
  }
});
