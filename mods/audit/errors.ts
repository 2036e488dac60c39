import { NunectError } from "../protocol/mod.ts";
import type { AuditRecord } from "./record.ts";

/** A record that would put a secret into the audit trail, or that does not fit the schema. */
export class InvalidAuditRecordError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidAuditRecordError";
}

/**
 * The audit trail did not store a record (no stream, no JetStream, no answer). A change that
 * needs its record is then refused, or, when it was made already, not answered as done.
 */
export class AuditUnavailableError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "AuditUnavailableError";
  /** The record that was not stored, when there is one (the caller keeps or reports it). */
  readonly record: AuditRecord | undefined;

  /**
   * Makes the error.
   *
   * @param message what was not stored and why, in std's voice
   * @param options the cause, and the record that was not stored
   */
  constructor(message: string, options?: ErrorOptions & { record?: AuditRecord }) {
    super(message, options);
    this.record = options?.record;
  }
}
