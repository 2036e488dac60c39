/**
 * A program run by permissions_test.ts under the guardian's permission set: connects with
 * @nunect/client over TCP, serves and uses echo, measures RTT, publishes a heartbeat and a log
 * record, then prints "ok". Any permission the client asked for beyond that set would fail it.
 *
 * @module
 */
import { connect } from "../../mods/client/mod.ts";

const client = await connect({
  servers: Deno.env.get("NATS_URL")!,
  unitId: Deno.env.get("UNIT_ID")!,
  creds: Deno.readTextFileSync(Deno.env.get("NATS_CREDS")!),
});
client.serveEcho();
await client.flush();
const echoUs = await client.echo();
const rttUs = await client.rtt();
const hb = client.startHeartbeat({ intervalMs: 1000, kind: "guardian" });
client.logger.info("probe", { echoUs, rttUs });
await client.flush();
hb.stop();
await client.close();
console.log(`ok echo=${echoUs}µs rtt=${rttUs}µs`);
