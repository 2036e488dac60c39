/**
 * Security benchmark: what the hardening costs and what it holds, with the dashboard running as
 * in production (main.ts under the `dashboard` permission set, in its own process).
 *
 * 1. Units at 100, 1,000 and 10,000 simulated units (heartbeat every 5 s, RTT and time metric
 *    every 10 s, from their own process): latency of `/api/units` and of the Units page (HTML),
 *    the size of both, and the dashboard's RSS; ratios against 100 units and against the
 *    dashboard's `/healthz` in the same run. Targets at 10,000: page ≤ 1 s, RSS ≤ 300 MB.
 * 2. A rejected 1 GiB body on `/login`: time to the 413 (declared length and chunked), the bytes
 *    the client got to send, and the dashboard's RSS before and after; against a plain Deno
 *    server in this process that reads the same gigabyte (what taking it would cost at least).
 *
 * 3. Signed telemetry (a router cannot speak for the units behind it): heartbeats of 1,000 units
 *    through the units table with the signature check (`TelemetryVerifier`) against the same
 *    messages through the table without it, in this process; verifies per second and CPU per
 *    message, and the sender's cost of signing one.
 *
 * Run: `deno task bench security`. Environment: BENCH_SECURITY_UNITS (100,1000,10000),
 * BENCH_REQUESTS (20), BENCH_SIG_MESSAGES (50000), BENCH_SECURITY_ONLY (units, body or
 * signatures).
 *
 * @module
 */
import { type NatsServer, rssKiB, spawnProgram, startNats, until } from "../../tests/_kit/mod.ts";
import { startDashboardProgram } from "../../tests/dashboard/_server.ts";
import { ADMIN } from "../../tests/dashboard/_harness.ts";
import { chunked, formBytes, login, rawRequest } from "../../tests/security/_http.ts";
import { cpuUsage } from "node:process";
import { createUser } from "@nats-io/nkeys";
import { nativeSigner } from "../../mods/client/native_auth.ts";
import { TelemetryVerifier, UnitTable } from "../../mods/monitor/mod.ts";
import {
  base64Url,
  HEADERS,
  SIGNATURE_HEADER,
  subjects,
  telemetrySigningBytes,
  type UnitKeysEntry,
} from "../../mods/protocol/mod.ts";
import { sampleHeartbeat } from "../../tests/_kit/mod.ts";

const COUNTS = (Deno.env.get("BENCH_SECURITY_UNITS") ?? "100,1000,10000").split(",").map(Number);
const REQUESTS = Number(Deno.env.get("BENCH_REQUESTS") ?? 20);
const GiB = 1024 ** 3;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function timed(url: string, cookie: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie } });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return { ms: performance.now() - t0, bytes: body.byteLength };
}

async function latency(url: string, cookie: string) {
  for (let i = 0; i < 3; i++) await timed(url, cookie); // warm-up
  const runs: { ms: number; bytes: number }[] = [];
  for (let i = 0; i < REQUESTS; i++) runs.push(await timed(url, cookie));
  const ms = runs.map((r) => r.ms);
  return { median: quantile(ms, 0.5), p95: quantile(ms, 0.95), bytes: runs[0]!.bytes };
}

interface UnitsFigures {
  n: number;
  health: { median: number; p95: number };
  api: { median: number; p95: number; bytes: number };
  page: { median: number; p95: number; bytes: number };
  rssMb: number;
}

async function unitsAt(n: number): Promise<UnitsFigures> {
  await using ns: NatsServer = await startNats();
  await using dash = await startDashboardProgram(ns);
  const pid = dash.program.child.pid;
  const s = await login(dash.url, ADMIN.user, ADMIN.password);
  const feeder = `${ns.dir}/feeder.creds`;
  await Deno.writeTextFile(feeder, ns.users.ops.creds, { mode: 0o600 });
  await using _sim = spawnProgram({
    permissionSet: "runtime",
    entry: "scripts/bench/_security_units.ts",
    denoFlags: ["--allow-net", `--allow-read=${feeder}`],
    args: [ns.url, feeder, String(n)],
    env: {},
  });
  await _sim.waitFor("simulating", 20_000);
  await until(
    async () => {
      const v =
        await (await fetch(`${dash.url}/api/units?limit=1`, { headers: { cookie: s.cookie } }))
          .json();
      return v.stats.units >= n;
    },
    `${n} units in the table`,
    120_000,
    500,
  );
  await new Promise((r) => setTimeout(r, 5000)); // every unit has sent its metrics too
  const health = await latency(`${dash.url}/healthz`, s.cookie);
  const api = await latency(`${dash.url}/api/units`, s.cookie);
  const page = await latency(`${dash.url}/units`, s.cookie);
  return { n, health, api, page, rssMb: rssKiB(pid) / 1024 };
}

