import { connect } from "@nats-io/transport-node";
import { credsAuthenticator, headers, type NatsConnection } from "@nats-io/nats-core";
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
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "jetstream-test" });
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

/**
 * An AccountPool over the test server's OPS user and a console user of each tenant account, as
 * the controller issues them to the dashboard (transport-node connections).
 */
export async function testPool(ns: NatsServer): Promise<AccountPool> {
  const [bridge, engine] = await Promise.all([ns.console("BRIDGE"), ns.console("ENGINE")]);
  return new AccountPool(
    {
      OPS: { user: "dashboard-ops", creds: ns.users.ops.creds },
      BRIDGE: { user: "console-test", creds: bridge.creds },
      ENGINE: { user: "console-test", creds: engine.creds },
    },
    (account, c) =>
      connect({
        servers: ns.url,
        authenticator: credsAuthenticator(new TextEncoder().encode(c.creds)),
        name: `test-${account}`,
      }),
  );
}
