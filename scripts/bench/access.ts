/**
 * Access benchmark, in one run on one nats-server:
 *
 * 1. The added latency of authorisation plus audit on a write: `POST /api/kv/OPS/<bucket>/put`
 *    (a JetStream-acknowledged KV put) through the dashboard as it runs (the route table's role
 *    and scope checks, and an audit record per write, stored — acknowledged by JetStream — before
 *    the write is answered), vs the same request to the same services
 *    with both left out (`createDashboard({ guards })`), and with authorisation alone. Both apps serve over HTTP in
 *    this process; rounds alternate between them so load on the machine hits both alike. Median
 *    and p95 per request, and the ratio of the medians (target ≤ 1.1×).
 *    For scale, two floors beside them (this script's own wrappers around the authorised app, not
 *    the dashboard's code): the same request plus one NATS publish of its encoded record that
 *    nothing stores, and plus the record stored in the audit stream without waiting for JetStream.
 *    What the audit may add within the target is below what either costs here.
 * 2. A login's password hash on this machine: argon2id with {@linkcode KDF_PARAMS} (hash and
 *    verify, median and p95), and whole logins over HTTP (form, KDF, session in KV).
 *
 * Run: `deno task bench access`. Environment: BENCH_ROUNDS (30), BENCH_PER_ROUND (40),
 * BENCH_HASHES (10).
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { hashPassword, KDF_PARAMS, verifyPassword } from "../../mods/access/mod.ts";
import { auditRecord, auditSubject } from "../../mods/audit/mod.ts";
import { connect as connectClient } from "../../mods/client/mod.ts";
import { createDashboard } from "../../routes/app.ts";
import { startNats } from "../../tests/_kit/mod.ts";
import { ADMIN, testDashboard } from "../../tests/dashboard/_harness.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 30);
const PER_ROUND = Number(Deno.env.get("BENCH_PER_ROUND") ?? 40);
const HASHES = Number(Deno.env.get("BENCH_HASHES") ?? 10);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

async function login(base: string): Promise<{ cookie: string; csrf: string; ms: number }> {
  const form = await fetch(`${base}/login`);
  const pre = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const token = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1]!;
  const t0 = performance.now();
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: pre, origin: base },
    body: new URLSearchParams({ _csrf: token, user: ADMIN.user, password: ADMIN.password }),
  });
  const took = performance.now() - t0;
  await res.body?.cancel();
  if (res.status !== 303) throw new Error(`Login answered ${res.status}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) =>
    c.startsWith("nunect_session=")
  )!;
  const me = await (await fetch(`${base}/me`, { headers: { cookie } })).text();
  return { cookie, csrf: me.match(/name="_csrf" value="([^"]+)"/)![1]!, ms: took };
}

/** Runs the access benchmark and prints its figures. */
export async function bench(): Promise<void> {
  await using ns = await startNats();
  const setup = await connect({ servers: ns.url, ...ns.users.ops.nats });
  await new Kvm(setup).create("bench_access");
  await setup.close();
  await using d = await testDashboard(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const services = d.services;
  const serve = (guards: { authorize: boolean; audit: boolean }) =>
    Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      createDashboard({ services, guards }).fetch,
    );
  await using a = serve({ authorize: true, audit: true });
  await using b = serve({ authorize: false, audit: false });
  await using c = serve({ authorize: true, audit: false });
  // The floors: the authorised app, then the request's record encoded as auditWrites encodes it
  // and published on a connection like the dashboard's (Deno's TCP) — once to a subject no stream
  // takes, once to the audit stream — answering without waiting for anything.
  const client = await connectClient({ servers: ns.url, ...ns.users.ops.client });
  const authorized = createDashboard({ services, guards: { authorize: true, audit: false } });
  const floor = (subject: (action: string) => string) =>
    Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req, info) => {
      const res = await authorized.fetch(req, info);
      const url = new URL(req.url);
      const record = auditRecord({
        actor: ADMIN.user,
        role: "admin",
        scope: "*",
        via: "session",
        action: "bench.floor",
        target: `OPS/bench_access/${url.searchParams.get("key")}`,
        before: null,
        after: null,
        ok: res.status < 400,
        status: res.status,
        request: `${req.method} ${url.pathname}`,
        address: info.remoteAddr.hostname,
      });
      client.nc.publish(subject(record.action), JSON.stringify(record));
      return res;
    });
  await using e = floor(() => "nunect.bench.unstored");
  await using f = floor(auditSubject);
  const urlOf = (s: Deno.HttpServer<Deno.NetAddr>) => `http://127.0.0.1:${s.addr.port}`;
  const bases = {
    guarded: urlOf(a),
    unguarded: urlOf(b),
    authorized: urlOf(c),
    published: urlOf(e),
    unacknowledged: urlOf(f),
  };

  // 2 first: a few whole logins (the throttle allows ten a minute per address and user).
  const logins: number[] = [];
  let session = await login(bases.guarded);
  logins.push(session.ms);
  for (let i = 0; i < 3; i++) logins.push((await login(bases.guarded)).ms);
  session = await login(bases.guarded);

  const write = async (base: string, i: number) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/kv/OPS/bench_access/put?key=k${i % 50}`, {
      method: "POST",
      headers: {
        cookie: session.cookie,
        "x-csrf-token": session.csrf,
        "content-type": "application/json",
        origin: base,
      },
      body: JSON.stringify({ value: `v${i}` }),
    });
    await res.body?.cancel();
    const took = performance.now() - t0;
    if (res.status !== 200) throw new Error(`Write answered ${res.status}`);
    return took;
  };
  const modes = ["unguarded", "authorized", "published", "unacknowledged", "guarded"] as const;
  // Warm every path (JIT, connections, the bucket's stream).
  for (let i = 0; i < 50; i++) for (const mode of modes) await write(bases[mode], i);
  const samples = Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<
    typeof modes[number],
    number[]
  >;
  for (let r = 0; r < ROUNDS; r++) {
    // Each round in another order: load on the shared machine falls on every mode alike.
    const order = r % 2 === 0 ? modes : [...modes].reverse();
    for (const mode of order) {
      for (let i = 0; i < PER_ROUND; i++) samples[mode].push(await write(bases[mode], i));
    }
  }
  await client.close();
  const audit = services.need("audit");
  await audit.flush();
  const recorded = (await audit.search({ action: "kv.put", limit: 10_000 })).records.length;
  // What the guarantee costs by itself: one record stored and acknowledged, as a write's is.
  const appends: number[] = [];
  for (let i = 0; i < ROUNDS * 10; i++) {
    const t0 = performance.now();
    await audit.append({
      actor: ADMIN.user,
      role: "admin",
      scope: "*",
      via: "session",
      action: "bench.append",
      target: `OPS/bench_access/k${i % 50}`,
      before: null,
      after: null,
      ok: true,
      status: 200,
      request: "POST /api/kv/OPS/bench_access/put",
      address: "127.0.0.1",
    });
    appends.push(performance.now() - t0);
  }

  console.log(
    `write: POST /api/kv/OPS/bench_access/put over HTTP, ${ROUNDS} alternating rounds of ${PER_ROUND}`,
  );
  const label = {
    unguarded: "both off (baseline)",
    authorized: "authorisation only",
    published: "authorisation + its record published, nothing stores it (floor)",
    unacknowledged: "authorisation + its record stored, not waited for (floor)",
    guarded: "authorisation + audit",
  };
  const base = quantile(samples.unguarded, 0.5);
  for (const mode of modes) {
    const median = quantile(samples[mode], 0.5);
    console.log(
      `  ${label[mode].padEnd(64)}  median ${ms(median)}  p95 ${
        ms(quantile(samples[mode], 0.95))
      }  ${(median / base).toFixed(2)}x`,
    );
  }
  const ratio = quantile(samples.guarded, 0.5) / base;
  console.log(
    `  ratio ${ratio.toFixed(2)}x (target <= 1.1x: ${
      ratio <= 1.1 ? "met" : "NOT met"
    }); audit records of the guarded writes: ${recorded}, lost: ${audit.failed}`,
  );
  console.log(
    `  one audit record stored and acknowledged (AuditLog.append, as each guarded write waits for): median ${
      ms(quantile(appends, 0.5))
    }  p95 ${ms(quantile(appends, 0.95))} of ${appends.length}`,
  );

  const p = KDF_PARAMS;
  const hashes: number[] = [];
  const verifies: number[] = [];
  let hash = "";
  for (let i = 0; i < HASHES; i++) {
    const t0 = performance.now();
    hash = await hashPassword(ADMIN.password);
    hashes.push(performance.now() - t0);
    const t1 = performance.now();
    await verifyPassword(ADMIN.password, hash);
    verifies.push(performance.now() - t1);
  }
  console.log(
    `login hash: ${p.algorithm} m=${p.memoryKiB} KiB t=${p.iterations} p=${p.parallelism} ` +
      `salt ${p.saltBytes} B, hash ${p.hashBytes} B (hash-wasm, WebAssembly)`,
  );
  console.log(
    `  hash median ${ms(quantile(hashes, 0.5))} p95 ${ms(quantile(hashes, 0.95))}; verify median ${
      ms(quantile(verifies, 0.5))
    } p95 ${ms(quantile(verifies, 0.95))} (${HASHES} each)`,
  );
  console.log(
    `  whole login over HTTP (form, verify, session in KV): median ${ms(quantile(logins, 0.5))} ` +
      `of ${logins.length}`,
  );
}

if (import.meta.main) await bench();
