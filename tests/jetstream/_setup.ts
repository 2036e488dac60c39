import { connect } from "@nats-io/transport-node";
import { headers, type NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { type NatsServer, startNats } from "../_kit/mod.ts";
import { AccountPool } from "../../mods/jetstream/mod.ts";

/** A test server with a connection in OPS and its JetStream manager. Dispose to stop both. */
export interface JsTest extends AsyncDisposable {
  readonly ns: NatsServer;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

/** Starts the project's server and connects the OPS user. */
export async function startJs(): Promise<JsTest> {
  const ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops, name: "jetstream-test" });
  const jsm = await jetstreamManager(nc);
  return {
    ns,
    nc,
    jsm,
    async [Symbol.asyncDispose]() {
      await nc.close();
      await ns[Symbol.asyncDispose]();
    },
  };
}

/**
 * Publishes `n` messages to `subject(i)` with JSON payloads `{ i }` (and a header `X-I`), each
 * acknowledged by the stream.
 */
export async function fill(
  nc: NatsConnection,
  n: number,
  subject: (i: number) => string,
  payload: (i: number) => string = (i) => JSON.stringify({ i }),
): Promise<void> {
  const js = jetstream(nc);
  for (let at = 0; at < n; at += 200) {
    const acks = [];
    for (let i = at; i < Math.min(n, at + 200); i++) {
      const h = headers();
      h.set("X-I", String(i));
      acks.push(js.publish(subject(i), payload(i), { headers: h }));
    }
    await Promise.all(acks);
  }
}

/** Names of the stream's consumers. */
export async function consumerNames(jsm: JetStreamManager, stream: string): Promise<string[]> {
  const names: string[] = [];
  for await (const c of jsm.consumers.list(stream)) names.push(c.name);
  return names.sort();
}

/** An AccountPool over the test server's OPS and tenant users (transport-node connections). */
export function testPool(ns: NatsServer): AccountPool {
  return new AccountPool(
    {
      OPS: ns.users.ops,
      BRIDGE: ns.users.bridge,
      ENGINE: ns.users.engine,
    },
    (account, c) =>
      connect({ servers: ns.url, user: c.user, pass: c.pass, name: `test-${account}` }),
  );
}
