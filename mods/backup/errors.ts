import { NunectError } from "../protocol/mod.ts";

/** A backup or restore that cannot go on; the message says what is wrong and what to do. */
export class BackupError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "BackupError";
}

/** An archive that does not decrypt: a wrong passphrase, or a damaged or truncated file. */
export class PassphraseError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "PassphraseError";
}
