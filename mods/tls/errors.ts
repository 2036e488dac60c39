import { NunectError } from "../protocol/mod.ts";

/**
 * A certificate or key file that cannot be used: missing, unreadable under the program's
 * permission set, not PEM, or a key that belongs to another certificate. The message names the
 * variable or option and the path.
 */
export class CertificateFileError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "CertificateFileError";
  /** The file at fault. */
  readonly path: string;

  /**
   * Makes the error.
   *
   * @param path the file at fault
   * @param message what is wrong and what to do
   * @param options the underlying cause
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** openssl failed while making a certificate authority, key or certificate. */
export class OpensslError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "OpensslError";
}
