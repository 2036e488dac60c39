// ARM64 proof: the guardian's entry point under the aarch64 Deno from npm (@deno/linux-arm64-glibc)
// through qemu-user-static, with Debian's arm64 libc as the loader prefix, under the same
// permission set, against a real nats-server: its heartbeat arrives and it reports aarch64.
import assert from "node:assert/strict";
import { Svcm } from "@nats-io/services";
import { decodeMessage, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { guardianEnv, PROJECT_DIR, startNats } from "../_kit/mod.ts";
import { collect, observer } from "./_guardian.ts";
import { natsHostPort } from "../../mods/runtime/mod.ts";

/** The npm package and version of the aarch64 Deno (the newest published for arm64). */
const PACKAGE = "@deno/linux-arm64-glibc@2.9.5";
const QEMU = "/usr/bin/qemu-aarch64-static";
const LOADER = "/lib/ld-linux-aarch64.so.1";

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Fetches the aarch64 deno once with `npm pack` into a cache dir; returns its path. */
async function arm64Deno(): Promise<string> {
  const cache = `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME")}/.cache`}/nunect/` +
    PACKAGE.replace(/[@/]/g, "_");
  const bin = `${cache}/package/deno`;
  try {
    await Deno.stat(bin);
    return bin;
  } catch { /* not there yet */ }
  await Deno.mkdir(cache, { recursive: true });
  await run("npm", ["pack", PACKAGE, "--silent", "--pack-destination", cache]);
  const tgz = [...Deno.readDirSync(cache)].find((e) => e.name.endsWith(".tgz"))?.name;
  if (!tgz) throw new Error(`npm pack ${PACKAGE} left no tarball in ${cache}`);
  await run("tar", ["xzf", tgz], cache);
  await Deno.remove(`${cache}/${tgz}`);
  return bin;
}

Deno.test("ARM64: the guardian under aarch64 Deno in qemu sends its heartbeat", async () => {
  for (const [path, pkg] of [[QEMU, "qemu-user-static"], [LOADER, "libc6:arm64"]]) {
    await Deno.stat(path!).catch(() => {
      throw new Error(`${path} is missing: run \`bash scripts/setup.sh test\` (installs ${pkg})`);
    });
  }
  const deno = await arm64Deno();
  await using ns = await startNats();
  await using obs = await observer(ns);
  const unit = "gd-arm64";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  const child = new Deno.Command(QEMU, {
    args: [
      "-L",
      "/",
      deno,
      "run",
      "--quiet",
      "--no-prompt",
      "-P=guardian",
      `--allow-net=${natsHostPort(ns.url)}`,
      "mods/guardian/main.ts",
    ],
    cwd: PROJECT_DIR,
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...guardianEnv(ns, unit, { HEARTBEAT_INTERVAL_MS: "500" }),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  try {
    const [msg] = await heartbeats.waitFor(2, 120_000);
    const hb = decodeMessage(heartbeatSchema, msg!.data);
    assert.ok(hb.ok, hb.ok ? "" : hb.error);
    assert.deepEqual([hb.value.unitId, hb.value.kind], [unit, "guardian"]);
    const svc = new Svcm(obs.nc as unknown as ConstructorParameters<typeof Svcm>[0]).client();
    const infos = [];
    for await (const i of await svc.info("guardian")) infos.push(i);
    assert.equal(infos[0]?.metadata?.arch, "aarch64");
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
    const out = await output;
    const dec = new TextDecoder();
    if (out.code !== 0) {
      console.error(
        `arm64 guardian exited ${out.code}:\n${dec.decode(out.stdout)}\n${dec.decode(out.stderr)}`,
      );
    }
  }
});
