import assert from "node:assert/strict";
import {
  Exposition,
  genericMetrics,
  goDurationS,
  healthzMetrics,
} from "../../mods/prometheus/mod.ts";
import { startNats } from "../_kit/mod.ts";

Deno.test("Exposition: HELP and TYPE once per family, samples together, labels escaped, series once", () => {
  const out = new Exposition();
  out.add("a_total", "first help", "counter", { x: "1" }, 1);
  out.add("b", "b help", "gauge", {}, Number.POSITIVE_INFINITY);
  out.add("a_total", "ignored help", "counter", { x: 'q"u\\o\nte' }, 2);
  out.add("a_total", "", "counter", { x: "1" }, 99); // same series again: kept once
  out.add("bad-name", "", "gauge", {}, 1); // not a metric name: dropped
  assert.equal(
    out.text(),
    [
      "# HELP a_total first help",
      "# TYPE a_total counter",
      'a_total{x="1"} 1',
      'a_total{x="q\\"u\\\\o\\nte"} 2',
      "# HELP b b help",
      "# TYPE b gauge",
      "b +Inf",
      "",
    ].join("\n"),
  );
});

Deno.test("the exporter's generic varz collector, applied to a real server's /varz", async () => {
  await using ns = await startNats();
  const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
  const out = new Exposition();
  genericMetrics(out, { prefix: "" }, "varz", "http://127.0.0.1:8222", varz);
  const text = out.text();
  const id = 'server_id="http://127.0.0.1:8222"';
  assert.match(text, new RegExp(`^gnatsd_varz_connections\\{${id}\\} \\d+$`, "m"));
  assert.match(text, new RegExp(`^gnatsd_varz_in_msgs\\{${id}\\} \\d+$`, "m"));
  assert.match(
    text,
    new RegExp(`^gnatsd_varz_jetstream_config_max_memory\\{${id}\\} 67108864$`, "m"),
  );
  // A timestamp among the exporter's label keys becomes epoch milliseconds ...
  const start = Number(/^gnatsd_varz_start\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
  assert.ok(Math.abs(start - Date.parse(varz.start)) < 1);
  // ... other strings among them a {value} gauge, and strings outside them nothing.
  assert.match(
    text,
    new RegExp(
      `^gnatsd_varz_version\\{${id},value="${varz.version.replaceAll(".", "\\.")}"\\} 1$`,
      "m",
    ),
  );
  assert.doesNotMatch(text, /gnatsd_varz_host\b/);
  assert.doesNotMatch(text, /gnatsd_varz_leaf_/, "the exporter skips the leaf block");
  assert.doesNotMatch(text, /gnatsd_varz_now/);
  const prefixed = new Exposition();
  genericMetrics(prefixed, { prefix: "nats" }, "varz", "x", varz);
  assert.ok(prefixed.names().includes("nats_varz_connections"));
  assert.ok(!prefixed.names().some((n) => n.startsWith("gnatsd_")));
});

Deno.test("healthz: status 0 when ok, status_value says unreachable when a server did not answer", () => {
  const out = new Exposition();
  healthzMetrics(out, { prefix: "" }, "a", "ok");
  healthzMetrics(out, { prefix: "" }, "b", "unavailable");
  healthzMetrics(out, { prefix: "" }, "c", null);
  const text = out.text();
  assert.match(text, /^gnatsd_healthz_status\{server_id="a"\} 0$/m);
  assert.match(text, /^gnatsd_healthz_status\{server_id="b"\} 1$/m);
  assert.doesNotMatch(text, /gnatsd_healthz_status\{server_id="c"\}/);
  assert.match(text, /^gnatsd_healthz_status_value\{server_id="c",value="unreachable"\} 0$/m);
  assert.match(text, /^gnatsd_healthz_status_value\{server_id="a",value="ok"\} 1$/m);
});

Deno.test("Go durations as nats-server prints them", () => {
  assert.equal(goDurationS("1.5ms"), 0.0015);
  assert.equal(goDurationS("2m3s"), 123);
  assert.equal(goDurationS("1d2h"), 93_600);
  assert.equal(goDurationS("250µs"), 0.00025);
  assert.equal(goDurationS("soon"), -1);
});
