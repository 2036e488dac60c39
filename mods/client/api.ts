/**
 * What every entry point of @nunect/client exports except `connect()`: each entry (`mod.ts`
 * for Deno and the `default` condition, `node.ts`, `browser.ts`) adds the `connect()` of its
 * runtime, so that one import line works everywhere with the same API.
 *
 * @module
 */
export { NunectClient } from "./client.ts";
export type {
  ConnectionState,
  HeadersInit,
  MsgHandler,
  PublishOptions,
  RequestOptions,
  StatusEvent,
  StatusType,
  SubscribeOptions,
} from "./client.ts";
export type { ConnectOptions } from "./options.ts";
export { backoffAfter, backoffDelay, retry } from "./backoff.ts";
export type { Backoff, RetryOptions } from "./backoff.ts";
export type { OutboxOptions, OutboxOverflow, OutboxStats } from "./outbox.ts";
export type { Payload } from "./payload.ts";
export { Logger } from "./logger.ts";
export type { LogFields, LogSender } from "./logger.ts";
export type { HeartbeatHandle, HeartbeatOptions } from "./heartbeat.ts";
export type { WebSocketConstructor, WebSocketLike } from "./ws_transport.ts";
export {
  CertificateError,
  ClientClosedError,
  ConnectError,
  InboxUnavailableError,
  InvalidOptionError,
  InvalidPayloadError,
  NoRespondersError,
  NotConnectedError,
  OutboxFullError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnsupportedTransportError,
} from "./errors.ts";
export type { CertificateReason } from "./errors.ts";
export { VERSION } from "./version.ts";
export { echoTiming, timestampNs } from "./echo_timing.ts";
export { signTelemetryWith, type TelemetryKey } from "./signed_telemetry.ts";
export type { EchoTiming } from "./echo_timing.ts";
export * from "../protocol/mod.ts";
export type {
  ConnectionOptions,
  Msg,
  MsgHdrs,
  NatsConnection,
  ServerInfo,
  Subscription,
  TlsOptions,
} from "./nats_types.ts";
