/**
 * `deno task cli` against a running dashboard: a token made by logging in, then every command
 * over HTTP with that token (the same routes, roles and audit trail as the browser), `--help`
 * on every command, `--json`, and the `cli` permission set's refusals.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { COMMANDS, runCli } from "../../mods/cli/mod.ts";
import { runProgram, startNats, until } from "../_kit/mod.ts";
import { ADMIN } from "../dashboard/_harness.ts";
import { startDashboardProgram } from "../dashboard/_server.ts";

interface Run {
  code: number;
  out: string;
  err: string;
}

function cli(env: Record<string, string>, answers: string[] = []) {
  return async (...args: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, {
      env: (name) => env[name],
      print: (l) => out.push(l),
      error: (l) => err.push(l),
      ask: () => Promise.resolve(answers.shift() ?? ""),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
}

Deno.test("cli: --help on every command, and bad usage named", async () => {
  const run = cli({});
  const all = await run("--help");
  assert.equal(all.code, 0);
  for (const c of COMMANDS) {
    assert.ok(all.out.includes(c.name), c.name);
    const one = await run(...c.name.split(" "), "--help");
    assert.equal(one.code, 0, c.name);
    assert.match(one.out, new RegExp(`^Usage: nunect ${c.name}`), c.name);
  }
  assert.equal((await run("nonsense")).code, 2);
  const missing = await run("streams", "info", "OPS");
  assert.equal(missing.code, 2);
  assert.match(missing.err, /takes 2 arguments/);
  assert.match((await run("streams", "ls", "--bogus")).err, /Unknown option '--bogus'/);
  assert.match((await run("status")).err, /No API token: set NUNECT_TOKEN/);
});

Deno.test("cli: a token by login, then every command against a running dashboard", async (t) => {
  await using ns = await startNats();
  await using dash = await startDashboardProgram(ns, { TELEMETRY_HISTORY_MAX_MB: "32" });
  const nc = await connect({
    servers: ns.url,
    ...(await ns.console("BRIDGE")).nats,
    name: "cli-client",
  });
  await (await jetstreamManager(nc)).streams.add({ name: "ORDERS", subjects: ["orders.>"] });
  for (let i = 0; i < 5; i++) nc.publish(`orders.${i}`, "x");
  await nc.flush();
  await new Kvm(nc).create("cfg");
  try {
    const made = await cli({ NUNECT_URL: dash.url }, [ADMIN.password])(
      "tokens",
      "create",
      "cli-test",
      "--user",
      ADMIN.user,
      "--days",
      "2",
    );
    assert.equal(made.code, 0, made.err);
    const token = made.out.split("\n")[0]!;
    assert.match(token, /^nunect_[0-9a-f]{16}_/);
    const run = cli({ NUNECT_URL: dash.url, NUNECT_TOKEN: token }, ["bea-password-123456"]);

    await t.step("status, units, connections", async () => {
      const status = await run("status");
      assert.equal(status.code, 0, status.err);
      assert.match(status.out, /user\s+admin \(admin, every account\)/);
      assert.match(status.out, /server\s+\S+ nats-server \d/);
      await until(async () => {
        const units = await run("units", "--json");
        assert.equal(units.code, 0, units.err);
        return JSON.parse(units.out).total >= 1;
      }, "the dashboard's own unit listed");
      assert.match((await run("units")).out, /^UNIT\s+KIND/);
      const conns = await run("connections", "--acc", "BRIDGE");
      assert.match(conns.out, /cli-client/);
      const cid = JSON.parse((await run("connections", "--acc", "BRIDGE", "--json")).out)
        .connections.find((c: { name: string }) => c.name === "cli-client").cid;
      const kick = await run("connections", "kick", String(cid));
      // Debian's 2.9.10 has no KICK: the API says what it requires.
      if (kick.code !== 0) assert.match(kick.err, /requires nats-server/i);
      else assert.match(kick.out, new RegExp(`Client ${cid} disconnected`));
    });

    await t.step("streams ls, info, purge (after a dry run)", async () => {
      assert.match((await run("streams", "ls")).out, /BRIDGE\s+ORDERS\s+orders\.>\s+5/);
      assert.match((await run("streams", "info", "BRIDGE", "ORDERS")).out, /messages\s+5/);
      const dry = await run("streams", "purge", "BRIDGE", "ORDERS", "--keep", "2");
      assert.match(dry.out, /Would remove 3 messages; add --yes/);
      const purge = await run("streams", "purge", "BRIDGE", "ORDERS", "--keep", "2", "--yes");
      assert.equal(purge.code, 0, purge.err);
      assert.match(purge.out, /Purged 3 messages/);
    });

    await t.step("kv put and get; alerts ls", async () => {
      assert.match((await run("kv", "put", "BRIDGE", "cfg", "mode", "festival")).out, /revision 1/);
      assert.equal((await run("kv", "get", "BRIDGE", "cfg", "mode")).out, "festival");
      const missing = await run("kv", "get", "BRIDGE", "cfg", "nope");
      assert.equal(missing.code, 1);
      assert.match(missing.err, /404/);
      const alerts = await run("alerts", "ls");
      assert.equal(alerts.code, 0, alerts.err);
      const ack = await run("alerts", "ack", "r1", "x");
      assert.equal(ack.code, 1, "no alerts program: the API says why");
      assert.match(ack.err, /503|not available/);
    });

    await t.step("users add and disable; tokens ls and revoke", async () => {
      const add = await run("users", "add", "bea", "--role", "operator", "--accounts", "BRIDGE");
      assert.equal(add.code, 0, add.err);
      assert.match((await run("users", "ls")).out, /bea\s+operator\s+BRIDGE/);
      assert.match((await run("users", "disable", "bea")).out, /Disabled bea/);
      const list = JSON.parse((await run("tokens", "ls", "--json")).out);
      assert.equal(list.tokens[0].name, "cli-test");
      const revoke = await run("tokens", "revoke", list.tokens[0].id);
      assert.equal(revoke.code, 0, revoke.err);
      const after = await run("status");
      assert.equal(after.code, 1);
      assert.match(after.err, /401 Invalid, expired or revoked API token/);
    });
  } finally {
    await nc.close();
  }
});

Deno.test("cli: runs under its own permission set; another host needs --allow-net", async () => {
  const env = { NUNECT_URL: "http://dashboard.example.invalid", NUNECT_TOKEN: "nunect_x" };
  const r = await runProgram({
    permissionSet: "cli",
    entry: "mods/cli/main.ts",
    args: ["status"],
    env,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Not allowed to reach "dashboard\.example\.invalid".*--allow-net=/);
  const help = await runProgram({
    permissionSet: "cli",
    entry: "mods/cli/main.ts",
    args: ["--help"],
  });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: nunect <command>/);
  // Nothing but its two variables and the network: a probe of the set's refusals.
  const set = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)))
    .permissions.cli;
  assert.deepEqual(Object.keys(set).sort(), ["env", "net"]);
  assert.deepEqual(set.env, ["NUNECT_URL", "NUNECT_TOKEN"]);
});
