import { sections, type Variable } from "./schema.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random secret of letters and digits, safe in .env files and nats-server configuration.
 *
 * @param length number of characters (default 32)
 * @returns the secret; always starts with a letter
 */
export function randomSecret(length = 32): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]);
  chars[0] = ALPHABET[(bytes[0] ?? 0) % 52]!;
  return chars.join("");
}

/** Names of every variable marked secret in the contract. */
function secretNames(): Set<string> {
  const names = new Set<string>();
  for (const section of Object.values(sections)) {
    for (const v of Object.values(section as Record<string, Variable<unknown>>)) {
      if (v.secret) names.add(v.name);
    }
  }
  return names;
}

/**
 * Turns the text of .env.example into a .env text with a fresh random value for every secret.
 * Comments, order and every other value stay as they are.
 *
 * @param example the text of .env.example
 * @returns the text of a new .env
 */
export function withFreshSecrets(example: string): string {
  const secrets = secretNames();
  return example.split("\n").map((line) => {
    const m = /^([A-Z0-9_]+)=/.exec(line);
    return m && secrets.has(m[1]!) ? `${m[1]}=${randomSecret()}` : line;
  }).join("\n");
}

/**
 * Creates `<dir>/.env` from `<dir>/.env.example` with fresh random secrets, unless it exists.
 *
 * @param dir the project root
 * @returns true when the file was created, false when it already existed
 */
export async function ensureEnvFile(dir: string): Promise<boolean> {
  const target = `${dir}/.env`;
  try {
    await Deno.lstat(target);
    return false;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const example = await Deno.readTextFile(`${dir}/.env.example`);
  await Deno.writeTextFile(target, withFreshSecrets(example), { mode: 0o600, createNew: true });
  return true;
}

/**
 * Sets variables in the text of a .env file: a `NAME=` line that exists gets the new value in
 * place (comments and order stay), a missing one is appended.
 *
 * @param text the file's text
 * @param values variable name to value (a value is written as given: no quoting)
 * @returns the new text and the names whose value changed
 */
export function setEnvValues(
  text: string,
  values: Readonly<Record<string, string>>,
): { text: string; changed: string[] } {
  const changed: string[] = [];
  const done = new Set<string>();
  const lines = text.split("\n").map((line) => {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || !(m[1]! in values) || done.has(m[1]!)) return line;
    done.add(m[1]!);
    const value = values[m[1]!]!;
    if (m[2] !== value) changed.push(m[1]!);
    return `${m[1]}=${value}`;
  });
  const missing = Object.keys(values).filter((k) => !done.has(k));
  if (missing.length > 0) {
    if (lines.at(-1) === "") lines.pop();
    lines.push(...missing.map((k) => `${k}=${values[k]}`), "");
    changed.push(...missing);
  }
  return { text: lines.join("\n"), changed };
}
