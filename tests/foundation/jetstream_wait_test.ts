import { strict as assert } from "node:assert";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { spawnProgram, startNats, until } from "../_kit/mod.ts";

// nats-server 2.9 turns an account's JetStream on a moment after it loads the account. Here the
// moment is stretched at will: OPS's JetStream is turned off through the controller (limits 0),
// the program starts, and JetStream comes back.
Deno.test("programs: the alerts program started while OPS has no JetStream waits (saying so) and comes up once JetStream answers", async () => {
  await using ns = await startNats();
  const controller = await ns.controller();
  const probe = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const jetStreamAnswers = async () => {
      const m = await probe.request("$JS.API.INFO", undefined, { timeout: 2_000 });
      return (m.json() as { error?: unknown }).error === undefined;
    };
    await controller.updateAccount("OPS", { limits: { jsMemory: 0, jsDisk: 0 } }, "test");
    await until(async () => !(await jetStreamAnswers()), "OPS's JetStream to be off");

    await using alerts = spawnProgram({
      permissionSet: "alerts",
      entry: "mods/alerts/main.ts",
      denoFlags: [
        `--allow-net=127.0.0.1:${ns.port}`,
        `--allow-read=${ns.identityDir}/creds/alerts`,
      ],
      env: { NATS_URL: ns.url, UNIT_ID: "wait", NATS_IDENTITY_DIR: ns.identityDir },
    });
    await alerts.waitFor(
      /waiting for JetStream in the ops user's account \(attempt 1 of \d+\)/,
      30_000,
    );
    assert.doesNotMatch(alerts.output().stdout, /evaluating every/, "not up without JetStream");

    await controller.updateAccount("OPS", { limits: { jsMemory: -1, jsDisk: -1 } }, "test");
    await alerts.waitFor("evaluating every", 60_000);
    const buckets = [];
    for await (const s of new Kvm(probe).list()) buckets.push(s.bucket);
    assert.ok(buckets.length > 0, "the alert store's buckets were made once JetStream answered");
    const result = await alerts.stop();
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await probe.close();
  }
});
