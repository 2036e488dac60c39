import { NunectError } from "../protocol/mod.ts";

/** A request the controller refuses: bad name, unknown account or unit, conflicting state. */
export class IdentityRequestError extends NunectError {}

/** The account, user or unit asked for does not exist. */
export class IdentityNotFoundError extends IdentityRequestError {}

/**
 * The identity store on disk is missing, unreadable or inconsistent (for example keys without
 * their account record). The message says which file and what to run.
 */
export class IdentityStoreError extends NunectError {}

/** nats-server refused or did not answer a claims update or lookup. */
export class ClaimsPushError extends NunectError {}

/**
 * A change was made, but its audit record could be stored nowhere (neither the audit stream nor
 * the journal): it is not reported as done. The record is in the controller's log.
 */
export class UnrecordedChangeError extends NunectError {}
