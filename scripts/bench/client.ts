/**
 * @nunect/client against raw nats.js and nats.go on loopback, in one run against one nats-server:
 * publish throughput with the standard headers, request-reply RTT (responder on a second
 * connection in every case) and native PING/PONG RTT, median and p99 of 2,000 samples each.
 *
 * The machine is shared, so load changes during a run: the contenders are measured in
 * interleaved batches (100 round trips of each in turn, nats.go driven batch by batch over its
 * stdin) and publish rounds alternate, so that every contender sees the same conditions.
 * Prints figures and the ratios the issue sets targets for, then the npm package's figures
 * (_client_package.ts: pub/sub per entry, bundle sizes). Run by `deno task bench [client]`.
 *
 * @module
 */
import { headers } from "@nats-io/nats-core";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, HEADERS, nowNs } from "../../mods/client/mod.ts";
import { connect as connectNode } from "../../mods/client/node.ts";
import { startNats } from "../../tests/_kit/mod.ts";
import { benchPackage } from "./_client_package.ts";
import { startNatsGo } from "./_nats_go.ts";

const SAMPLES = 2000;
const BATCH = 100;
/** Round trips run and thrown away at the start of each batch: a contender that sat idle while the
 * others ran (above all the nats.go process, whose threads park) pays for waking up there. */
const BATCH_WARMUP = 25;
const WARMUP = 300;
const PUBLISH_BATCH = 5000;
const PUBLISH_BATCHES = 60;
const PAYLOAD = new TextEncoder().encode(JSON.stringify({ probe: 1, pad: "x".repeat(20) }));

interface Stats {
  median: number;
  p99: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.floor((s.length - 1) * p)] ?? NaN;
  return { median: at(0.5), p99: at(0.99) };
}

/** A contender in the round-trip race: runs `n` round trips, returns each one in µs. */
type Batch = (n: number) => Promise<number[]>;

function timed(fn: () => Promise<unknown>): Batch {
  return async (n) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      out.push((performance.now() - t0) * 1000);
    }
    return out;
  };
}

