import { NUNECT_VERSION } from "../protocol/version.ts";

/** The @nunect/client version: nunect's one version (equals `version` in deno.json). */
export const VERSION: string = NUNECT_VERSION;
