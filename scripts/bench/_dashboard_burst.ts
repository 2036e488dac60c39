/**
 * Opens a burst of client connections for scripts/bench/dashboard.ts (in its own process, so the
 * process measuring the SSE streams does not also do the handshakes), holds them until stdin
 * closes. Args: NATS URL, .creds file, count, name prefix.
 *
 * @module
 */
import { credsAuthenticator } from "@nats-io/nats-core";
import { connect, type NatsConnection } from "@nats-io/transport-node";

const [url, credsFile, n, prefix] = Deno.args;
const authenticator = credsAuthenticator(Deno.readFileSync(credsFile!));
const count = Number(n ?? 1000);
const conns: NatsConnection[] = [];
const t0 = performance.now();
for (let i = 0; i < count; i += 50) {
  conns.push(
    ...await Promise.all(
      Array.from(
        { length: Math.min(50, count - i) },
        (_, j) =>
          connect({ servers: url, authenticator, name: `${prefix}-${i + j}`, reconnect: false }),
      ),
    ),
  );
}
console.log(`opened ${conns.length} in ${(performance.now() - t0).toFixed(0)} ms`);
for await (const _ of Deno.stdin.readable) { /* hold until the parent closes stdin */ }
await Promise.all(conns.map((c) => c.close()));
