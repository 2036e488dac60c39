import assert from "node:assert/strict";
import {
  countCrash,
  DEFAULT_RESTART,
  defaultModules,
  formatTable,
  InvalidModuleSpecError,
  natsHostPort,
  parseModuleSpec,
  portNumberProblems,
  portsInUse,
  type ProcessTools,
  RunFile,
  unbindableAddress,
} from "../../mods/runtime/mod.ts";
import { ConfigError, loadConfig, sections } from "../../mods/config/mod.ts";
import { backoffDelay } from "../../mods/client/mod.ts";

const all = Object.keys(sections) as (keyof typeof sections)[];
const validEnv: Record<string, string> = Object.fromEntries(
  Object.values(sections).flatMap((s) =>
    Object.values(s as Record<string, { name: string; secret?: boolean }>)
      .filter((v) => v.secret)
      .map((v) => [v.name, "a-fresh-secret-value-0123456789-abcdef"])
  ),
);

Deno.test("backoff doubles from 1 s up to 30 s and resets after a healthy minute", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, DEFAULT_RESTART)), [
    1000,
    2000,
    4000,
    8000,
    16000,
    30000,
    30000,
  ]);
  assert.equal(backoffDelay(0, DEFAULT_RESTART), 1000);
  assert.equal(countCrash(0, 10), 1);
  assert.equal(countCrash(3, 10), 4);
  assert.equal(countCrash(5, DEFAULT_RESTART.resetAfterMs), 1);
  const fast = { initialMs: 100, factor: 3, maxMs: 500, resetAfterMs: 1000 };
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, fast)), [100, 300, 500]);
});

Deno.test("the module table: dashboard, history, registry, alerts and guardian; each allowed exactly the NATS_URL host", () => {
  const config = loadConfig(
    all,
    (n) =>
      ({
        ...validEnv,
        NATS_URL: "nats://10.1.2.3:4333",
        DASHBOARD_PORT: "4999",
        NATS_HTTP_PORT: "8333",
      })[n],
  );
  const [dashboard, history, registry, alerts, guardian] = defaultModules(config, "/opt/nunect");
  assert.deepEqual(
    { ...dashboard },
    {
      name: "dashboard",
      entry: "main.ts",
      permissionSet: "dashboard",
      denoFlags: ["--allow-net=127.0.0.1:4999,10.1.2.3:4333,127.0.0.1:8333"],
      where: "http://127.0.0.1:4999  (log in as admin; password: DASHBOARD_ADMIN_PASSWORD in .env)",
    },
  );
  assert.equal(history?.entry, "mods/history/main.ts");
  assert.equal(history?.permissionSet, "history");
  assert.deepEqual(history?.denoFlags, ["--allow-net=10.1.2.3:4333"]);
  assert.equal(registry?.entry, "mods/registry/main.ts");
  assert.equal(registry?.permissionSet, "registry");
  assert.deepEqual(registry?.denoFlags, ["--allow-net=10.1.2.3:4333"]);
  assert.equal(alerts?.permissionSet, "alerts");
  assert.deepEqual(alerts?.denoFlags, ["--allow-net=10.1.2.3:4333"], "no channels: NATS only");
  assert.equal(guardian?.entry, "mods/guardian/main.ts");
  assert.equal(guardian?.permissionSet, "guardian");
  assert.deepEqual(guardian?.denoFlags, ["--allow-net=10.1.2.3:4333"]);
});

Deno.test("natsHostPort fills in default ports per scheme", () => {
  assert.equal(natsHostPort("nats://127.0.0.1:4222"), "127.0.0.1:4222");
  assert.equal(natsHostPort("nats://hub.example"), "hub.example:4222");
  assert.equal(natsHostPort("tls://hub.example:7000"), "hub.example:7000");
  assert.equal(natsHostPort("wss://hub.example"), "hub.example:443");
  assert.equal(natsHostPort("ws://hub.example"), "hub.example:80");
  assert.equal(natsHostPort("http://127.0.0.1"), "127.0.0.1:80");
});

Deno.test("--module specs parse, and bad ones say what is expected", () => {
  assert.deepEqual(
    { ...parseModuleSpec("worker=tests/x/crash.ts@config") },
    {
      name: "worker",
      entry: "tests/x/crash.ts",
      permissionSet: "config",
      denoFlags: [],
      where: "tests/x/crash.ts",
    },
  );
  for (const bad of ["worker", "worker=x.ts", "=x.ts@config", "a b=x.ts@config"]) {
    assert.throws(
      () => parseModuleSpec(bad),
      (e: Error) =>
        e instanceof InvalidModuleSpecError && e.message.startsWith(`Invalid module "${bad}"`),
    );
  }
});

