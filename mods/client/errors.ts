import { NunectError } from "../protocol/core.ts";

/** A connect option that is missing, of the wrong type or contradicts another. */
export class InvalidOptionError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidOptionError";
}

/** A payload that cannot be serialised to JSON (cycles, BigInt, functions, `undefined`). */
export class InvalidPayloadError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidPayloadError";
}

/** A payload (with its headers) larger than the server's `max_payload`. */
export class PayloadTooLargeError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "PayloadTooLargeError";
}

/** A server URL whose scheme this runtime cannot dial (e.g. `nats://` in a browser). */
export class UnsupportedTransportError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "UnsupportedTransportError";
}

/** A request that got no reply within its timeout. */
export class RequestTimeoutError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "RequestTimeoutError";
}

/** A request to a subject that nobody subscribes to (the server answered 503 at once). */
export class NoRespondersError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "NoRespondersError";
}

/** The unit's inbox cannot be had: the server refused its consumer (no inbox stream, permissions). */
export class InboxUnavailableError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InboxUnavailableError";
}

/** An operation on a client that is closed or draining. */
export class ClientClosedError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "ClientClosedError";
}

/** An operation that needs a live connection (e.g. `rtt()`) while reconnecting. */
export class NotConnectedError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "NotConnectedError";
}

/** The first connect failed (refused, timed out, authorization violation); `cause` says why. */
export class ConnectError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "ConnectError";
}

/** Why a certificate was refused, by whichever side refused it. */
export type CertificateReason =
  | "untrusted"
  | "expired"
  | "name-mismatch"
  | "required"
  | "rejected"
  | "key-mismatch"
  | "unreadable";

/**
 * A TLS connection failed because of a certificate: the server's (untrusted, expired, for
 * another name) or the client's (missing, rejected by the server, not matching its key), or a
 * certificate file that cannot be read. The message names the certificate and the reason.
 */
export class CertificateError extends ConnectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "CertificateError";
  /** Whose certificate: the server's, the client's own, or the CA file given. */
  readonly certificate: "server" | "client" | "ca";
  /** What is wrong with it. */
  readonly reason: CertificateReason;

  /**
   * Makes the error; the connect functions throw it.
   *
   * @param message names the certificate and the reason
   * @param certificate whose certificate
   * @param reason what is wrong with it
   * @param options the runtime's own error as the cause
   */
  constructor(
    message: string,
    certificate: "server" | "client" | "ca",
    reason: CertificateReason,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.certificate = certificate;
    this.reason = reason;
  }
}

/** A publish while disconnected found the outbox full and its overflow policy is `"error"`. */
export class OutboxFullError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "OutboxFullError";
}
