import { existsSync } from "node:fs";
import { toolsCacheDir } from "../../mods/tools/mod.ts";

/**
 * A program from a Debian package that `scripts/setup.sh test` unpacks into nunect's cache
 * ({@linkcode toolsCacheDir}) instead of installing it (installing would start a host service or
 * replace one): the variable `variable` when set, else the unpacked copy, else `fallback`.
 *
 * @param variable the environment variable that names the binary, e.g. `NGINX_BIN`
 * @param inPackage its path inside the unpacked package in the cache, e.g. `nginx/usr/sbin/nginx`
 * @param fallback the program when it is not unpacked, e.g. `/usr/sbin/nginx` or a name on PATH
 * @returns the binary to run
 */
export function unpackedBin(variable: string, inPackage: string, fallback: string): string {
  const given = Deno.env.get(variable);
  if (given) return given;
  const cache = `${toolsCacheDir()}/${inPackage}`;
  return existsSync(cache) ? cache : fallback;
}
