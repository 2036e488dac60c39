import { NunectError } from "../protocol/mod.ts";

/**
 * The dashboard has no connection yet to what a request needs (the SYS account, the OPS
 * account's units registry). The web app answers 503 and keeps retrying in the background.
 */
export class ServiceUnavailableError extends NunectError {}

/** What a request names does not exist (a connection, an account, a unit). */
export class NotFoundError extends NunectError {}

/** A request's parameters do not parse; the message names the parameter and what is expected. */
export class InvalidRequestError extends NunectError {}
