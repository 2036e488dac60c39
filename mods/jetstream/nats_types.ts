/**
 * The nats.js JetStream answers this module hands out unchanged, under names of ours: a stream's
 * and a consumer's info as the server sends them (`config`, `state`, `cluster`, …), documented
 * by nats.js (https://github.com/nats-io/nats.js, package `@nats-io/jetstream`) and by the
 * JetStream API reference.
 *
 * @module
 */
import type * as js from "@nats-io/jetstream";

/** A stream's info (`$JS.API.STREAM.INFO`): `config`, `state`, `created`, `cluster`, `sources`. */
export type StreamInfo = js.StreamInfo;
/** A consumer's info (`$JS.API.CONSUMER.INFO`): `config`, `delivered`, `ack_floor`, `num_pending`. */
export type ConsumerInfo = js.ConsumerInfo;
