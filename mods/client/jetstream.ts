/**
 * JetStream helpers of @nunect/client (`@nunect/client/jetstream`), only where nunect adds to
 * nats.js: {@linkcode jetStream} gives stream publishes with the standard headers and the
 * client's sequence, a logger that writes through a stream (records leave its buffer once
 * stored), and the unit's inbox (messages meant for it, kept while it is away). For everything else use nats.js's own client, `jetStream(client).js`, or
 * `@nats-io/jetstream` on `client.nc`.
 *
 * @example
 * ```ts
 * import { connect } from "@nunect/client";
 * import { jetStream } from "@nunect/client/jetstream";
 * const client = await connect({ servers: "nats://127.0.0.1:4222", unitId: "svc-1" });
 * const ack = await jetStream(client).publish("orders.new", { id: 7 });
 * ```
 *
 * @module
 */
export { jetStream, NunectJetStream } from "./jetstream_client.ts";
export type {
  InboxOptions,
  InboxSubscription,
  StreamLog,
  StreamLogOptions,
  StreamPublishOptions,
} from "./jetstream_client.ts";
export type { JetStreamClient, JetStreamOptions, JsMsg, PubAck } from "@nats-io/jetstream";
