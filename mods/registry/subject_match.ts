/**
 * Whether two subjects, either of which may hold wildcards, can name the same message: whether a
 * message published to some subject would match both. `*` matches one token, `>` one or more at
 * the end. This is the question "does a leaf node that subscribed to `a` need messages of `b`".
 *
 * @param a a subject or subscription
 * @param b a subject or subscription
 * @returns true when some subject matches both
 * @example
 * ```ts
 * subjectsOverlap("bridge.audio.>", "bridge.*.left"); // true
 * subjectsOverlap("bridge.audio.>", "bridge.audio");  // false: ">" needs a token
 * ```
 */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0;; i++) {
    const s = x[i];
    const t = y[i];
    if (s === undefined || t === undefined) return s === t;
    if (s === ">") return true; // t is a token (or more): ">" takes them
    if (t === ">") return true;
    if (s !== "*" && t !== "*" && s !== t) return false;
  }
}
