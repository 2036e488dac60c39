/**
 * The browser entry of @nunect/client (the npm package's `browser` condition): the same API as
 * every entry, with a `connect()` for `ws://` and `wss://` over the browser's WebSocket. It
 * leaves out the Deno and Node transports, and bundlers drop the protocol's zod schemas unless
 * the page uses them, so a page that connects, publishes, subscribes, requests, logs and sends
 * heartbeats stays small.
 *
 * @example
 * ```ts
 * import { connect } from "@nunect/client";
 * const client = await connect({ servers: "wss://nats.example:8443", unitId: "kiosk-3" });
 * ```
 *
 * @module
 */
export * from "./api.ts";
export { connect } from "./browser_connect.ts";
