import { NunectError } from "../protocol/mod.ts";

/** What a console object is, for messages. */
export type ObjectKind =
  | "account"
  | "stream"
  | "consumer"
  | "message"
  | "bucket"
  | "key"
  | "object"
  | "service";

/** A stream, consumer, message, bucket, key, object, service or account that does not exist. */
export class NotFoundError extends NunectError {
  /** What was looked for. */
  readonly kind: ObjectKind;
  /** Its name (or sequence, for a message). */
  readonly objectName: string;

  /**
   * Names what was looked for, its name and where.
   *
   * @param kind what was looked for
   * @param name its name
   * @param where where it was looked for, e.g. `in stream "ORDERS"`
   * @param options the underlying cause
   */
  constructor(kind: ObjectKind, name: string, where: string, options?: ErrorOptions) {
    const what = kind[0]!.toUpperCase() + kind.slice(1);
    super(`${what} "${name}" not found${where ? ` ${where}` : ""}`, options);
    this.kind = kind;
    this.objectName = name;
  }
}

/** One problem with a field of a request or configuration. */
export interface FieldIssue {
  /** The field, dotted (`sources.0.name`), or "" for the whole object. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * Input that does not validate (a stream or consumer configuration, a purge request, a key name):
 * every problem at once, each naming its field, so a form can show them next to the fields.
 */
export class InvalidInputError extends NunectError {
  /** Each problem with the field it concerns. */
  readonly issues: readonly FieldIssue[];

  /**
   * Lists every problem of the input, each with its field.
   *
   * @param what what was being validated, e.g. `stream configuration`
   * @param issues the problems
   * @param options the underlying cause (a ZodError)
   */
  constructor(what: string, issues: readonly FieldIssue[], options?: ErrorOptions) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super(`Invalid ${what}: ${list}`, options);
    this.issues = issues;
  }
}

/**
 * nats-server refused a JetStream request. Carries the server's status and error code, and the
 * configuration field the error concerns where it is known, so a form shows it next to that field.
 */
export class ServerRefusedError extends NunectError {
  /** HTTP-like status the server gave (400, 404, 500, 503). */
  readonly status: number;
  /** The server's JetStream error code (10065 = subjects overlap, …), 0 when none. */
  readonly errCode: number;
  /** The server's own description. */
  readonly description: string;
  /** The configuration field concerned, when known. */
  readonly field: string | null;

  /**
   * Names what was asked and keeps the server's status, code and description.
   *
   * @param action what was asked, e.g. `create stream "ORDERS"`
   * @param status the server's status
   * @param errCode the server's error code
   * @param description the server's description
   * @param field the configuration field concerned, or null
   * @param options the underlying cause
   */
  constructor(
    action: string,
    status: number,
    errCode: number,
    description: string,
    field: string | null,
    options?: ErrorOptions,
  ) {
    super(
      `nats-server refused to ${action}: ${description}${errCode ? ` (error ${errCode})` : ""}`,
      options,
    );
    this.status = status;
    this.errCode = errCode;
    this.description = description;
    this.field = field;
  }
}

/** The console has no connection into an account (unknown account, refused credentials, no JetStream). */
export class AccountUnavailableError extends NunectError {
  /** The account. */
  readonly account: string;

  /**
   * Names the account and why it cannot be used.
   *
   * @param account the account
   * @param detail why, and what to do
   * @param options the underlying cause
   */
  constructor(account: string, detail: string, options?: ErrorOptions) {
    super(`Account "${account}" is unavailable: ${detail}`, options);
    this.account = account;
  }
}

/**
 * A publish to a subject the console keeps for its own APIs (`$JS.>`, `$KV.>`, `$O.>`, `$SYS.>`,
 * `$SRV.>`): raw publishing there would bypass the checks of the stream, KV and object pages.
 */
export class ReservedSubjectError extends NunectError {}
