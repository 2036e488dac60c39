/**
 * One version everywhere: deno.json, the code's constant, @nunect/client, the npm manifest, every
 * program's `--version` (run under its production permission set) and the dashboard.
 */
import assert from "node:assert/strict";
import { compareVersions, NUNECT_VERSION } from "../../mods/protocol/mod.ts";
import { VERSION as CLIENT_VERSION } from "../../mods/client/mod.ts";
import { packageJson } from "../../scripts/build_npm.ts";
import { bumpVersion } from "../../scripts/version.ts";
import { PROJECT_DIR, runProgram, startNats } from "../_kit/mod.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";
import { ADMIN } from "../dashboard/_harness.ts";
import { login } from "../security/_http.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** Every program's entry, its permission set and the name it gives itself. */
const PROGRAMS = [
  { entry: "main.ts", set: "dashboard", name: "dashboard" },
  { entry: "mods/runtime/main.ts", set: "runtime", name: "runtime" },
  { entry: "mods/controller/main.ts", set: "controller", name: "controller" },
  { entry: "mods/guardian/main.ts", set: "guardian", name: "guardian" },
  { entry: "mods/history/main.ts", set: "history", name: "history" },
  { entry: "mods/alerts/main.ts", set: "alerts", name: "alerts" },
  { entry: "mods/config/main.ts", set: "config", name: "config" },
  { entry: "mods/tools/main.ts", set: "tools", name: "tools" },
  { entry: "mods/backup/main.ts", set: "backup", name: "backup" },
  { entry: "mods/registry/main.ts", set: "registry", name: "registry" },
  { entry: "mods/upgrade/main.ts", set: "upgrade", name: "upgrade" },
  { entry: "mods/cli/main.ts", set: "cli", name: "cli" },
  { entry: "mods/tls/main.ts", set: "certs", name: "certs" },
  { entry: "scripts/release.ts", set: "release", name: "release" },
] as const;

