/**
 * Dashboard benchmark, in one run on one nats-server, with the dashboard running as in production
 * (main.ts under the `dashboard` permission set, in its own process):
 *
 * 1. `/api/connz` through the dashboard vs nats-server's `/connz` directly (same query), with
 *    1,000 client connections open: median and p95 latency and the ratio (target ≤ 1.3×).
 * 2. SSE relay of a burst of 1,000 connects to 20 subscribed browsers: all delivered? time from
 *    the first connect to the last event on the last stream, vs a direct SYS subscriber (baseline).
 * 3. Ingest of 1,000 simulated units at 1 Hz (heartbeat + RTT + time metric each, 3,000 msg/s):
 *    the dashboard process's CPU and RSS, vs the same dashboard idle.
 * 4. Live pages: requests to the monitoring endpoints per second with 1 and with 50 open tabs
 *    (each tab loads the Overview and keeps its live stream; counted by nats-server's
 *    http_req_stats; target ≤ 1.2×), and the time a change takes to reach all 50 open pages: a
 *    client connecting (activity), the Overview's connection count (overview), a new unit
 *    (units); target ≤ 1 s.
 *
 * Run: `deno run -A scripts/bench/dashboard.ts` or `deno task bench dashboard`.
 * Environment: BENCH_CONNS (1000), BENCH_REQUESTS (100), BENCH_BROWSERS (20), BENCH_UNITS (1000),
 * BENCH_WINDOW_MS (10000), BENCH_TABS (50), BENCH_DASHBOARD_ONLY (connz, sse, ingest or live: one
 * part only).
 *
 * @module
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { cpuMs, type NatsServer, rssKiB, spawnProgram, startNats } from "../../tests/_kit/mod.ts";
import { startDashboardProgram } from "../../tests/dashboard/_server.ts";
import { ADMIN } from "../../tests/dashboard/_harness.ts";

const CONNS = Number(Deno.env.get("BENCH_CONNS") ?? 1000);
const REQUESTS = Number(Deno.env.get("BENCH_REQUESTS") ?? 100);
const BROWSERS = Number(Deno.env.get("BENCH_BROWSERS") ?? 20);
const UNITS = Number(Deno.env.get("BENCH_UNITS") ?? 1000);
const WINDOW_MS = Number(Deno.env.get("BENCH_WINDOW_MS") ?? 10_000);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Logs in like a browser; returns the session cookie. */
async function loginCookie(base: string): Promise<string> {
  const form = await fetch(`${base}/login`);
  const pre = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: pre, origin: base },
    body: new URLSearchParams({ _csrf: token, user: ADMIN.user, password: ADMIN.password }),
  });
  await res.body?.cancel();
  return res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) =>
    c.startsWith("nunect_session=")
  )!;
}

async function openConnections(
  ns: NatsServer,
  n: number,
  prefix: string,
): Promise<NatsConnection[]> {
  const out: NatsConnection[] = [];
  // One tenant app's credentials for all of them: the connection events are what is measured.
  const tenant = await ns.unit(`${prefix}-app`, { account: "BRIDGE", replace: true });
  for (let i = 0; i < n; i += 50) {
    out.push(
      ...await Promise.all(
        Array.from(
          { length: Math.min(50, n - i) },
          (_, j) =>
            connect({
              servers: ns.url,
              ...tenant.nats,
              name: `${prefix}-${i + j}`,
              reconnect: false,
            }),
        ),
      ),
    );
  }
  return out;
}

async function timed(url: string, init: RequestInit): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return { ms, bytes: body.byteLength };
}

