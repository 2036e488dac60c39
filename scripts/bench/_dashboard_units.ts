/**
 * Simulates units for scripts/bench/dashboard.ts: each sends a heartbeat, an RTT metric and a
 * time metric once a second, spread evenly over the second. Args: NATS URL, .creds file (a user that
 * may publish every unit's telemetry: the OPS user), units.
 *
 * @module
 */
import { credsAuthenticator } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

const [url, credsFile, n] = Deno.args;
const UNITS = Number(n ?? 1000);
const authenticator = credsAuthenticator(Deno.readFileSync(credsFile!));
const nc = await connect({ servers: url, authenticator, name: "bench-units" });
const enc = (o: unknown) => JSON.stringify(o);
const started = Date.now();
let seq = 0;
const SLICES = 20;
let slice = 0;
setInterval(() => {
  const from = Math.floor((slice * UNITS) / SLICES);
  const to = Math.floor(((slice + 1) * UNITS) / SLICES);
  const ts = Date.now();
  for (let i = from; i < to; i++) {
    const unitId = `sim-${i}`;
    nc.publish(
      `ops.heartbeat.${unitId}`,
      enc({
        unitId,
        seq,
        ts,
        uptimeS: (ts - started) / 1000,
        version: "bench",
        host: `host-${i}`,
        kind: "guardian",
        clock: { source: "ntp", quality: "tracking" },
      }),
    );
    nc.publish(
      `ops.metric.rtt.${unitId}`,
      enc({
        unitId,
        seq,
        ts,
        target: "sim",
        nativeRttUs: 300 + (i % 50),
        appRttUs: 600 + (i % 70),
      }),
    );
    nc.publish(
      `ops.metric.time.${unitId}`,
      enc({
        unitId,
        ts,
        source: "ntp",
        quality: "tracking",
        offsetNs: 1000 * (i % 13),
        freqPpm: 1.5,
        ptp: null,
        ntp: null,
      }),
    );
  }
  slice = (slice + 1) % SLICES;
  if (slice === 0) seq++;
}, 1000 / SLICES);
console.log("simulating");
