// What the router's guardian evaluates when it starts: every module costs it resident memory
// (README, "Router artefact"; issue 15's target is 1.3x an idle Deno), so its bundle holds none of
// what only other programs use: zod and the message schemas (the dashboard's), node:util's
// argument parser, the proxy sites and .env writing of mods/config.
import assert from "node:assert/strict";
import { PROJECT_DIR } from "../_kit/mod.ts";

/** `deno bundle` of the guardian, as scripts/build_router.sh makes it when `minify`. */
async function bundle(minify: boolean): Promise<string> {
  const out = await Deno.makeTempFile({ prefix: "nunect-guardian-", suffix: ".js" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "deno",
        ...(minify ? ["--minify", "--keep-names"] : []),
        "-o",
        out,
        "mods/guardian/main.ts",
      ],
      cwd: PROJECT_DIR,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out);
  }
}

Deno.test("the guardian's bundle holds no zod, no message schemas and no node: module", async () => {
  // esbuild heads each module's code with `// <path>` when it does not minify
  const modules = [...(await bundle(false)).matchAll(/^\/\/ (\S+)$/gm)].map((m) => m[1]!);
  assert.ok(modules.includes("mods/guardian/main.ts"), modules.join(" "));
  assert.ok(modules.includes("mods/config/schema.ts"), modules.join(" "));
  const unwanted =
    /\/zod\/|mods\/protocol\/(messages|decode)\.ts|mods\/config\/(proxy_site|command_line|env_file|obsolete)\.ts/;
  assert.deepEqual(modules.filter((m) => unwanted.test(m)), []);
  const minified = await bundle(true);
  assert.doesNotMatch(minified, /ZodError|\$ZodType/);
  assert.deepEqual(minified.match(/from\s*"node:[^"]*"/g) ?? [], []);
});
