/**
 * Node.js versions for consumer tests: the machine's `node`, and others from the npm `node`
 * package (a Node binary per version), fetched by `npx` once and then taken from npm's cache.
 *
 * @module
 */

/** The Node versions the npm package is tested on besides the machine's own. */
export const NODE_VERSIONS = { node22: "22.23.3", node24: "24.21.0" } as const;

const resolved = new Map<string, Promise<string>>();

/**
 * The path of a Node binary of exactly `version`: the npm `node` package run through
 * `npx -y node@<version>` (downloaded on first use, cached by npm afterwards), asked for its own
 * `process.execPath`, so that later runs skip npx. Resolved once per test process.
 *
 * @param version an exact version, e.g. `"22.23.3"`
 * @returns the absolute path of the `node` binary
 * @throws {Error} with npx's output when the package cannot be fetched or run
 * @example
 * ```ts
 * const node22 = await nodeBinary(NODE_VERSIONS.node22);
 * await new Deno.Command(node22, { args: ["--version"] }).output();
 * ```
 */
export function nodeBinary(version: string): Promise<string> {
  let path = resolved.get(version);
  if (path === undefined) {
    path = (async () => {
      const out = await new Deno.Command("npx", {
        args: ["-y", `node@${version}`, "-p", "process.execPath"],
        stdout: "piped",
        stderr: "piped",
        env: { npm_config_loglevel: "error", npm_config_update_notifier: "false" },
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      if (!out.success || !text.startsWith("/")) {
        throw new Error(
          `npx -y node@${version} failed: ${text}${new TextDecoder().decode(out.stderr)}`,
        );
      }
      return text;
    })();
    resolved.set(version, path);
  }
  return path;
}