Deno.test("port checks: -1 and duplicate ports are refused with the variable names", () => {
  const config = loadConfig(
    all,
    (n) => ({ ...validEnv, NATS_WS_PORT: "-1", DASHBOARD_PORT: "4222" })[n],
  );
  assert.deepEqual(portsInUse(config, false).map((p) => p.variable), [
    "NATS_PORT",
    "NATS_HTTP_PORT",
    "NATS_WS_PORT",
    "NATS_LEAF_PORT",
  ]);
  const problems = portNumberProblems(portsInUse(config, true));
  assert.deepEqual(problems, [
    "NATS_WS_PORT=-1 (any free port) is for tests only: give a fixed port in .env",
    "DASHBOARD_PORT and NATS_PORT are both 4222: every listener needs its own port",
  ]);
  assert.deepEqual(portNumberProblems(portsInUse(loadConfig(all, (n) => validEnv[n]), true)), []);
});

Deno.test("the what-runs-where table aligns names, pids and values", () => {
  const text = formatTable([
    {
      name: "nats-server",
      pid: 7,
      lines: [["clients", "nats://h:1"], ["monitoring", "http://h:2"]],
    },
    { name: "guardian", pid: 12345, lines: [["", "unit u -> nats://h:1"]] },
  ]);
  assert.equal(
    text,
    [
      "  nats-server  pid 7      clients     nats://h:1",
      "                          monitoring  http://h:2",
      "  guardian     pid 12345              unit u -> nats://h:1",
    ].join("\n"),
  );
});

Deno.test("placeholder secrets from .env.example are refused by every program's configuration", async () => {
  const example = await Deno.readTextFile(new URL("../../.env.example", import.meta.url));
  const vars = Object.fromEntries(
    [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  let error: unknown;
  try {
    loadConfig(all, (n) => vars[n]);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, "the placeholders are refused");
  const refused = error.problems.filter((p) => p.placeholder).map((p) => p.name);
  assert.ok(refused.includes("NATS_SYS_PASSWORD") && refused.includes("DASHBOARD_SECRET"));
  assert.equal(refused.length, error.problems.length, "only the placeholders are refused");
  // The guardian loads only its own sections, and refuses its placeholder password too.
  assert.throws(
    () => loadConfig(["guardianUser"], (n) => vars[n]),
    /NATS_GUARDIAN_PASSWORD: still the public "change-me-\.\.\." placeholder/,
  );
  assert.doesNotThrow(() => loadConfig(all, (n) => validEnv[n]));
});

Deno.test("a listen address must belong to this host: wildcard, loopback or an interface's", () => {
  const local = ["127.0.0.1", "192.0.2.2", "::1"];
  for (const ok of ["0.0.0.0", "::", "127.0.0.1", "127.0.0.2", "::1", "localhost", "192.0.2.2"]) {
    assert.equal(unbindableAddress(ok, local), undefined, ok);
  }
  assert.match(
    unbindableAddress("198.51.100.7", local)!,
    /^an address of this host: 127\.0\.0\.1 \(this host only\), 0\.0\.0\.0 .*192\.0\.2\.2/,
  );
});

Deno.test("the run file names a process by pid and start time, and ends only live leftovers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const processes = new Map([[10, "Mon Dec  1 10:00:00 2026"], [11, "Mon Dec  1 10:00:01 2026"]]);
    const signals: string[] = [];
    const tools: ProcessTools = {
      started: (pid) => Promise.resolve(processes.get(pid)),
      signal: (pid, signal) => {
        signals.push(`${signal} ${pid}`);
        if (pid === 10) processes.delete(pid); // 11 ignores SIGTERM
        return Promise.resolve(true);
      },
    };
    const file = new RunFile(`${dir}/supervisor.json`, tools);
    assert.ok(await file.record("nats-server", 10));
    assert.ok(await file.record("dashboard", 11));
    assert.ok(await file.record("guardian", 12)); // already gone: not recorded
    const next = new RunFile(`${dir}/supervisor.json`, tools);
    processes.set(11, "Mon Dec  1 10:00:01 2026");
    const live = await next.live();
    assert.deepEqual(live.map((r) => r.name), ["nats-server", "dashboard"]);
    // The pid was reused by another process: not ours.
    processes.set(10, "Tue Dec  2 09:00:00 2026");
    assert.deepEqual((await next.live()).map((r) => r.name), ["dashboard"]);
    processes.set(10, "Mon Dec  1 10:00:00 2026");
    const killed = await next.end(live, 200);
    assert.deepEqual(killed.map((r) => r.pid), [11]);
    assert.deepEqual(signals, ["TERM 10", "TERM 11", "KILL 11"]);
    await next.remove();
    assert.deepEqual(await next.live(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