async function connzLatency(): Promise<void> {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const cookie = await loginCookie(dash.url);
  const conns = await openConnections(ns, CONNS, "bench-conn");
  try {
    const query = `sort=cid&state=open&offset=0&limit=${CONNS + 100}&auth=true`;
    const direct = `${ns.monitorUrl}/connz?${query}`;
    const viaDashboard = `${dash.url}/api/connz?sort=cid&state=open&limit=${CONNS + 100}`;
    for (let i = 0; i < 10; i++) { // warm-up (JIT, connection pools)
      await timed(direct, {});
      await timed(viaDashboard, { headers: { cookie } });
    }
    const a: number[] = [];
    const b: number[] = [];
    let bytesA = 0;
    let bytesB = 0;
    for (let i = 0; i < REQUESTS; i++) { // interleaved, so both see the same conditions
      const x = await timed(direct, {});
      const y = await timed(viaDashboard, { headers: { cookie } });
      a.push(x.ms);
      b.push(y.ms);
      bytesA = x.bytes;
      bytesB = y.bytes;
    }
    const ratio = quantile(b, 0.5) / quantile(a, 0.5);
    console.log(
      `dashboard: /api/connz with ${CONNS} connections open, ${REQUESTS} requests each (nats-server ${ns.version})`,
    );
    console.log(
      `  nats-server /connz      median ${quantile(a, 0.5).toFixed(2)} ms  p95 ${
        quantile(a, 0.95).toFixed(2)
      } ms  (${(bytesA / 1024).toFixed(0)} KiB)`,
    );
    console.log(
      `  dashboard /api/connz    median ${quantile(b, 0.5).toFixed(2)} ms  p95 ${
        quantile(b, 0.95).toFixed(2)
      } ms  (${(bytesB / 1024).toFixed(0)} KiB)`,
    );
    console.log(
      `  ratio (median) ${ratio.toFixed(2)}x  (target <= 1.30x: ${
        ratio <= 1.3 ? "met" : "NOT met"
      })`,
    );
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

interface SseCounter {
  count: number;
  lastAt: number;
  done: Promise<void>;
}

/**
 * Reads a Server-Sent Events body frame by frame until `onFrame` says it is done, the body ends or
 * `abort` fires.
 */
async function eachFrame(
  res: Response,
  abort: AbortSignal,
  onFrame: (frame: string) => boolean | void,
): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  abort.addEventListener("abort", () => reader.cancel().catch(() => {}));
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (onFrame(frame) === true) return void await reader.cancel().catch(() => {});
    }
  }
}

function readSse(res: Response, prefix: string, expected: number, abort: AbortSignal): SseCounter {
  const c: SseCounter = { count: 0, lastAt: 0, done: Promise.resolve() };
  const needle = `"name":"${prefix}-`;
  c.done = eachFrame(res, abort, (frame) => {
    if (frame.includes(needle) && frame.includes('"kind":"connect"')) {
      c.count++;
      c.lastAt = performance.now();
    }
    return c.count >= expected;
  });
  return c;
}

async function sseRelay(): Promise<void> {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const cookie = await loginCookie(dash.url);
  const prefix = `burst${Date.now() % 100000}`;
  const tenantCreds = `${ns.dir}/burst.creds`;
  await Deno.writeTextFile(
    tenantCreds,
    (await ns.unit(`${prefix}-app`, { account: "BRIDGE" })).creds,
    { mode: 0o600 },
  );
  const abort = new AbortController();
  const streams = await Promise.all(
    Array.from({ length: BROWSERS }, async () => {
      const res = await fetch(`${dash.url}/api/events`, {
        headers: { cookie },
        signal: abort.signal,
      });
      if (!res.ok) throw new Error(`SSE: HTTP ${res.status}`);
      return readSse(res, prefix, CONNS, abort.signal);
    }),
  );
  // Baseline: one direct SYS subscriber in this process.
  const sysNc = await connect({ servers: ns.url, ...ns.users.sys.nats });
  let direct = 0;
  let directLast = 0;
  let directFirst = 0;
  sysNc.subscribe("$SYS.ACCOUNT.*.CONNECT", {
    callback: (_e, m) => {
      if (m.string().includes(`"name":"${prefix}-`)) {
        direct++;
        directLast = performance.now();
        if (direct === 1) directFirst = directLast;
      }
    },
  });
  await sysNc.flush();
  await new Promise((r) => setTimeout(r, 500)); // streams subscribed on the dashboard side

  const burst = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("./_dashboard_burst.ts", import.meta.url).pathname,
      ns.url,
      tenantCreds,
      String(CONNS),
      prefix,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const deadline = setTimeout(() => abort.abort(), 30_000);
  await Promise.all(streams.map((s) => s.done));
  clearTimeout(deadline);
  const opened =
    (await burst.stdout.pipeThrough(new TextDecoderStream()).getReader().read()).value ?? "";
  const delivered = streams.reduce((n, s) => n + s.count, 0);
  const last = Math.max(...streams.map((s) => s.lastAt));
  console.log(
    `dashboard: SSE relay of a burst of ${CONNS} connects to ${BROWSERS} browsers (nats-server ${ns.version})`,
  );
  console.log(`  burst (own process)        ${opened.trim()}`);
  // Times count from the first connect event the direct subscriber saw.
  console.log(
    `  direct SYS subscriber      ${direct}/${CONNS} events, last after ${
      (directLast - directFirst).toFixed(0)
    } ms`,
  );
  console.log(
    `  dashboard SSE (${BROWSERS} streams)  ${delivered}/${CONNS * BROWSERS} events${
      delivered === CONNS * BROWSERS ? " (all delivered)" : " (LOST SOME)"
    }, last after ${(last - directFirst).toFixed(0)} ms`,
  );
  console.log(
    `  SSE lag behind direct at the last event ${(last - directLast).toFixed(0)} ms; ` +
      `ratio time-to-last ${((last - directFirst) / (directLast - directFirst)).toFixed(2)}x`,
  );
  abort.abort();
  await sysNc.close();
  await burst.stdin.close();
  await burst.status;
}