Deno.test("the version in deno.json is the code's, the client's and the npm package's", () => {
  assert.match(denoJson.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  assert.equal(NUNECT_VERSION, denoJson.version);
  assert.equal(CLIENT_VERSION, denoJson.version);
  assert.equal(packageJson(denoJson).version, denoJson.version);
});

Deno.test("every program answers --version with nunect's version, under its permission set", async () => {
  const entries: string[] = [];
  for await (const mod of Deno.readDir(`${PROJECT_DIR}/mods`)) {
    const main = `mods/${mod.name}/main.ts`;
    if (await Deno.stat(`${PROJECT_DIR}/${main}`).then(() => true, () => false)) entries.push(main);
  }
  const listed: readonly string[] = PROGRAMS.map((p) => p.entry);
  for (const entry of entries) {
    assert.ok(listed.includes(entry), `${entry} is a program: add it to PROGRAMS with its set`);
  }
  await Promise.all(PROGRAMS.map(async (p) => {
    const r = await runProgram({ permissionSet: p.set, entry: p.entry, args: ["--version"] });
    assert.equal(r.code, 0, `${p.entry} --version: ${r.stderr}`);
    assert.equal(r.stdout.trim(), `nunect ${p.name} ${denoJson.version}`, p.entry);
  }));
});

Deno.test("every command with options refuses an unknown one plainly: exit 1, no stack trace", async () => {
  const commands = ["runtime", "config", "tools", "backup", "upgrade", "certs", "controller"];
  await Promise.all(
    PROGRAMS.filter((p) => commands.includes(p.name)).map(async (p) => {
      const r = await runProgram({ permissionSet: p.set, entry: p.entry, args: ["--bogus"] });
      assert.equal(r.code, 1, `${p.entry} --bogus: ${r.stderr}`);
      assert.match(r.stderr, /Unknown option '--bogus'.*\(see --help\)/, p.entry);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${p.entry} printed a stack trace`);
    }),
  );
});

Deno.test("the dashboard reports the version in /healthz and on its pages", async () => {
  await using ns = await startNats();
  await using dashboard = await startDashboardProgram(ns);
  const health = await (await fetch(`${dashboard.url}/healthz`)).json() as { version: string };
  assert.equal(health.version, denoJson.version);
  assert.match(
    dashboard.program.output().stdout,
    new RegExp(`nunect dashboard ${denoJson.version} `),
  );
  const browser = await login(dashboard.url, ADMIN.user, ADMIN.password);
  const page = await (await fetch(`${dashboard.url}/`, { headers: { cookie: browser.cookie } }))
    .text();
  assert.ok(page.includes(`nunect ${denoJson.version}`), "the page header names the version");
});

Deno.test("deno task version changes deno.json, the constant and the changelog together", () => {
  const changelog = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- a thing\n\n" +
    "## [0.1.0] - 2026-12-01\n\n- first\n\n" +
    "[Unreleased]: https://example.test/compare/v0.1.0...HEAD\n" +
    "[0.1.0]: https://example.test/releases/tag/v0.1.0\n";
  const out = bumpVersion(
    {
      denoJson: '{\n  "version": "0.1.0",\n  "tasks": {}\n}\n',
      versionTs: 'export const NUNECT_VERSION = "0.1.0";\n',
      changelog,
    },
    "0.2.0",
    "2027-01-02",
  );
  assert.equal(out.denoJson, '{\n  "version": "0.2.0",\n  "tasks": {}\n}\n');
  assert.equal(out.versionTs, 'export const NUNECT_VERSION = "0.2.0";\n');
  assert.match(
    out.changelog,
    /## \[Unreleased\]\n\n## \[0\.2\.0\] - 2027-01-02\n\n### Added\n\n- a thing/,
  );
  assert.match(
    out.changelog,
    /\[Unreleased\]: https:\/\/example\.test\/compare\/v0\.2\.0\.\.\.HEAD/,
  );
  assert.match(
    out.changelog,
    /\[0\.2\.0\]: https:\/\/example\.test\/compare\/v0\.1\.0\.\.\.v0\.2\.0/,
  );
  assert.throws(
    () => bumpVersion({ denoJson: "{}", versionTs: "", changelog }, "0.2", "2027-01-02"),
    /Invalid version "0\.2"/,
  );
  assert.throws(
    () =>
      bumpVersion(
        {
          denoJson: '{ "version": "0.1.0" }',
          versionTs: 'NUNECT_VERSION = "0.1.0"',
          changelog,
        },
        "0.1.0",
        "2027-01-02",
      ),
    /already 0\.1\.0/,
  );
});

Deno.test("versions order as semantic versioning orders them", () => {
  const ordered = ["0.1.0-rc.1", "0.1.0-rc.2", "0.1.0-rc.10", "0.1.0", "0.1.1", "0.2.0", "1.0.0"];
  for (let i = 0; i < ordered.length - 1; i++) {
    assert.ok(
      compareVersions(ordered[i]!, ordered[i + 1]!) < 0,
      `${ordered[i]} < ${ordered[i + 1]}`,
    );
    assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0);
  }
  assert.equal(compareVersions("0.1.0", "0.1.0"), 0);
  assert.throws(() => compareVersions("0.1", "0.1.0"), /Invalid version "0\.1"/);
});

Deno.test("the GitHub Actions workflow runs .ci/run, the script developers run", async () => {
  const workflow = await Deno.readTextFile(`${PROJECT_DIR}/.github/workflows/ci.yml`);
  const runs = [...workflow.matchAll(/^\s+run: (.+)$/gm)].map((m) => m[1]!.trim());
  assert.equal(runs.at(-1), ".ci/run", "the last step is .ci/run, word for word");
  assert.ok((await Deno.stat(`${PROJECT_DIR}/.ci/run`)).mode! & 0o100, ".ci/run is executable");
});