async function units(): Promise<void> {
  const rows: UnitsFigures[] = [];
  for (const n of COUNTS) rows.push(await unitsAt(n));
  const base = rows[0]!;
  const f = (x: number) => x.toFixed(1).padStart(7);
  console.log(
    `security: units table at ${
      COUNTS.join(", ")
    } simulated units (heartbeat 5 s, RTT and time 10 s), ${REQUESTS} requests each`,
  );
  console.log(
    "  units    /healthz ms   /api/units ms (p95)    KiB   /units page ms (p95)    KiB   RSS MB",
  );
  for (const r of rows) {
    console.log(
      `  ${String(r.n).padStart(6)} ${f(r.health.median)}     ${f(r.api.median)} (${
        f(r.api.p95)
      }) ${(r.api.bytes / 1024).toFixed(0).padStart(6)}   ${f(r.page.median)} (${f(r.page.p95)}) ${
        (r.page.bytes / 1024).toFixed(0).padStart(6)
      }  ${r.rssMb.toFixed(0).padStart(6)}`,
    );
  }
  const top = rows[rows.length - 1]!;
  console.log(
    `  ${top.n} vs ${base.n} units: /api/units ${
      (top.api.median / base.api.median).toFixed(2)
    }x, page ${(top.page.median / base.page.median).toFixed(2)}x, RSS ${
      (top.rssMb / base.rssMb).toFixed(2)
    }x; page vs /healthz at ${top.n}: ${(top.page.median / top.health.median).toFixed(1)}x`,
  );
  console.log(
    `  targets at ${top.n}: page <= 1 s (${top.page.p95 <= 1000 ? "met" : "NOT met"}, p95 ${
      top.page.p95.toFixed(0)
    } ms), RSS <= 300 MB (${top.rssMb <= 300 ? "met" : "NOT met"})`,
  );
}

/** Time to the answer of a 1 GiB body, and what the client sent until then. */
async function gigabyte(port: number, host: string, form?: { cookie: string }, how = "length") {
  const head = [
    "POST /login HTTP/1.1",
    `Host: ${host}`,
    "Content-Type: application/x-www-form-urlencoded",
    ...(form ? [`Cookie: ${form.cookie}`] : []),
    how === "length" ? `Content-Length: ${GiB}` : "Transfer-Encoding: chunked",
  ].join("\r\n");
  const t0 = performance.now();
  const r = await rawRequest(
    port,
    head,
    how === "length" ? formBytes(GiB) : chunked(formBytes(GiB)),
  );
  return { ms: performance.now() - t0, status: r.status, sent: r.sent };
}

async function body(): Promise<void> {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const pid = dash.program.child.pid;
  const port = Number(new URL(dash.url).port);
  const before = rssKiB(pid);
  const declared = await gigabyte(port, `127.0.0.1:${port}`, undefined, "length");
  const streamed = await gigabyte(port, `127.0.0.1:${port}`, undefined, "chunked");
  await new Promise((r) => setTimeout(r, 500));
  const after = rssKiB(pid);
  // Baseline: a server that takes the gigabyte (reads and discards it), in this process.
  const sink = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    for await (const _ of req.body ?? []) { /* discard */ }
    return new Response("taken");
  });
  const taken = await gigabyte(sink.addr.port, `127.0.0.1:${sink.addr.port}`, undefined, "length");
  await sink.shutdown();
  console.log("security: a 1 GiB body on POST /login");
  console.log(
    `  declared length   ${declared.status} after ${declared.ms.toFixed(0)} ms, ${
      (declared.sent / 1048576).toFixed(1)
    } MiB sent`,
  );
  console.log(
    `  chunked           ${streamed.status} after ${streamed.ms.toFixed(0)} ms, ${
      (streamed.sent / 1048576).toFixed(1)
    } MiB sent`,
  );
  console.log(
    `  baseline: a server that reads it all  ${taken.status === 200 ? "200" : taken.status} after ${
      taken.ms.toFixed(0)
    } ms (${(taken.sent / 1048576).toFixed(0)} MiB)`,
  );
  console.log(
    `  dashboard RSS ${(before / 1024).toFixed(1)} MB -> ${(after / 1024).toFixed(1)} MB (${
      ((after - before) / 1024).toFixed(1)
    } MB); time to 413 vs reading it: ${(declared.ms / taken.ms).toFixed(4)}x (declared), ${
      (streamed.ms / taken.ms).toFixed(4)
    }x (chunked)`,
  );
}

/** CPU (user + system) and wall time of `fn`, in ms. */
function measured(fn: () => void): { cpuMs: number; wallMs: number } {
  const c0 = cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const c = cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs };
}

