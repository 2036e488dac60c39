import { NunectError } from "../protocol/mod.ts";

/** A data directory written by a newer nunect: running an older one on it could lose data. */
export class DowngradeError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "DowngradeError";
}

/** A migration that failed; nothing after it ran and the marker still names the older layout. */
export class MigrationError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "MigrationError";
}