async function measure(pid: number, ms: number): Promise<{ cpu: number; rss: number }> {
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  let rss = 0;
  while (performance.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 500));
    rss = Math.max(rss, rssKiB(pid) / 1024);
  }
  return { cpu: (100 * (cpuMs(pid) - c0)) / (performance.now() - t0), rss };
}

async function ingest(): Promise<void> {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const pid = dash.program.child.pid;
  // The simulator feeds every unit's telemetry over one OPS connection.
  const opsCreds = `${ns.dir}/ops.creds`;
  await Deno.writeTextFile(opsCreds, ns.users.ops.creds, { mode: 0o600 });
  await new Promise((r) => setTimeout(r, 2000));
  const idle = await measure(pid, WINDOW_MS / 2);
  // The simulator runs in its own process so it does not share this one's event loop.
  await using sim = spawnProgram({
    permissionSet: "runtime",
    entry: "scripts/bench/_dashboard_units.ts",
    denoFlags: ["--allow-net", `--allow-read=${opsCreds}`],
    args: [ns.url, opsCreds, String(UNITS)],
    env: {},
  });
  await sim.waitFor("simulating", 20_000);
  await new Promise((r) => setTimeout(r, 3000)); // warm-up: every unit known
  const busy = await measure(pid, WINDOW_MS);
  const cookie = await loginCookie(dash.url);
  const units = await (await fetch(`${dash.url}/api/units`, { headers: { cookie } })).json();
  console.log(
    `dashboard: ingest of ${UNITS} simulated units at 1 Hz (${
      UNITS * 3
    } msg/s), dashboard process (nats-server ${ns.version})`,
  );
  console.log(`  idle     ${idle.cpu.toFixed(1).padStart(5)} % CPU  ${idle.rss.toFixed(0)} MB RSS`);
  console.log(
    `  ingest   ${busy.cpu.toFixed(1).padStart(5)} % CPU  ${
      busy.rss.toFixed(0)
    } MB RSS  (${units.stats.units} units, ${units.stats.staleUnits} stale, ${units.stats.droppedTotal} dropped, ${units.stats.received} received)`,
  );
  console.log(
    `  ingest / idle: RSS ${(busy.rss / idle.rss).toFixed(2)}x, CPU +${
      (busy.cpu - idle.cpu).toFixed(1)
    } points of one core`,
  );
}

const TABS = Number(Deno.env.get("BENCH_TABS") ?? 50);

/** One open page's live stream: every frame is handed to the listeners with its arrival time. */
interface Tab {
  readonly frames: { event: string; data: string; at: number }[];
  wait(match: (event: string, data: string) => boolean, timeoutMs?: number): Promise<number>;
}

function openTab(base: string, cookie: string, abort: AbortSignal): Promise<Tab> {
  return fetch(`${base}/api/events?topics=overview,rates,units,activity`, {
    headers: { cookie },
    signal: abort,
  }).then((res) => {
    if (!res.ok) throw new Error(`SSE: HTTP ${res.status}`);
    const frames: Tab["frames"] = [];
    const waiters = new Set<() => void>();
    void eachFrame(res, abort, (frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      if (!event) return;
      frames.push({ event, data: /^data: (.*)$/m.exec(frame)?.[1] ?? "", at: performance.now() });
      waiters.forEach((w) => w());
    });
    return {
      frames,
      wait(match, timeoutMs = 10_000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const hit = frames.find((f) => match(f.event, f.data));
            if (!hit) return;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit.at);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error("no matching event"));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
    };
  });
}

async function monitoringRequests(ns: NatsServer): Promise<number> {
  const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json();
  const stats = (varz.http_req_stats ?? {}) as Record<string, number>;
  // Minus this very /varz.
  return Object.values(stats).reduce((a, b) => a + b, 0) - 1;
}

