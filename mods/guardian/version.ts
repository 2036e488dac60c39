/** The guardian's version; equals `version` in deno.json (a test checks it). */
export const GUARDIAN_VERSION = "0.1.0";
