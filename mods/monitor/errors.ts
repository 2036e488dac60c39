import { NunectError } from "../protocol/mod.ts";

/**
 * The monitoring endpoint could not be reached: connection refused, DNS failure, TLS failure or
 * no answer within the timeout. The message names the URL and what to check.
 */
export class MonitorUnreachableError extends NunectError {
  /** The URL that was requested. */
  readonly url: string;

  /**
   * Creates the error for a URL that could not be reached.
   *
   * @param url the URL that was requested
   * @param detail what went wrong and what to check
   * @param options the underlying cause
   */
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super(`NATS monitoring endpoint "${url}" is unreachable: ${detail}`, options);
    this.url = url;
  }
}

/** The monitoring endpoint did not answer within the timeout. */
export class MonitorTimeoutError extends MonitorUnreachableError {
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates the error for a request that timed out.
   *
   * @param url the URL that was requested
   * @param timeoutMs the timeout that expired
   * @param options the underlying cause
   */
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      url,
      `no answer within ${timeoutMs} ms: check that nats-server is running, that http_port ` +
        `(NATS_HTTP_PORT) is set and that nothing blocks the port`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The monitoring endpoint answered, but not with what was expected: an HTTP error status, a body
 * that is not JSON, or JSON that does not match the endpoint's schema.
 */
export class MonitorResponseError extends NunectError {
  /** The URL that was requested. */
  readonly url: string;
  /** The HTTP status (200 when the body was the problem). */
  readonly status: number;
  /** The first 200 characters of the body. */
  readonly body: string;

  /**
   * Creates the error for an unexpected answer.
   *
   * @param url the URL that was requested
   * @param status the HTTP status
   * @param body the response body (kept as an excerpt)
   * @param detail what is wrong
   * @param options the underlying cause
   */
  constructor(url: string, status: number, body: string, detail: string, options?: ErrorOptions) {
    const excerpt = body.length > 200 ? `${body.slice(0, 200)}…` : body;
    super(`Unexpected answer from "${url}" (HTTP ${status}): ${detail}: ${excerpt}`, options);
    this.url = url;
    this.status = status;
    this.body = excerpt;
  }
}

/** A monitoring URL that is not an absolute http(s) URL. */
export class InvalidMonitorUrlError extends NunectError {}

/** A `$SYS` request was refused or could not be sent (e.g. the connection is not a SYS user). */
export class SysRequestError extends NunectError {}
