/**
 * Captures real monitoring answers of the nats-server the test kit runs, for the schema tests:
 * `deno run -A tests/monitor/_capture_fixtures.ts` (the current server) and
 * `NATS_SERVER_BIN=/usr/sbin/nats-server deno run -A tests/monitor/_capture_fixtures.ts`
 * (Debian's). A 3-server cluster with an R3 stream, a consumer and a few clients; HTTP endpoints
 * and `$SYS` replies go to `tests/monitor/fixtures/<version>/<name>.json`. Nothing secret is in
 * them (checked: no password of the run appears).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstreamManager } from "@nats-io/jetstream";
import { compareVersions, traceMessage } from "../../mods/monitor/mod.ts";
import { startCluster, testServer } from "../_kit/mod.ts";

const { version } = await testServer();
const dir = new URL(`./fixtures/${version}/`, import.meta.url).pathname;
await Deno.mkdir(dir, { recursive: true });
await using cluster = await startCluster(3, { name: "fx" });
const [a] = cluster.servers;
const ops = await connect({ servers: a!.url, ...cluster.users.ops.nats, name: "fixture-ops" });
const bridge = await connect({
  servers: a!.url,
  ...(await a!.unit("fixture-app", { account: "BRIDGE", extraSub: ["orders.>"] })).nats,
  name: "fixture-app",
});
const sys = await connect({ servers: a!.url, ...cluster.users.sys.nats, name: "fixture-sys" });
const jsm = await jetstreamManager(ops);
await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], num_replicas: 3 });
await jsm.consumers.add("ORDERS", { durable_name: "shipping", ack_policy: AckPolicy.Explicit });
const js = jsm.jetstream();
for (let i = 0; i < 3; i++) await js.publish(`orders.${i}`, `order ${i}`);
bridge.subscribe("orders.>", { queue: "workers" });
await bridge.flush();
await new Promise((r) => setTimeout(r, 1500)); // replicas current, stats sampled

const save = async (name: string, json: unknown) => {
  const text = JSON.stringify(json, null, 2) + "\n";
  // Seeds (S…) and .creds never belong in a fixture; public keys and JWT names may.
  if (/S[OAU][A-Z2-7]{56}|-----BEGIN/.test(text)) throw new Error(`${name} contains a secret`);
  await Deno.writeTextFile(`${dir}${name}.json`, text);
  console.log(`${dir}${name}.json (${text.length} bytes)`);
};
const http = async (name: string, path: string) => {
  const res = await fetch(`${a!.monitorUrl}${path}`);
  const text = await res.text();
  if (!res.ok) return console.log(`${path}: HTTP ${res.status} ${text.slice(0, 80)} (not saved)`);
  await save(name, JSON.parse(text));
};
await http("varz", "/varz");
await http("connz", "/connz?auth=true&subs=detail");
await http("routez", "/routez");
await http("subsz", "/subsz?subs=true&acc=BRIDGE");
await http("jsz", "/jsz?accounts=true&streams=true&consumers=true&config=true");
await http("healthz", "/healthz");
await http("healthz_details", "/healthz?details=true&account=OPS&stream=ORDERS");
await http("accountz", "/accountz");
await http("accountz_ops", "/accountz?acc=OPS");
await http("accstatz", "/accstatz?unused=true");
await http("leafz", "/leafz");
await http("gatewayz", "/gatewayz");
await http("ipqueuesz", "/ipqueuesz");
await http("raftz", "/raftz?acc=OPS");

const request = async (name: string, subject: string, body: unknown = {}) => {
  try {
    const m = await sys.request(subject, JSON.stringify(body), { timeout: 2000 });
    await save(name, m.json());
  } catch (e) {
    console.log(`${subject}: ${e instanceof Error ? e.message : e} (not saved)`);
  }
};
const id = (await (await fetch(`${a!.monitorUrl}/varz`)).json()).server_id;
await request("sys_statsz", `$SYS.REQ.SERVER.${id}.STATSZ`);
await request("sys_idz", `$SYS.REQ.SERVER.${id}.IDZ`);
await request("sys_expvarz", `$SYS.REQ.SERVER.${id}.EXPVARZ`);
await request("sys_raftz", `$SYS.REQ.SERVER.${id}.RAFTZ`, { account: "OPS" });
await request("sys_healthz", `$SYS.REQ.SERVER.${id}.HEALTHZ`, { details: true });
if (compareVersions(version, "2.11.0") >= 0) {
  const seen: unknown[] = [];
  const inbox = "fixture.trace";
  const sub = ops.subscribe(inbox, {
    callback: (_e, m) => {
      seen.push(m.json());
    },
  });
  const h = (await import("@nats-io/nats-core")).headers();
  h.set("Nats-Trace-Dest", inbox);
  h.set("Nats-Trace-Only", "true");
  const sink = await connect({ servers: cluster.servers[2]!.url, ...cluster.users.ops.nats });
  sink.subscribe("ops.fixture.>");
  await sink.flush();
  await traceMessage(ops, "ops.fixture.x", "x"); // interest has crossed the routes
  ops.publish("ops.fixture.x", "x", { headers: h });
  await new Promise((r) => setTimeout(r, 1000));
  sub.unsubscribe();
  await sink.close();
  await save("trace_events", seen);
}
await Promise.all([ops.close(), bridge.close(), sys.close()]);
