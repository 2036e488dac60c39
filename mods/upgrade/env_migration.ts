/** What {@linkcode migrateEnv} changed in a `.env`. */
export interface EnvMigration {
  /** The new text (the old one when nothing changed). */
  readonly text: string;
  /** Secret variables it added, with fresh random values. */
  readonly added: readonly string[];
  /** Variables nunect does not know (any more): named, never removed. */
  readonly unknown: readonly string[];
}

/**
 * Brings an `.env` from an older nunect up to this one's contract: every secret variable of
 * `.env.example` that it lacks is added with a fresh random value (a new secret has no safe
 * default), and variables this nunect does not read are named so that the operator can delete
 * them. Nothing else is touched: comments, order and values stay.
 *
 * @param env the `.env` text
 * @param example the `.env.example` text of this nunect
 * @param known every variable name this nunect reads
 * @param secrets the secret ones among them
 * @param random makes a fresh secret
 * @param version this nunect's version, for the comment above added lines
 * @returns the new text and what changed
 */
export function migrateEnv(
  env: string,
  example: string,
  known: readonly string[],
  secrets: readonly string[],
  random: () => string,
  version: string,
): EnvMigration {
  const names = (text: string) =>
    new Set(
      text.split("\n").map((l) => /^\s*([A-Z0-9_]+)=/.exec(l)?.[1]).filter((n): n is string => !!n),
    );
  const have = names(env);
  const offered = names(example);
  const added = [...offered].filter((n) => secrets.includes(n) && !have.has(n));
  const unknown = [...have].filter((n) =>
    !known.includes(n) && !offered.has(n) && !n.startsWith("NUNECT_")
  );
  if (added.length === 0) return { text: env, added, unknown };
  const text = `${
    env.replace(/\n*$/, "\n")
  }\n# Added by nunect ${version}'s upgrade (new secrets, fresh random values)\n${
    added.map((n) => `${n}=${random()}`).join("\n")
  }\n`;
  return { text, added, unknown };
}
