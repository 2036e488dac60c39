// The schemas against real answers of both servers (captured by _capture_fixtures.ts from a
// 3-server cluster with an R3 stream and a consumer): every fixture parses, and the newer fields
// the pages show are typed where 2.15 sends them and absent from 2.9.10.
import assert from "node:assert/strict";
import { z } from "zod";
import { traceHops } from "../../mods/monitor/mod.ts";
import {
  accountzSchema,
  accstatzSchema,
  connzSchema,
  gatewayzSchema,
  healthzSchema,
  ipqueueszSchema,
  jszSchema,
  leafzSchema,
  routezSchema,
  subszSchema,
  varzSchema,
} from "../../mods/monitor/schemas.ts";
import {
  expvarzSchema,
  idzSchema,
  raftzSchema,
  statszSchema,
} from "../../mods/monitor/sys_schemas.ts";
import { traceEventSchema } from "../../mods/monitor/trace.ts";

const dir = new URL("./fixtures/", import.meta.url).pathname;
const CURRENT = "2.15.3";
const DEBIAN = "2.9.10";

const HTTP: Record<string, z.ZodType> = {
  varz: varzSchema,
  connz: connzSchema,
  routez: routezSchema,
  subsz: subszSchema,
  jsz: jszSchema,
  healthz: healthzSchema,
  healthz_details: healthzSchema,
  accountz: accountzSchema,
  accountz_ops: accountzSchema,
  accstatz: accstatzSchema,
  leafz: leafzSchema,
  gatewayz: gatewayzSchema,
  ipqueuesz: ipqueueszSchema,
  raftz: raftzSchema,
};
/** `$SYS` replies: `{ server, data }`, except IDZ (the object alone). */
const SYS: Record<string, z.ZodType> = {
  sys_statsz: statszSchema,
  sys_expvarz: expvarzSchema,
  sys_raftz: raftzSchema,
  sys_healthz: healthzSchema,
};

const statszReply = z.looseObject({ data: z.unknown().optional(), statsz: z.unknown().optional() });

async function fixture<T>(version: string, name: string, schema: z.ZodType<T>): Promise<T> {
  const json = JSON.parse(await Deno.readTextFile(`${dir}${version}/${name}.json`));
  const parsed = schema.safeParse(json);
  assert.ok(parsed.success, `${version}/${name}: ${JSON.stringify(parsed.error?.issues[0])}`);
  return parsed.data!;
}

Deno.test("every captured answer of 2.15.3 and 2.9.10 parses with its schema", async () => {
  for (const version of [CURRENT, DEBIAN]) {
    const names = [...Deno.readDirSync(`${dir}${version}`)].map((f) => f.name.replace(".json", ""));
    for (const name of names) {
      if (HTTP[name]) await fixture(version, name, HTTP[name]!);
      else if (SYS[name]) {
        const reply = await fixture(version, name, statszReply);
        const data = SYS[name]!.safeParse(reply.data ?? reply.statsz);
        assert.ok(data.success, `${version}/${name}: ${JSON.stringify(data.error?.issues[0])}`);
      } else if (name === "sys_idz") await fixture(version, name, idzSchema);
      else if (name === "trace_events") {
        const events = JSON.parse(await Deno.readTextFile(`${dir}${version}/${name}.json`));
        for (const e of events) assert.ok(traceEventSchema.safeParse(e).success, JSON.stringify(e));
      } else assert.fail(`${version}/${name}.json has no schema in this test`);
    }
  }
  // What 2.9.10 lacks is missing from its captures too: no /raftz, IDZ, EXPVARZ or RAFTZ.
  const old = [...Deno.readDirSync(`${dir}${DEBIAN}`)].map((f) => f.name);
  for (const missing of ["raftz.json", "sys_idz.json", "sys_expvarz.json", "sys_raftz.json"]) {
    assert.ok(!old.includes(missing), missing);
  }
});

Deno.test("newer /varz and /jsz fields are typed on 2.15 and absent on 2.9", async () => {
  const now = await fixture(CURRENT, "varz", varzSchema);
  assert.deepEqual(now.slow_consumer_stats, { clients: 0, routes: 0, gateways: 0, leafs: 0 });
  assert.equal(now.stale_connections, 0);
  assert.equal(now.stalled_clients, 0);
  assert.match(now.config_digest ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.equal(typeof now.feature_flags?.js_raft_delete_range, "boolean");
  const old = await fixture(DEBIAN, "varz", varzSchema);
  for (const k of ["slow_consumer_stats", "stale_connections", "config_digest", "feature_flags"]) {
    assert.equal((old as Record<string, unknown>)[k], undefined, k);
  }
  const jsNow = await fixture(CURRENT, "jsz", jszSchema);
  assert.equal(jsNow.api.level, 5);
  const orders = jsNow.account_details?.flatMap((a) => a.stream_detail ?? [])[0];
  assert.equal(orders?.config?.num_replicas, 3);
  assert.equal(orders?.config?.allow_msg_ttl, false);
  assert.equal(orders?.cluster?.replicas?.length, 2);
  assert.equal(typeof orders?.consumer_detail?.[0]?.ts, "string");
  const jsOld = await fixture(DEBIAN, "jsz", jszSchema);
  assert.equal(jsOld.api.level, undefined);
  const oldOrders = jsOld.account_details?.flatMap((a) => a.stream_detail ?? [])[0];
  assert.equal(oldOrders?.config?.allow_msg_ttl, undefined);
  assert.equal(oldOrders?.cluster?.leader?.startsWith("fx-"), true);
});

Deno.test("a captured trace orders into its path: origin, then the route hop to the subscriber", async () => {
  const events = JSON.parse(await Deno.readTextFile(`${dir}${CURRENT}/trace_events.json`));
  const hops = traceHops(events.map((e: unknown) => traceEventSchema.parse(e)));
  assert.deepEqual(hops.map((h) => [h.hop, h.ingress?.kind]), [["", "client"], ["1", "route"]]);
  assert.equal(hops[0]!.egress.find((e) => e.kind === "route")?.hop, "1");
  assert.deepEqual(hops[1]!.egress.map((e) => e.kind), ["client"]);
});