function signatures(): void {
  const total = Number(Deno.env.get("BENCH_SIG_MESSAGES") ?? 50_000);
  const nUnits = 1000;
  const encoder = new TextEncoder();
  const entries = new Map<string, UnitKeysEntry>();
  const signers = Array.from({ length: nUnits }, (_, i) => {
    const signer = nativeSigner(new TextDecoder().decode(createUser().getSeed()))!;
    entries.set(`unit-${i}`, { role: "guardian", keys: [signer.publicKey] });
    return signer;
  });
  const now = Date.now();
  // Built before timing: the payloads, and the signing (the senders' share) timed on its own.
  const msgs = Array.from({ length: total }, (_, k) => {
    const u = k % nUnits;
    const unitId = `unit-${u}`;
    const subject = subjects.heartbeat(unitId);
    const data = encoder.encode(
      JSON.stringify(sampleHeartbeat(unitId, { seq: k, ts: now, host: `${unitId}.lan` })),
    );
    return { unitId, subject, data, stamp: `${now}${String(k).padStart(6, "0")}`, seq: String(k) };
  });
  const sigs: string[] = new Array(total);
  const signing = measured(() => {
    for (let k = 0; k < total; k++) {
      const m = msgs[k]!;
      const signer = signers[k % nUnits]!;
      const sig = signer.sign(telemetrySigningBytes(m.subject, m.stamp, m.seq, m.data));
      sigs[k] = `${signer.publicKey}.${base64Url(sig)}`;
    }
  });
  const withHeaders = msgs.map((m, k) => {
    const h = new Map([[HEADERS.txTimestamp, m.stamp], [HEADERS.seq, m.seq], [
      SIGNATURE_HEADER,
      sigs[k]!,
    ]]);
    return {
      unitId: m.unitId,
      subject: m.subject,
      data: m.data,
      headers: { get: (n: string) => h.get(n) ?? "" },
    };
  });
  const lookup = { entry: (u: string) => entries.get(u) };
  // Baseline: the table as before (parse, validate, update), the same messages, no check.
  const plainTable = new UnitTable({ maxUnits: nUnits * 2 });
  const plain = measured(() => {
    for (const m of withHeaders) plainTable.apply(m, now);
  });
  const verifier = new TelemetryVerifier(lookup);
  const checkedTable = new UnitTable({ maxUnits: nUnits * 2, verifier });
  const checked = measured(() => {
    for (const m of withHeaders) checkedTable.apply(m, now);
  });
  const alone = new TelemetryVerifier(lookup);
  const only = measured(() => {
    for (const m of withHeaders) alone.check(m.subject, m.unitId, m.headers, m.data);
  });
  const s = checkedTable.stats(now);
  if (s.signatures?.verified !== total || s.droppedTotal !== 0) {
    throw new Error(`signature bench: ${JSON.stringify(s.signatures)} dropped ${s.droppedTotal}`);
  }
  const us = (ms: number) => (ms * 1000 / total).toFixed(1).padStart(6);
  const perS = (ms: number) => Math.round(total / (ms / 1000)).toLocaleString("en").padStart(9);
  console.log(
    `security: ${total.toLocaleString("en")} signed heartbeats of ${nUnits} units, in process`,
  );
  console.log("                                  msg/s   CPU µs/msg  wall µs/msg");
  console.log(
    `  units table, no check      ${perS(plain.wallMs)}      ${us(plain.cpuMs)}       ${
      us(plain.wallMs)
    }`,
  );
  console.log(
    `  units table, verified      ${perS(checked.wallMs)}      ${us(checked.cpuMs)}       ${
      us(checked.wallMs)
    }`,
  );
  console.log(
    `  verify alone               ${perS(only.wallMs)}      ${us(only.cpuMs)}       ${
      us(only.wallMs)
    }`,
  );
  console.log(
    `  sign (sender)              ${perS(signing.wallMs)}      ${us(signing.cpuMs)}       ${
      us(signing.wallMs)
    }`,
  );
  console.log(
    `  verified vs no check: ${(checked.cpuMs / plain.cpuMs).toFixed(2)}x CPU; at 1,000 units ` +
      `(heartbeat 5 s, RTT and time 10 s: 400 msg/s) verifying costs ${
        (400 * only.cpuMs / total / 10).toFixed(2)
      } % of one core`,
  );
}

/** Runs the parts and prints their figures and ratios. */
export async function bench(): Promise<void> {
  const only = Deno.env.get("BENCH_SECURITY_ONLY"); // units | body | signatures
  if (!only || only === "signatures") signatures();
  if (!only || only === "body") await body();
  if (!only || only === "units") await units();
}

if (import.meta.main) await bench();
