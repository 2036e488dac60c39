// The router with its leaf node, as on an OpenWRT router: in a musl-only aarch64 root under qemu
// (no glibc but the artefact's own), the artefact's static nats-server (the pinned version,
// CGO_ENABLED=0 for arm64) links to a hub on the host with config/leaf.conf, and the artefact's
// guardian, connected to that leaf node only, gets its heartbeats to the hub across the link and
// reports aarch64 in its service metadata. The leaf node is given two hub URLs, one dead.
import { Svcm } from "@nats-io/services";
import assert from "node:assert/strict";
import { decodeMessage, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import {
  freePorts,
  guardianEnv,
  routerArtefact,
  startMuslRoot,
  startNats,
  until,
} from "../_kit/mod.ts";
import { collect, observer } from "../guardian/_guardian.ts";

Deno.test("the aarch64 artefact with its static leaf node in a musl root: heartbeats cross the link", async () => {
  const a = await routerArtefact("aarch64");
  const elf = await Deno.readFile(`${a.dir}/bin/nats-server`);
  assert.equal(new DataView(elf.buffer).getUint16(18, true), 183, "an aarch64 nats-server");
  assert.match(
    await Deno.readTextFile(`${a.dir}/MANIFEST`),
    /^nats-server v\d+\.\d+\.\d+ \(static, linux\/arm64; leaf\.conf\)$/m,
  );
  await using hub = await startNats();
  await using obs = await observer(hub);
  await using root = await startMuslRoot("aarch64");
  const [port, httpPort, nothing] = freePorts(3);
  const local = { user: "guardian", pass: "router-local-password-1" };
  const g = hub.users.guardian;
  const binds = { [a.dir]: "/usr/lib/nunect-guardian" };
  await using leaf = root.spawn(["/usr/lib/nunect-guardian/nunect-leaf"], {
    binds,
    env: {
      PATH: "/bin",
      NATS_SERVER_NAME: "router-arm64",
      NATS_PORT: String(port),
      NATS_HTTP_PORT: String(httpPort),
      NATS_GUARDIAN_USER: local.user,
      NATS_GUARDIAN_PASSWORD: local.pass,
      // two hub URLs, comma-separated as in leaf.env: nunect-leaf makes them the remote's list,
      // and the leaf node links through the one that answers
      NATS_LEAF_REMOTE_URL: [nothing, hub.leafPort]
        .map((p) => `nats-leaf://${g.user}:${g.pass}@127.0.0.1:${p}`).join(","),
    },
  });
  await until(
    async () => {
      try {
        const leafz = await (await fetch(`${hub.monitorUrl}/leafz`)).json() as {
          leafs?: { name?: string }[];
        };
        return (leafz.leafs ?? []).some((l) => l.name === "router-arm64");
      } catch {
        return false;
      }
    },
    "the router's leaf node in the hub's /leafz",
    120_000,
  ).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(leaf.output())}`);
  });
  const unit = "router-arm64-g";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  const leafUrl = `nats://127.0.0.1:${port}`;
  await using guardian = root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
    binds,
    env: {
      PATH: "/bin",
      ...guardianEnv(hub, unit, {
        NATS_URL: leafUrl,
        NATS_GUARDIAN_USER: local.user,
        NATS_GUARDIAN_PASSWORD: local.pass,
        HEARTBEAT_INTERVAL_MS: "500",
      }),
    },
  });
  const [msg] = await heartbeats.waitFor(1, 180_000).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(guardian.output())}`);
  });
  const hb = decodeMessage(heartbeatSchema, msg!.data);
  assert.ok(hb.ok, hb.ok ? "" : hb.error);
  assert.equal(hb.value.host, "musl-aarch64");
  const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
  const infos = [];
  for await (const i of await svc.info("guardian")) infos.push(i);
  assert.equal(infos.find((i) => i.metadata?.unitId === unit)?.metadata?.arch, "aarch64");
  assert.equal((await guardian.stop()).code, 0);
  assert.equal((await leaf.stop()).code, 0);
});
