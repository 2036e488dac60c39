import { NunectError } from "../protocol/mod.ts";

/** Input about a dashboard user or token that does not parse (a name, a role, an account). */
export class InvalidAccessInputError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidAccessInputError";
}

/** A user or token that does not exist (or no longer does). */
export class UnknownAccessError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "UnknownAccessError";
}

/** A change that conflicts with what is stored: a user that exists, a concurrent edit. */
export class AccessConflictError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "AccessConflictError";
}

/**
 * A request beyond the asker's rights: a role too low, an account outside its scope, a token
 * asking for more than its user has.
 */
export class AccessDeniedError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "AccessDeniedError";
}

/**
 * The users, tokens or login sessions bucket could not be read (JetStream slow or away): the request is answered
 * 503 and nothing is concluded from the missing answer (a session is not ended for it).
 */
export class AccessStoreUnavailableError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "AccessStoreUnavailableError";
}
