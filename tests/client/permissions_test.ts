import assert from "node:assert/strict";
import { guardianEnv, guardianFlags, runProgram, startNats } from "../_kit/mod.ts";

Deno.test("the client needs nothing beyond the guardian's permission set (net to its server)", async () => {
  await using ns = await startNats();
  const env = await guardianEnv(ns, "probe-1");
  const ok = await runProgram({
    permissionSet: "guardian",
    entry: "tests/client/_least_privilege_probe.ts",
    denoFlags: guardianFlags(env),
    env,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok echo=\d+µs rtt=\d+µs/);

  // Without network permission for the server's port the same program is refused.
  const refused = await runProgram({
    permissionSet: "guardian",
    entry: "tests/client/_least_privilege_probe.ts",
    denoFlags: [`--allow-read=${env.NATS_CREDS}`],
    env,
  });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /NotCapable|PermissionDenied|Requires net access/);
});
