/**
 * natscli — a client nunect did not write — with a unit's `.creds`: it can do exactly what the
 * unit's role allows (its own telemetry, echo requests through its own inbox) and is refused
 * everything else by the server.
 */
import assert from "node:assert/strict";
import { connect } from "../../mods/client/mod.ts";
import { natscli, type NatsServer, startNats, type TestIdentity, until } from "../_kit/mod.ts";

interface Cli {
  code: number;
  out: string;
}

async function cli(ns: NatsServer, unit: TestIdentity, ...args: string[]): Promise<Cli> {
  const r = await natscli(ns.url, unit, "--timeout", "1s", ...args);
  return { code: r.code, out: r.stdout + r.stderr };
}

/** The server refused (natscli prints its error; `req` still exits 0 after printing it). */
function refused(r: Cli, subject: string): void {
  assert.match(r.out, /Permissions Violation/i, `not refused: ${r.out}`);
  assert.ok(r.out.includes(subject), `the refusal names ${subject}: ${r.out}`);
}

Deno.test("natscli with a guardian's .creds: its own telemetry and echo, nothing else", async () => {
  await using ns = await startNats();
  const g = await ns.unit("g1", { role: "guardian" });
  await using ops = await connect({ servers: ns.url, ...ns.users.ops.client });
  const seen: string[] = [];
  ops.subscribe("ops.>", (m) => void seen.push(m.subject));
  await ops.flush();
  await using target = await connect({ servers: ns.url, ...(await ns.unit("app-target")).client });
  target.serveEcho();
  await target.flush();

  for (const subject of ["ops.heartbeat.g1", "ops.metric.time.g1", "ops.log.info.g1"]) {
    const r = await cli(ns, g, "pub", subject, "{}");
    assert.equal(r.code, 0, r.out);
  }
  await until(() => seen.length >= 3, "the guardian's own telemetry in OPS");
  const echo = await cli(ns, g, "req", "ops.echo.app-target", "ping");
  assert.equal(echo.code, 0, echo.out);
  assert.match(echo.out, /ping/);

  refused(
    await cli(ns, g, "pub", "ops.heartbeat.nunect-hub", "{}"),
    "ops.heartbeat.nunect-hub",
  );
  refused(await cli(ns, g, "pub", "ops.time.config", "{}"), "ops.time.config");
  refused(await cli(ns, g, "sub", "_INBOX.>", "--count", "1"), "_INBOX.>");
  refused(await cli(ns, g, "sub", "ops.>", "--count", "1"), "ops.>");
  refused(await cli(ns, g, "stream", "ls"), "$JS.API.STREAM.LIST");
  refused(await cli(ns, g, "kv", "get", "nunect_units", "g1"), "$JS.API.STREAM.INFO");
  refused(await cli(ns, g, "req", "$SYS.REQ.SERVER.PING", ""), "$SYS.REQ.SERVER.PING");
  await ops.flush();
  assert.deepEqual(
    seen.filter((s) => !s.endsWith(".g1") && !s.endsWith(".app-target")),
    [],
    "a refused publish reached OPS",
  );
});

Deno.test("natscli with a browser's .creds: no guardian rights, no time config, no $SRV", async () => {
  await using ns = await startNats();
  const b = await ns.unit("browser-x", { role: "browser" });
  assert.equal(
    (await cli(ns, b, "pub", "ops.heartbeat.browser-x", "{}")).code,
    0,
  );
  refused(
    await cli(ns, b, "pub", "ops.metric.time.browser-x", "{}"),
    "ops.metric.time.browser-x",
  );
  refused(
    await cli(ns, b, "sub", "ops.time.config", "--count", "1"),
    "ops.time.config",
  );
  refused(
    await cli(ns, b, "sub", "$SRV.PING.guardian", "--count", "1"),
    "$SRV.PING.guardian",
  );
});
