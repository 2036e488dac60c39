/**
 * `deno task doc`: `deno doc --lint` over the public API of every module (each `mods/<name>/mod.ts`
 * and the test kit), as part of `deno task ok`. Every exported declaration of this project must
 * have JSDoc, an explicit type and only public types in its signature, with two documented
 * exceptions that the tool cannot see through:
 *
 * - wire types derived from their zod schemas (`type Varz = z.infer<typeof varzSchema>`), the
 *   schemas themselves and signatures taking a schema (`z.ZodType<T>`): the schema is the one
 *   definition, its type has no name of ours (zod's `output`, `input`, `ZodType`), and writing
 *   every wire type out by hand would duplicate each schema;
 * - declarations of npm packages the client re-exports (nats.js's `Msg`, `MsgHdrs`, …): theirs
 *   to document.
 *
 * Both are counted and printed; anything else fails.
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** One diagnostic of `deno doc --lint`. */
interface Diagnostic {
  readonly rule: string;
  readonly message: string;
  readonly file: string;
  readonly text: string;
}

/**
 * Whether a diagnostic is one of the two documented exceptions.
 *
 * @param d the diagnostic
 * @returns `zod` or `npm` for an exception, undefined otherwise
 */
export function exception(d: Diagnostic): "zod" | "npm" | undefined {
  if (!d.file.startsWith(`${ROOT}/`)) return "npm";
  if (
    d.rule === "private-type-ref" &&
    /references private type '(output|input|ZodType|\w+Schemas?)'/.test(d.message)
  ) {
    return "zod";
  }
  if (d.rule === "missing-explicit-type" && /^\s*\d+ \| export const \w+Schema\b/m.test(d.text)) {
    return "zod";
  }
  return undefined;
}

/**
 * Splits the output of `deno doc --lint` into diagnostics.
 *
 * @param output what it printed (without colours)
 * @returns the diagnostics
 */
export function parseDiagnostics(output: string): Diagnostic[] {
  return output.split(/\n(?=error\[)/).flatMap((block) => {
    const head = /^error\[([\w-]+)\]: (.*)$/m.exec(block);
    const at = /-->\s+(\S+?):\d+:\d+/.exec(block);
    if (!head || !at) return [];
    return [{ rule: head[1]!, message: head[2]!, file: at[1]!, text: block.trim() }];
  });
}

if (import.meta.main) {
  const entries = [
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
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...entries],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const all = parseDiagnostics(text);
  const counted = { zod: 0, npm: 0 };
  const failing = all.filter((d) => {
    const kind = exception(d);
    if (kind) counted[kind]++;
    return kind === undefined;
  });
  for (const d of failing) console.error(`${d.text}\n`);
  console.log(
    `deno doc --lint on ${entries.length} modules: ${failing.length} problems; not counted: ` +
      `${counted.zod} on zod-derived wire types, ${counted.npm} in re-exported npm declarations`,
  );
  if (failing.length > 0 || (!out.success && all.length === 0)) Deno.exit(1);
}
