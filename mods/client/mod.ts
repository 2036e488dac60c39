/**
 * @nunect/client: one NATS client for Deno, Node and browsers that speaks the nunect protocol.
 * `connect()` gives a {@linkcode NunectClient} that publishes with the standard headers
 * (`X-Unit-ID`, `X-TX-Timestamp`, `X-Seq`), keeps publishes made while disconnected in a
 * bounded outbox, subscribes, requests with typed timeout and no-responders errors, measures
 * native and application RTT in microseconds, answers echo requests, sends heartbeats and logs
 * to `ops.log.<level>.<unit>`.
 *
 * This is the entry for Deno (`nats://`/`tls://` over Deno's own TCP, `ws://`/`wss://` over its
 * WebSocket) and the npm package's `default` condition. The package's `node` and `browser`
 * conditions pick `node.ts` and `browser.ts`, which export the same API with a `connect()` for
 * their runtime; none touches `Deno.*` or `node:*` at import time.
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
export * from "./api.ts";
export { connect } from "./connect.ts";
