/**
 * Identity in operator mode, measured: (1) 1,000 guardian-like clients connecting with their own
 * JWT credentials against the same 1,000 with one shared password (before operator mode), time
 * until all are connected and the server's CPU, alternating runs on servers of the same version,
 * and the same 1,000 sharing one JWT user (what operator mode costs by itself);
 * (2) minting 1,000 unit credentials through the controller (key pair, JWT, store, audit record)
 * against signing the bare JWTs; (3) pushing them: revoking them one at a time (each a claims
 * update the server applies live) against one revocation of all 1,000 in one update, and the
 * bare claims round trip. IDENTITY_BENCH_UNITS changes the count (default 1000).
 *
 * @module
 */
import { encodeUser } from "@nats-io/jwt";
import { newKeyPair } from "../../mods/controller/mod.ts";
import { cpuMs, startNats } from "../../tests/_kit/mod.ts";

const UNITS = Number(Deno.env.get("IDENTITY_BENCH_UNITS") ?? "1000");
const ROUNDS = 3;
const CHILD = new URL("./_identity_connect.ts", import.meta.url).pathname;

/** config/accounts.conf of before operator mode, reduced to what the guardians used. */
const BEFORE_OPERATOR_MODE = `server_name: $NATS_SERVER_NAME
host: 127.0.0.1
port: $NATS_PORT
http_port: $NATS_HTTP_PORT
jetstream { store_dir: $NATS_DATA_DIR }
system_account: SYS
accounts {
  SYS { users: [ { user: sys, password: bench-sys-password-1 } ] }
  OPS {
    jetstream: enabled
    users: [
      {
        user: guardian
        password: shared-guardian-password-1
        permissions: {
          publish: { allow: ["ops.heartbeat.*", "ops.echo.*", "ops.metric.>", "ops.time.config", "ops.log.>", "$SRV.>", "_INBOX.>"] }
          subscribe: { allow: ["ops.echo.*", "ops.time.config", "$SRV.>", "_INBOX.>"] }
          allow_responses: true
        }
      }
    ]
  }
}
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

interface ConnectResult {
  wallMs: number;
  cpuMs: number;
  serverCpuMs: number;
}

async function connectAll(url: string, serverPid: number, args: string[]): Promise<ConnectResult> {
  const s0 = await cpuMs(serverPid);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CHILD, url, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("The connecting child failed");
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return { wallMs: r.wallMs, cpuMs: r.cpuMs, serverCpuMs: (await cpuMs(serverPid)) - s0 };
}

const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

/** Runs the suite and prints its figures and ratios. */
export async function bench(): Promise<void> {
  await using ns = await startNats();
  const version = (await (await fetch(`${ns.monitorUrl}/varz`)).json()).version;
  const controller = await ns.controller();
  const dir = `${ns.dir}/bench-creds`;
  await Deno.mkdir(dir);
  const unitIds = Array.from(
    { length: UNITS },
    (_, i) => `bench-unit-${String(i).padStart(4, "0")}`,
  );

  // --- (2) minting ---------------------------------------------------------------------------
  const signer = newKeyPair("account");
  const b0 = performance.now();
  for (let i = 0; i < UNITS; i++) await encodeUser(unitIds[i]!, newKeyPair("user"), signer);
  const bareMs = performance.now() - b0;
  const m0 = performance.now();
  for (const unitId of unitIds) {
    const { creds } = await controller.issueUnit({ unitId, role: "guardian" }, "bench");
    await Deno.writeTextFile(`${dir}/${unitId}.creds`, creds);
  }
  const mintMs = performance.now() - m0;
  // One JWT user shared by every client: operator mode's own cost, without per-unit users.
  const sharedDir = `${ns.dir}/bench-shared-creds`;
  await Deno.mkdir(sharedDir);
  const sharedCreds = await Deno.readTextFile(`${dir}/${unitIds[0]}.creds`);
  for (const unitId of unitIds) {
    await Deno.writeTextFile(`${sharedDir}/${unitId}.creds`, sharedCreds);
  }

  // --- (1) connecting ------------------------------------------------------------------------
  // The baseline is nunect's configuration before operator mode: config-file accounts with the
  // system account (so connect events are raised here too) and one guardian user for all.
  const before = `${ns.dir}/before-operator-mode.conf`;
  await Deno.writeTextFile(before, BEFORE_OPERATOR_MODE);
  await using pw = await startNats({ configFile: before });
  const jwtRuns: ConnectResult[] = [];
  const pwRuns: ConnectResult[] = [];
  const sharedRuns: ConnectResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    pwRuns.push(
      await connectAll(pw.url, pw.pid, [
        "password",
        "guardian",
        "shared-guardian-password-1",
        String(UNITS),
      ]),
    );
    jwtRuns.push(await connectAll(ns.url, ns.pid, ["creds", dir, String(UNITS)]));
    sharedRuns.push(await connectAll(ns.url, ns.pid, ["creds", sharedDir, String(UNITS)]));
  }
  const m = (rs: ConnectResult[], k: keyof ConnectResult) => median(rs.map((x) => x[k]));

  // --- (3) pushing ---------------------------------------------------------------------------
  const ops = await controller.account("OPS");
  const lookups: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await controller.sync(); // a lookup round trip per account; no update when in step
    lookups.push(performance.now() - t);
  }
  const half = unitIds.slice(0, Math.floor(UNITS / 2));
  const rest = unitIds.slice(half.length);
  const r0 = performance.now();
  for (const unitId of half) await controller.revoke("OPS", { unitId }, "bench");
  const oneByOneMs = performance.now() - r0;
  const keys = (await controller.users({ account: "OPS" }))
    .filter((u) => u.unitId !== undefined && rest.includes(u.unitId))
    .map((u) => u.publicKey);
  const b1 = performance.now();
  await controller.revoke("OPS", { publicKeys: keys }, "bench");
  const batchMs = performance.now() - b1;
  const jwtBytes = (await controller.lookupAccount("OPS")).claims === null
    ? 0
    : JSON.stringify((await controller.lookupAccount("OPS")).claims).length;

  console.log(`identity: nats-server ${version}, ${UNITS} units, medians of ${ROUNDS} rounds`);
  console.log(
    `  connect ${UNITS} guardian-like clients   own JWT creds ${fmt(m(jwtRuns, "wallMs"))}` +
      `   shared password ${fmt(m(pwRuns, "wallMs"))}   ratio ${
        (m(jwtRuns, "wallMs") / m(pwRuns, "wallMs")).toFixed(2)
      } (target <= 1.30)`,
  );
  console.log(
    `    client CPU                          own JWT creds ${fmt(m(jwtRuns, "cpuMs"))}` +
      `   shared password ${fmt(m(pwRuns, "cpuMs"))}`,
  );
  console.log(
    `    server CPU                          own JWT creds ${fmt(m(jwtRuns, "serverCpuMs"))}` +
      `   shared password ${fmt(m(pwRuns, "serverCpuMs"))}`,
  );
  console.log(
    `    one shared JWT user (operator mode's own cost)   ${fmt(m(sharedRuns, "wallMs"))}` +
      `   server CPU ${fmt(m(sharedRuns, "serverCpuMs"))}   own creds vs shared JWT ${
        (m(jwtRuns, "wallMs") / m(sharedRuns, "wallMs")).toFixed(2)
      }`,
  );
  console.log(
    `  mint ${UNITS} unit credentials            controller ${fmt(mintMs)} (${
      (mintMs / UNITS).toFixed(2)
    } ms each: key pair, JWT, store, audit record)   bare JWT signing ${fmt(bareMs)}   ratio ${
      (mintMs / bareMs).toFixed(1)
    }`,
  );
  console.log(
    `  push: revoke ${half.length} one by one          ${fmt(oneByOneMs)} (${
      (oneByOneMs / half.length).toFixed(1)
    } ms each, every one a live claims update)   revoke ${keys.length} in one update ${
      fmt(batchMs)
    }`,
  );
  console.log(
    `    claims lookup round trip (baseline)  ${
      (median(lookups) / 5).toFixed(2)
    } ms per account   OPS JWT now ${(jwtBytes / 1024).toFixed(0)} KiB with ${UNITS} revocations`,
  );
  void ops;
}