async function livePages(): Promise<void> {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns);
  const cookie = await loginCookie(dash.url);
  const abort = new AbortController();
  const openTabs = async (n: number) => {
    await Promise.all(Array.from({ length: n }, async () => {
      const res = await fetch(`${dash.url}/`, { headers: { cookie } });
      await res.arrayBuffer();
    }));
    return await Promise.all(
      Array.from({ length: n }, () => openTab(dash.url, cookie, abort.signal)),
    );
  };
  // Monitoring cost over the same window, one tab, then fifty.
  const cost = async (n: number) => {
    const tabAbort = new AbortController();
    const before = await monitoringRequests(ns);
    const t0 = performance.now();
    const tabs = await Promise.all(Array.from({ length: n }, async () => {
      const res = await fetch(`${dash.url}/`, { headers: { cookie } });
      await res.arrayBuffer();
      return openTab(dash.url, cookie, tabAbort.signal);
    }));
    await new Promise((r) => setTimeout(r, Math.max(0, WINDOW_MS - (performance.now() - t0))));
    const requests = await monitoringRequests(ns) - before;
    tabAbort.abort();
    return tabs.length > 0 ? requests / ((performance.now() - t0) / 1000) : 0;
  };
  const one = await cost(1);
  await new Promise((r) => setTimeout(r, 1000));
  const many = await cost(TABS);
  console.log(`dashboard: live pages, monitoring requests per second over ${WINDOW_MS / 1000} s`);
  console.log(`  1 tab     ${one.toFixed(2)} req/s`);
  console.log(
    `  ${TABS} tabs   ${many.toFixed(2)} req/s  ratio ${
      (many / one).toFixed(2)
    }x (target <= 1.20x: ${many / one <= 1.2 ? "met" : "NOT met"})`,
  );

  // How long a change takes to reach every open page.
  const tabs = await openTabs(TABS);
  await Promise.all(tabs.map((t) => t.wait((e) => e === "overview")));
  const spread = (name: string, t0: number, ats: number[]) => {
    const ms = ats.map((at) => at - t0).sort((a, b) => a - b);
    const max = ms[ms.length - 1]!;
    console.log(
      `  ${name.padEnd(40)} median ${quantile(ms, 0.5).toFixed(0)} ms  last of ${TABS} ${
        max.toFixed(0)
      } ms  (target <= 1000 ms: ${max <= 1000 ? "met" : "NOT met"})`,
    );
  };
  console.log(`dashboard: a change reaching all ${TABS} open pages`);
  const countNow = JSON.parse(
    [...tabs[0]!.frames].reverse().find((f) => f.event === "overview")!.data,
  ).summary.connections as number;
  const name = `bench-live-${Date.now() % 100000}`;
  let t0 = performance.now();
  const nc = await connect({ servers: ns.url, ...(await ns.console("BRIDGE")).nats, name });
  const activity = await Promise.all(
    tabs.map((t) => t.wait((e, d) => e === "activity" && d.includes(`"${name}"`))),
  );
  spread("a CONNECT in Activity (activity)", t0, activity);
  const overview = await Promise.all(
    tabs.map((t) =>
      t.wait((e, d) => e === "overview" && JSON.parse(d).summary?.connections > countNow)
    ),
  );
  spread("the Overview's connection count (overview)", t0, overview);
  const unit = `bench-unit-${Date.now() % 100000}`;
  t0 = performance.now();
  nc.publish(
    `ops.heartbeat.${unit}`,
    JSON.stringify({
      unitId: unit,
      seq: 1,
      ts: Date.now(),
      uptimeS: 1,
      version: "bench",
      host: "bench",
      kind: "client",
      clock: { source: "none", quality: "freerun" },
    }),
  );
  const units = await Promise.all(
    tabs.map((t) => t.wait((e, d) => e === "units" && d.includes(`"${unit}"`))),
  );
  spread("a new unit in Units (units)", t0, units);
  await nc.close();
  abort.abort();
}

/** Runs the dashboard benchmarks and prints their figures and ratios. */
export async function bench(): Promise<void> {
  const only = Deno.env.get("BENCH_DASHBOARD_ONLY"); // connz | sse | ingest | live
  if (!only || only === "connz") await connzLatency();
  if (!only || only === "sse") await sseRelay();
  if (!only || only === "ingest") await ingest();
  if (!only || only === "live") await livePages();
}

if (import.meta.main) await bench();
