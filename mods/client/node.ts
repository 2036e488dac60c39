/**
 * The Node.js entry of @nunect/client: everything `@nunect/client` has, plus `nats://` and
 * `tls://` servers through @nats-io/transport-node, and `ws://` on Node 20 (no global
 * WebSocket) through the npm `ws` package when it is installed.
 *
 * @example
 * ```ts
 * import { connect } from "@nunect/client/node";
 * const client = await connect({ servers: "nats://127.0.0.1:4222", unitId: "svc-1" });
 * ```
 *
 * @module
 */
export * from "./mod.ts";
export { connect } from "./node_connect.ts";
