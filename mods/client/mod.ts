/**
 * @nunect/client: one NATS client for Deno, Node and browsers that speaks the nunect protocol.
 * `connect()` gives a {@linkcode NunectClient} that publishes with the standard headers
 * (`X-Unit-ID`, `X-TX-Timestamp`, `X-Seq`), subscribes, requests with typed timeout and
 * no-responders errors, measures native and application RTT in microseconds, answers echo
 * requests, sends heartbeats and logs to `ops.log.<level>.<unit>`.
 *
 * Transports: `ws://`/`wss://` everywhere there is a WebSocket; `nats://`/`tls://` in Deno
 * (Deno's own TCP, TCP_NODELAY). In Node, import from `@nunect/client/node` for TCP (and for
 * WebSocket on Node 20 via the `ws` package). This module never touches `Deno.*` or `node:*`
 * at import time, so it bundles for browsers.
 *
 * @example
 * ```ts
 * import { connect } from "@nunect/client";
 * await using client = await connect({ servers: "nats://127.0.0.1:4222", unitId: "press-4" });
 * client.publish("line.4.count", { n: 17 });
 * const reply = await client.request("line.4.config", undefined, { timeoutMs: 500 });
 * ```
 *
 * @module
 */
export { connect } from "./connect.ts";
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
export type { Payload } from "./payload.ts";
export { Logger } from "./logger.ts";
export type { LogFields } from "./logger.ts";
export type { ClockState, HeartbeatHandle, HeartbeatOptions } from "./heartbeat.ts";
export type { WebSocketConstructor, WebSocketLike } from "./ws_transport.ts";
export { registerTcpTransport } from "./transport.ts";
export type { TcpTransportFactory } from "./transport.ts";
export {
  ClientClosedError,
  ConnectError,
  InvalidOptionError,
  InvalidPayloadError,
  NoRespondersError,
  NotConnectedError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnsupportedTransportError,
} from "./errors.ts";
export { VERSION } from "./version.ts";
export { echoTiming, timestampNs } from "./echo_timing.ts";
export type { EchoTiming } from "./echo_timing.ts";
export * from "../protocol/mod.ts";
export type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/nats-core";
