// The aarch64 router artefact in a musl-only aarch64 root file system under qemu (no glibc but
// the artefact's own): as on an OpenWRT router, installed as the .ipk would install it, it sends
// heartbeats to a hub on the host and reports aarch64 in its service metadata.
import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { decodeMessage, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { guardianEnv, routerArtefact, startMuslRoot, startNats } from "../_kit/mod.ts";
import { collect, observer } from "../guardian/_guardian.ts";

Deno.test("the aarch64 artefact in a musl-only aarch64 root under qemu: heartbeats reach the hub", async () => {
  const a = await routerArtefact("aarch64");
  await using ns = await startNats();
  await using obs = await observer(ns);
  await using root = await startMuslRoot("aarch64");
  const unit = "router-arm64";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  await using g = root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
    binds: { [a.dir]: "/usr/lib/nunect-guardian" },
    env: { PATH: "/bin:/sbin", ...guardianEnv(ns, unit, { HEARTBEAT_INTERVAL_MS: "500" }) },
  });
  const [msg] = await heartbeats.waitFor(1, 180_000).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(g.output())}`);
  });
  const hb = decodeMessage(heartbeatSchema, msg!.data);
  assert.ok(hb.ok, hb.ok ? "" : hb.error);
  assert.deepEqual([hb.value.unitId, hb.value.kind, hb.value.host], [
    unit,
    "guardian",
    "musl-aarch64",
  ]);
  const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
  const infos = [];
  for await (const i of await svc.info("guardian")) infos.push(i);
  assert.equal(infos[0]?.metadata?.arch, "aarch64");
  const r = await g.stop();
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
