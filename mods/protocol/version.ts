/**
 * The version of nunect: one for the whole project, every program, the dashboard, the router
 * artefacts and @nunect/client. It equals `version` in deno.json (`deno task version <new>`
 * changes both; a test checks them and every program's `--version`).
 */
export const NUNECT_VERSION = "0.1.0";

/**
 * What a program prints for `--version`: `nunect <program> <version>`, the same line everywhere.
 *
 * @param program the program's name, e.g. `guardian`, `dashboard`
 * @returns e.g. `nunect guardian 0.1.0`
 */
export function versionLine(program: string): string {
  return `nunect ${program} ${NUNECT_VERSION}`;
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

/**
 * Whether a text is a version nunect uses: `MAJOR.MINOR.PATCH`, optionally `-prerelease`.
 *
 * @param version e.g. `0.1.0`, `1.0.0-rc.1`
 * @returns true when it has that shape
 */
export function isVersion(version: string): boolean {
  return SEMVER.test(version);
}

/**
 * Orders two versions as semantic versioning does (a prerelease before its release; prerelease
 * identifiers compared numerically where both are numbers).
 *
 * @param a a version
 * @param b another
 * @returns negative when `a` is older, 0 when equal, positive when `a` is newer
 * @throws {TypeError} when either is not a version
 * @example
 * ```ts
 * compareVersions("0.1.0", "0.2.0") < 0; // true
 * compareVersions("1.0.0-rc.2", "1.0.0") < 0; // true
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (pa === null || pb === null) {
    throw new TypeError(`Invalid version "${pa === null ? a : b}": expected MAJOR.MINOR.PATCH`);
  }
  for (const i of [1, 2, 3]) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d;
  }
  const [ra, rb] = [pa[4], pb[4]];
  if (ra === rb) return 0;
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  const xa = ra.split(".");
  const xb = rb.split(".");
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const [x, y] = [xa[i], xb[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
