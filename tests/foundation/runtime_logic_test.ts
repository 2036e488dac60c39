import assert from "node:assert/strict";
import {
  backoffDelay,
  countCrash,
  DEFAULT_BACKOFF,
  defaultModules,
  formatTable,
  InvalidModuleSpecError,
  natsHostPort,
  parseModuleSpec,
  portNumberProblems,
  portsInUse,
} from "../../mods/runtime/mod.ts";
import { loadConfig, placeholderSecrets, sections } from "../../mods/config/mod.ts";

const all = Object.keys(sections) as (keyof typeof sections)[];
const validEnv: Record<string, string> = Object.fromEntries(
  Object.values(sections).flatMap((s) =>
    Object.values(s as Record<string, { name: string; secret?: boolean }>)
      .filter((v) => v.secret)
      .map((v) => [v.name, "a-fresh-secret-value-0123456789-abcdef"])
  ),
);

Deno.test("backoff doubles from 1 s up to 30 s and resets after a healthy minute", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n)), [
    1000,
    2000,
    4000,
    8000,
    16000,
    30000,
    30000,
  ]);
  assert.equal(backoffDelay(0), 1000);
  assert.equal(countCrash(0, 10), 1);
  assert.equal(countCrash(3, 10), 4);
  assert.equal(countCrash(5, DEFAULT_BACKOFF.resetAfterMs), 1);
  const fast = { initialMs: 100, factor: 3, maxMs: 500, resetAfterMs: 1000 };
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, fast)), [100, 300, 500]);
});

Deno.test("the module table: dashboard, history and guardian; history and guardian allowed exactly the NATS_URL host", () => {
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
  const [dashboard, history, alerts, guardian] = defaultModules(config);
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

Deno.test("placeholder passwords from .env.example are found so the supervisor can warn", async () => {
  const example = await Deno.readTextFile(new URL("../../.env.example", import.meta.url));
  const vars = Object.fromEntries(
    [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const found = placeholderSecrets(all, (n) => vars[n]);
  assert.ok(found.includes("NATS_SYS_PASSWORD") && found.includes("DASHBOARD_SECRET"), `${found}`);
  assert.deepEqual(placeholderSecrets(all, (n) => validEnv[n]), []);
});
