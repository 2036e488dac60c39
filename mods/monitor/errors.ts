import { NunectError } from "../protocol/mod.ts";
import type { FeatureInfo } from "./features.ts";

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

/**
 * The running nats-server lacks a feature of {@linkcode FEATURES}: nunect's one "requires a newer
 * nats-server" error (the dashboard answers it with 501), thrown before anything is sent. The
 * message names the feature, the release that brings it and what runs, e.g.
 * `Disconnecting a client ($SYS.REQ.SERVER.<id>.KICK) requires nats-server ≥ 2.10.0 (server
 * "hub" runs 2.9.10)`. Throw it with {@linkcode requireFeature}.
 */
export class FeatureUnavailableError extends NunectError {
  /** The feature's key in `FEATURES`, e.g. `"kick"`. */
  readonly feature: string;
  /** The first release that has it. */
  readonly requires: string;
  /** The version the server runs (or what is known of it, e.g. `an older release`). */
  readonly running: string;
  /** The server's name or URL, when the request concerns one server. */
  readonly server: string | undefined;

  /**
   * Creates the error for a feature of `FEATURES`.
   *
   * @param feature the feature (an entry of `FEATURES`)
   * @param running the version the server runs
   * @param server the server's name or URL, when known
   */
  constructor(feature: FeatureInfo, running: string, server?: string) {
    const who = server === undefined ? "the server" : `server "${server}"`;
    super(`${feature.title} requires nats-server ≥ ${feature.requires} (${who} runs ${running})`);
    this.feature = feature.feature;
    this.requires = feature.requires;
    this.running = running;
    this.server = server;
  }
}

/** A server refused or failed a `$SYS` action (KICK, LDM, RELOAD, PROFILEZ), with its reason. */
export class ServerActionError extends NunectError {
  /** The server's error code, when it gave one. */
  readonly code: number | undefined;

  /**
   * Keeps the server's description and error code.
   *
   * @param message what failed, with the server's description
   * @param code the server's error code
   */
  constructor(message: string, code?: number) {
    super(message);
    this.code = code;
  }
}
