/**
 * `deno task version <new>`: sets nunect's one version in deno.json and mods/protocol/version.ts
 * and turns the changelog's Unreleased section into the new version's, dated today (Keep a
 * Changelog). Refuses a version that is not newer.
 *
 * @module
 */
import { compareVersions, isVersion } from "../mods/protocol/mod.ts";

/** The three files a version change touches, as text. */
export interface VersionFiles {
  /** deno.json */
  readonly denoJson: string;
  /** mods/protocol/version.ts */
  readonly versionTs: string;
  /** CHANGELOG.md */
  readonly changelog: string;
}

/**
 * The files with the version changed.
 *
 * @param files the current texts
 * @param next the new version
 * @param date the release date, `YYYY-MM-DD`
 * @returns the new texts
 * @throws {Error} for a version that is not MAJOR.MINOR.PATCH or not newer than the current one
 */
export function bumpVersion(files: VersionFiles, next: string, date: string): VersionFiles {
  if (!isVersion(next)) {
    throw new Error(`Invalid version "${next}": expected MAJOR.MINOR.PATCH, e.g. 0.2.0`);
  }
  const current = /^ {2}"version": "([^"]+)"/m.exec(files.denoJson)?.[1] ??
    /"version": "([^"]+)"/.exec(files.denoJson)?.[1];
  if (current === undefined) throw new Error('deno.json has no "version"');
  if (compareVersions(next, current) <= 0) {
    throw new Error(
      `Invalid version "${next}": nunect is already ${current}; a release takes a newer one`,
    );
  }
  const changelog = files.changelog
    .replace(/^## \[Unreleased\]\n/m, `## [Unreleased]\n\n## [${next}] - ${date}\n`)
    .replace(
      /^\[Unreleased\]: (.*)\/compare\/v([^.\s]+\.[^.\s]+\.[^.\s]+)\.\.\.HEAD$/m,
      (_m, base: string) =>
        `[Unreleased]: ${base}/compare/v${next}...HEAD\n[${next}]: ${base}/compare/v${current}...v${next}`,
    );
  return {
    denoJson: files.denoJson.replace(`"version": "${current}"`, `"version": "${next}"`),
    versionTs: files.versionTs.replace(
      /NUNECT_VERSION = "[^"]+"/,
      `NUNECT_VERSION = "${next}"`,
    ),
    changelog,
  };
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const next = Deno.args[0];
  if (next === undefined || Deno.args.length !== 1) {
    console.error("Usage: deno task version <new version>, e.g. deno task version 0.2.0");
    Deno.exit(1);
  }
  const paths = {
    denoJson: `${root}deno.json`,
    versionTs: `${root}mods/protocol/version.ts`,
    changelog: `${root}CHANGELOG.md`,
  } as const;
  const files: VersionFiles = {
    denoJson: await Deno.readTextFile(paths.denoJson),
    versionTs: await Deno.readTextFile(paths.versionTs),
    changelog: await Deno.readTextFile(paths.changelog),
  };
  let out: VersionFiles;
  try {
    out = bumpVersion(files, next, new Date().toISOString().slice(0, 10));
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
  for (const key of Object.keys(paths) as (keyof VersionFiles)[]) {
    await Deno.writeTextFile(paths[key], out[key]);
  }
  console.log(
    `nunect is now ${next}: deno.json, mods/protocol/version.ts and CHANGELOG.md changed; ` +
      "review them, commit, then `deno task release`",
  );
}
