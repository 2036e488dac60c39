import { NunectError } from "../protocol/core.ts";

/** Output of chronyc or pmc that does not have the expected shape (a version we do not know). */
export class TimesyncParseError extends NunectError {}
