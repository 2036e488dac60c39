/**
 * `deno task doc`: `deno doc --lint` over the public API of every module (each `mods/<name>/mod.ts`
 * and the test kit), as part of `deno task ok`. Every exported declaration must have JSDoc, an
 * explicit type and only public types in its signature; any diagnostic fails, with no exceptions.
 *
 * What that asks of wire types: each is a written-out, documented interface beside its zod
 * schema, pinned to it with `Agrees` (mods/protocol/wire_schema.ts); signatures that take a
 * schema take `WireSchema<T>`; the nats.js types the API hands out have documented aliases of
 * ours (mods/client/nats_types.ts, mods/jetstream/nats_types.ts). The zod schemas themselves
 * are imported from the file that defines them, not from a mod.ts.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The entry modules linted: every `mods/<name>/mod.ts` and the test kit.
 *
 * @returns their paths, relative to the repository
 */
export function entries(): string[] {
  return [
    ...[...Deno.readDirSync(`${ROOT}/mods`)]
      .filter((d) => d.isDirectory)
      .map((d) => `mods/${d.name}/mod.ts`)
      .filter((f) => {
        try {
          return Deno.statSync(`${ROOT}/${f}`).isFile;
        } catch {
          return false;
        }
      })
      .sort(),
    "tests/_kit/mod.ts",
  ];
}

if (import.meta.main) {
  const modules = entries();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...modules],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    console.error(`deno doc --lint on ${modules.length} modules failed (see above)`);
    Deno.exit(1);
  }
  console.log(`deno doc --lint on ${modules.length} modules: no problems`);
}
