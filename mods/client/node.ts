/**
 * The Node.js entry of @nunect/client (the npm package's `node` condition; also importable as
 * `@nunect/client/node`): the same API as every entry, with a `connect()` that dials
 * `nats://`/`tls://` through @nats-io/transport-node and `ws://`/`wss://` through the global
 * WebSocket (Node 22+) or the npm `ws` package (Node 20; a custom CA or client certificate).
 *
 * @example
 * ```ts
 * import { connect } from "@nunect/client";
 * const client = await connect({ servers: "tls://nats.example:4222", unitId: "svc-1" });
 * ```
 *
 * @module
 */
export * from "./api.ts";
export { connect } from "./node_connect.ts";
