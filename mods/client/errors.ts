import { NunectError } from "../protocol/mod.ts";

/** A connect option that is missing, of the wrong type or contradicts another. */
export class InvalidOptionError extends NunectError {}

/** A payload that cannot be serialised to JSON (cycles, BigInt, functions, `undefined`). */
export class InvalidPayloadError extends NunectError {}

/** A payload (with its headers) larger than the server's `max_payload`. */
export class PayloadTooLargeError extends NunectError {}

/** A server URL whose scheme this runtime cannot dial (e.g. `nats://` in a browser). */
export class UnsupportedTransportError extends NunectError {}

/** A request that got no reply within its timeout. */
export class RequestTimeoutError extends NunectError {}

/** A request to a subject that nobody subscribes to (the server answered 503 at once). */
export class NoRespondersError extends NunectError {}

/** An operation on a client that is closed or draining. */
export class ClientClosedError extends NunectError {}

/** An operation that needs a live connection (e.g. `rtt()`) while reconnecting. */
export class NotConnectedError extends NunectError {}

/** The first connect failed (refused, timed out, authorization violation); `cause` says why. */
export class ConnectError extends NunectError {}
