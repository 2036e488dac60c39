// The router with its leaf node, as on an OpenWRT router: in a musl-only aarch64 root under qemu
// (no glibc but the artefact's own), the artefact's static nats-server (the pinned version,
// CGO_ENABLED=0 for arm64) links to a hub on the host with the leaf.conf of the router's bundle
// (authenticated as the router), and the artefact's guardian, connected to that leaf node only
// with the bundle's .creds and guardian.env, gets its heartbeats to the hub across the link and
// reports aarch64 in its service metadata. The bundle names two hub URLs, one dead.
import { Svcm } from "@nats-io/services";
import assert from "node:assert/strict";
import { decodeMessage, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { provisionRouter } from "../../mods/controller/mod.ts";
import { freePorts, routerArtefact, startMuslRoot, startNats, until } from "../_kit/mod.ts";
import { collect, observer } from "../guardian/_guardian.ts";

Deno.test("the aarch64 artefact with its static leaf node in a musl root: heartbeats cross the link", async () => {
  const a = await routerArtefact("aarch64");
  const elf = await Deno.readFile(`${a.dir}/bin/nats-server`);
  assert.equal(new DataView(elf.buffer).getUint16(18, true), 183, "an aarch64 nats-server");
  assert.match(
    await Deno.readTextFile(`${a.dir}/MANIFEST`),
    /^nats-server v\d+\.\d+\.\d+ \(static, linux\/arm64; leaf\.conf from the router's bundle\)$/m,
  );
  await using hub = await startNats();
  await using obs = await observer(hub);
  await using root = await startMuslRoot("aarch64");
  const [port, httpPort, nothing] = freePorts(3);
  // The router's bundle, as `deno task identity provision router-arm64` makes it: its .creds,
  // guardian.env and leaf.conf, installed in /etc/nunect of the router. Two hub URLs: the leaf
  // node links through the one that answers.
  const unit = "router-arm64";
  const bundle = await provisionRouter(await hub.controller(), {
    unitId: unit,
    hubLeafUrl: [nothing, hub.leafPort].map((p) => `nats-leaf://127.0.0.1:${p}`).join(","),
    local: { port, httpPort },
  }, "test");
  const etc = await Deno.makeTempDir({ prefix: "nunect-router-etc-" });
  await using _etc = { [Symbol.asyncDispose]: () => Deno.remove(etc, { recursive: true }) };
  for (const [name, content] of Object.entries(bundle.files)) {
    await Deno.writeTextFile(`${etc}/${name}`, content, { mode: 0o600 });
  }
  const binds = { [a.dir]: "/usr/lib/nunect-guardian", [etc]: "/etc/nunect" };
  await using leaf = root.spawn(["/usr/lib/nunect-guardian/nunect-leaf"], {
    binds,
    env: { PATH: "/bin" },
  });
  await until(
    async () => {
      try {
        const leafz = await (await fetch(`${hub.monitorUrl}/leafz`)).json() as {
          leafs?: { name?: string }[];
        };
        return (leafz.leafs ?? []).some((l) => l.name === unit);
      } catch {
        return false;
      }
    },
    "the router's leaf node in the hub's /leafz",
    120_000,
  ).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(leaf.output())}`);
  });
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  const guardianEnv = Object.fromEntries(
    bundle.files["guardian.env"]!.split("\n").flatMap((line) => {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      return m ? [[m[1]!, m[2]!]] : [];
    }),
  );
  await using guardian = root.spawn(["/usr/lib/nunect-guardian/nunect-guardian"], {
    binds,
    env: { PATH: "/bin", ...guardianEnv, HEARTBEAT_INTERVAL_MS: "500" },
  });
  const [msg] = await heartbeats.waitFor(1, 180_000).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(guardian.output())}`);
  });
  const hb = decodeMessage(heartbeatSchema, msg!.data);
  assert.ok(hb.ok, hb.ok ? "" : hb.error);
  assert.equal(hb.value.host, "musl-aarch64");
  const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
  // The guardian adds its service after its first heartbeat: ask until it answers.
  let arch: string | undefined;
  await until(
    async () => {
      try {
        for await (const i of await svc.info("guardian")) {
          if (i.metadata?.unitId === unit) arch = i.metadata?.arch;
        }
      } catch { /* no responder yet */ }
      return arch !== undefined;
    },
    "the guardian's service across the link",
    60_000,
  );
  assert.equal(arch, "aarch64");
  assert.equal((await guardian.stop()).code, 0);
  assert.equal((await leaf.stop()).code, 0);
});