async function race(contenders: Record<string, Batch>): Promise<Record<string, Stats>> {
  const samples: Record<string, number[]> = {};
  for (const [name, batch] of Object.entries(contenders)) {
    await batch(WARMUP);
    samples[name] = [];
  }
  for (let done = 0; done < SAMPLES; done += BATCH) {
    for (const [name, batch] of Object.entries(contenders)) {
      samples[name]!.push(...(await batch(BATCH_WARMUP + BATCH)).slice(BATCH_WARMUP));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
}

/** A publisher in the throughput race. */
interface Publisher {
  publish(): void;
  flush(): Promise<void>;
}

/**
 * Publish throughput, interleaved: each publisher in turn sends a batch of PUBLISH_BATCH messages
 * and yields once (so its socket drains, as a real producer's would); its clock runs from the
 * batch's start to the end of that yield. After the last batch each one flushes (timed too).
 *
 * @returns msgs/s per publisher
 */
async function publishRace(publishers: Publisher[]): Promise<number[]> {
  const ms = publishers.map(() => 0);
  const batch = async (p: Publisher) => {
    for (let i = 0; i < PUBLISH_BATCH; i++) p.publish();
    await new Promise((r) => setTimeout(r, 0));
  };
  for (const p of publishers) await batch(p); // warm-up
  for (const p of publishers) await p.flush();
  for (let b = 0; b < PUBLISH_BATCHES; b++) {
    for (let k = 0; k < publishers.length; k++) {
      // Rotate who goes first, so that nobody always follows the same neighbour.
      const i = (b + k) % publishers.length;
      const t0 = performance.now();
      await batch(publishers[i]!);
      ms[i]! += performance.now() - t0;
    }
  }
  for (const [i, p] of publishers.entries()) {
    const t0 = performance.now();
    await p.flush();
    ms[i]! += performance.now() - t0;
  }
  return ms.map((t) => (PUBLISH_BATCH * PUBLISH_BATCHES) / (t / 1000));
}

const fmtUs = (x: number) => x.toFixed(1).padStart(8);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const rate = (x: number) => Math.round(x).toLocaleString("en").padStart(9);

/** Runs the client suite and prints its figures and ratios. */
export async function bench(): Promise<void> {
  await using ns = await startNats();
  const auth = ns.users.ops;

  // --- publish throughput with the standard headers -----------------------------------------
  const raw = await natsConnect({ servers: ns.url, ...auth.nats });
  let rawSeq = 0;
  const rawPublish = () => {
    const h = headers();
    h.set(HEADERS.unitId, "bench-raw");
    h.set(HEADERS.txTimestamp, nowNs());
    h.set(HEADERS.seq, String(++rawSeq));
    raw.publish("bench.pub", PAYLOAD, { headers: h });
  };
  const client = await connect({ servers: ns.url, unitId: "bench-client", creds: auth.creds });
  // The same client over transport-node: against raw nats.js this is the client layer alone.
  const clientNode = await connectNode({
    servers: ns.url,
    unitId: "bench-client-node",
    creds: auth.creds,
  });
  const [rawRate, clientRate, clientNodeRate] = await publishRace([
    { publish: rawPublish, flush: () => raw.flush() },
    { publish: () => client.publish("bench.pub", PAYLOAD), flush: () => client.flush() },
    { publish: () => clientNode.publish("bench.pub", PAYLOAD), flush: () => clientNode.flush() },
  ]);
  await client.close();
  await clientNode.close();

  // --- request-reply and native RTT, interleaved ---------------------------------------------
  const rawResponder = await natsConnect({ servers: ns.url, ...auth.nats });
  rawResponder.subscribe("bench.echo", {
    callback: (_e, m) => void m.respond(m.data, m.headers ? { headers: m.headers } : undefined),
  });
  await rawResponder.flush();
  const rawRequest = () => {
    const h = headers();
    h.set(HEADERS.unitId, "bench-raw");
    h.set(HEADERS.txTimestamp, nowNs());
    return raw.request("bench.echo", PAYLOAD, { timeout: 5000, headers: h });
  };

  const pair = async (label: string, dial: typeof connect) => {
    const responder = await dial({ servers: ns.url, unitId: `${label}-echo`, creds: auth.creds });
    responder.serveEcho();
    await responder.flush();
    const requester = await dial({ servers: ns.url, unitId: `${label}-req`, creds: auth.creds });
    return { responder, requester };
  };
  const deno = await pair("deno", connect);
  // The same client over transport-node (node:net), to show what the transport costs.
  const node = await pair("node", connectNode);
  const go = await startNatsGo({ url: ns.url, creds: ns.users.ops.creds, warmup: WARMUP });
  // nats.go on its own as well (not interleaved), for comparison with the interleaved figure.
  const goAlone = { app: stats(await go.app(SAMPLES)), native: stats(await go.native(SAMPLES)) };

  const app = await race({
    go: go.app,
    raw: timed(rawRequest),
    deno: timed(() => deno.requester.request("ops.echo.deno-echo", PAYLOAD)),
    node: timed(() => node.requester.request("ops.echo.node-echo", PAYLOAD)),
    denoEcho: timed(() => deno.requester.echo("deno-echo")),
  });
  const native = await race({
    go: go.native,
    raw: timed(() => raw.flush()),
    deno: timed(() => deno.requester.rtt()),
    node: timed(() => node.requester.rtt()),
  });
  const goAfter = { app: stats(await go.app(SAMPLES)), native: stats(await go.native(SAMPLES)) };
  await go.close();
  for (const c of [deno.requester, deno.responder, node.requester, node.responder]) {
    await c.close();
  }
  await raw.close();
  await rawResponder.close();

  const varz = await (await fetch(`${ns.monitorUrl}/varz`)).json() as { version: string };
  const print = console.log;
  print(
    `\n## client: @nunect/client vs raw nats.js vs nats.go (nats-server ${varz.version}, ` +
      `loopback, Deno ${Deno.version.deno}, nats.js 3.4.0, nats.go ${go.version})`,
  );
  print(
    `\npublish with standard headers: ${(PUBLISH_BATCH * PUBLISH_BATCHES).toLocaleString("en")} ` +
      `msgs of ${PAYLOAD.length} B each, in interleaved batches of ${PUBLISH_BATCH}`,
  );
  print(`  raw nats.js (transport-node)              ${rate(rawRate!)} msgs/s`);
  print(
    `  @nunect/client (Deno TCP)                 ${rate(clientRate!)} msgs/s` +
      `   client/raw ${ratio(clientRate!, rawRate!)}  (target >= 0.95)`,
  );
  print(
    `  @nunect/client (transport-node)           ${rate(clientNodeRate!)} msgs/s` +
      `   client/raw ${ratio(clientNodeRate!, rawRate!)}  (client layer alone)`,
  );
  print(
    `\nround trips in µs: ${SAMPLES} samples each, in interleaved batches of ${BATCH}` +
      `                median      p99`,
  );
  const row = (label: string, s: Stats) =>
    print(`  ${label.padEnd(62)}${fmtUs(s.median)} ${fmtUs(s.p99)}`);
  row("request-reply  nats.go (Go responder)", app.go!);
  row("request-reply  nats.go alone, before the race", goAlone.app);
  row("request-reply  nats.go alone, after the race", goAfter.app);
  row("request-reply  raw nats.js, transport-node", app.raw!);
  row("request-reply  @nunect/client request(), Deno TCP", app.deno!);
  row("request-reply  @nunect/client request(), transport-node", app.node!);
  row("request-reply  @nunect/client echo() via serveEcho(), Deno TCP", app.denoEcho!);
  row("native PING    nats.go RTT()", native.go!);
  row("native PING    nats.go RTT() alone, before the race", goAlone.native);
  row("native PING    nats.go RTT() alone, after the race", goAfter.native);
  row("native PING    raw nats.js flush() (its rtt() is whole ms)", native.raw!);
  row("native PING    @nunect/client rtt(), Deno TCP", native.deno!);
  row("native PING    @nunect/client rtt(), transport-node", native.node!);
  print("\nratios of medians (p99 in brackets):");
  const r2 = (label: string, a: Stats, b: Stats, note: string) =>
    print(`  ${label.padEnd(50)}x${ratio(a.median, b.median)} (x${ratio(a.p99, b.p99)})  ${note}`);
  r2("app RTT     @nunect/client request() / nats.go", app.deno!, app.go!, "target <= 1.15");
  r2("app RTT     @nunect/client echo() / nats.go", app.denoEcho!, app.go!, "target <= 1.15");
  r2("native RTT  @nunect/client / nats.go", native.deno!, native.go!, "target <= 1.10");
  r2("app RTT     raw nats.js / nats.go", app.raw!, app.go!, "baseline");
  r2("native RTT  raw nats.js / nats.go", native.raw!, native.go!, "baseline");
  r2("app RTT     @nunect/client / raw nats.js", app.deno!, app.raw!, "");
  r2("app RTT     client on transport-node / Deno TCP", app.node!, app.deno!, "transport");
  r2("native RTT  client on transport-node / Deno TCP", native.node!, native.deno!, "transport");

  await benchPackage(ns);
}
