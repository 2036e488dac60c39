/**
 * The nats.js types that @nunect/client's API hands out, under names of ours: the client is a
 * thin layer over nats.js, so a message, its headers, a subscription and the connection
 * underneath (`NunectClient.nc`, for JetStream, KV and services) are nats.js's own objects.
 * Each alias names one of them, so that users need no import from `@nats-io/nats-core` to
 * type what the client gives them; the members are documented by nats.js
 * (https://github.com/nats-io/nats.js, package `@nats-io/nats-core`).
 *
 * @module
 */
import type * as core from "@nats-io/nats-core";

/** A received message (nats.js's `Msg`): `subject`, `data`, `headers`, `reply`, `respond()`. */
export type Msg = core.Msg;
/** Message headers (nats.js's `MsgHdrs`): `get`, `set`, `append`, `has`, `keys`, `values`. */
export type MsgHdrs = core.MsgHdrs;
/** The nats.js connection under a `NunectClient` (`client.nc`). */
export type NatsConnection = core.NatsConnection;
/** nats.js's connection options, as resolved from `ConnectOptions`. */
export type ConnectionOptions = core.ConnectionOptions;
/** The server's `INFO` at connect (nats.js's `ServerInfo`): `server_id`, `version`, `max_payload`, … */
export type ServerInfo = core.ServerInfo;
/** A subscription (nats.js's `Subscription`): iterate it, `unsubscribe()`, `drain()`. */
export type Subscription = core.Subscription;
/** How a connection proves who it is (nats.js's `Authenticator`): from a `.creds` file, a token, … */
export type Authenticator = core.Authenticator;
/** TLS options of a connection (nats.js's `TlsOptions`): `caFile`, `certFile`, `keyFile`, … */
export type TlsOptions = core.TlsOptions;
