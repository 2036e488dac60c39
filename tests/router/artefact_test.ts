// The router artefact (deno task build:router): its launcher holds exactly the guardian
// permission set, the self-extracting file checks itself and refuses another architecture, the
// .ipk is what opkg expects, and the x86_64 build runs in a musl-only root file system (no glibc
// anywhere but inside the artefact) and its heartbeats reach a hub on the host.
import assert from "node:assert/strict";
import { decodeMessage, heartbeatSchema, subjects } from "../../mods/protocol/mod.ts";
import { natsHostPort } from "../../mods/runtime/mod.ts";
import {
  guardianEnv,
  guardianMemoryEnv,
  PROJECT_DIR,
  routerArtefact,
  spawnProcess,
  startMuslRoot,
  startNats,
} from "../_kit/mod.ts";
import { collect, observer } from "../guardian/_guardian.ts";

const dec = new TextDecoder();
const denoJson = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.json`));
const set = denoJson.permissions.guardian;

async function sh(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("sh", {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The ELF machine of a file: 62 = x86_64, 183 = aarch64. */
async function elfMachine(path: string): Promise<number> {
  const f = await Deno.open(path);
  const head = new Uint8Array(20);
  await f.read(head);
  f.close();
  return new DataView(head.buffer).getUint16(18, true);
}

Deno.test("build:router: the directory holds Deno, the loader, the libraries and the bundle", async () => {
  for (
    const [arch, machine, loader] of [["x86_64", 62, "ld-linux-x86-64.so.2"], [
      "aarch64",
      183,
      "ld-linux-aarch64.so.1",
    ]] as const
  ) {
    const a = await routerArtefact(arch);
    assert.equal(await elfMachine(`${a.dir}/bin/deno`), machine, arch);
    assert.equal(await elfMachine(`${a.dir}/lib/${loader}`), machine, arch);
    const libs = [...Deno.readDirSync(`${a.dir}/lib`)].map((e) => e.name).sort();
    assert.deepEqual(
      libs,
      [
        loader,
        "libc.so.6",
        "libdl.so.2",
        "libgcc_s.so.1",
        "libm.so.6",
        "libpthread.so.0",
        "librt.so.1",
      ].sort(),
    );
    const bundle = await Deno.readTextFile(`${a.dir}/guardian.js`);
    assert.doesNotMatch(bundle, /from\s*"npm:/);
    const manifest = await Deno.readTextFile(`${a.dir}/MANIFEST`);
    assert.match(manifest, new RegExp(`^deno ${Deno.version.deno} `, "m"));
    assert.match(manifest, /^debian libc6_.*\.deb$/m);
    // the libraries' licence notices (Debian's copyright files) and where their source is
    const libc = await Deno.readTextFile(`${a.dir}/LICENSE.libc6`);
    assert.match(libc, /GNU C Library/);
    assert.match(libc, /GNU Lesser General Public\s+License/);
    const libgcc = await Deno.readTextFile(`${a.dir}/LICENSE.libgcc-s1`);
    assert.match(libgcc, /GCC RUNTIME LIBRARY EXCEPTION/i);
    // Deno's own notice, from npm's `deno` package of the same version (the platform packages
    // carry none)
    const denoLicense = await Deno.readTextFile(`${a.dir}/LICENSE.deno`);
    assert.match(denoLicense, /^MIT License/);
    assert.match(denoLicense, /^Copyright \d{4}-\d{4} the Deno authors$/m);
    assert.match(denoLicense, /Permission is hereby granted, free of charge/);
    assert.match(
      manifest,
      new RegExp(
        `^deno ${Deno.version.deno} .*its LICENSE from npm's deno@${Deno.version.deno}`,
        "m",
      ),
    );
    assert.match(manifest, /^licences: LICENSE\.deno \(Deno\), LICENSE\.libc6 \(glibc\), /m);
    assert.match(manifest, /^debian gcc-\d+-base_.*\.deb$/m);
    assert.match(
      manifest,
      /^source glibc \S+ https:\/\/snapshot\.debian\.org\/package\/glibc\/\S+\/$/m,
    );
    assert.match(
      manifest,
      /^source gcc-\d+ \S+ https:\/\/snapshot\.debian\.org\/package\/gcc-\d+\/\S+\/$/m,
    );
  }
});

Deno.test("build:router: the launcher's permissions are exactly the guardian set's", async () => {
  const a = await routerArtefact("x86_64");
  for (
    const url of [
      "nats://127.0.0.1:4222",
      "nats://guardian:pass-word_1@hub.example:7422",
      "tls://hub.example",
      "ws://10.1.2.3",
      "wss://[::1]:8443",
      "nats://[fe80::1]",
    ]
  ) {
    const creds = "/etc/nunect/router-7.creds";
    const r = await sh([`${a.dir}/nunect-guardian`, "--print-command"], {
      NATS_URL: url,
      NATS_CREDS: creds,
    });
    assert.equal(r.code, 0, r.stderr);
    const args = r.stdout.trimEnd().split("\n");
    const flags = args.filter((x) => x.startsWith("--allow-") || x.startsWith("--deny-"));
    assert.deepEqual(flags, [
      `--allow-net=${natsHostPort(url)}`,
      `--allow-read=${creds}`,
      `--allow-env=${set.env.join(",")}`,
      `--allow-run=${set.run.join(",")}`,
      `--allow-sys=${set.sys.join(",")}`,
    ], url);
    // no other file access, no -A, nothing after the program but its own arguments
    assert.ok(
      !args.some((x) => /^(-A|--allow-all|--allow-write|--allow-ffi)/.test(x)),
    );
    assert.equal(args.filter((x) => x.startsWith("--allow-read")).length, 1);
    assert.deepEqual(args.slice(0, 4), [
      `${a.dir}/lib/ld-linux-x86-64.so.2`,
      "--library-path",
      `${a.dir}/lib`,
      `${a.dir}/bin/deno`,
    ]);
    assert.equal(args.at(-1), `${a.dir}/guardian.js`);
  }
  const bad = await sh([`${a.dir}/nunect-guardian`], { NATS_URL: "nats://" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /NATS_URL "nats:\/\/" names no host/);
  const noCreds = await sh([`${a.dir}/nunect-guardian`], { NATS_URL: "nats://127.0.0.1:4222" });
  assert.equal(noCreds.code, 2);
  assert.match(noCreds.stderr, /NATS_CREDS is not set: set it to the router's \.creds/);
});

Deno.test("build:router: under the launcher everything outside the set is refused", async () => {
  await using ns = await startNats();
  const a = await routerArtefact("x86_64");
  // the artefact with the permission probe in place of the guardian
  const dir = await Deno.makeTempDir({ prefix: "nunect-probe-" });
  try {
    await new Deno.Command("cp", { args: ["-a", `${a.dir}/.`, dir] }).output();
    const b = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "-o", `${dir}/guardian.js`, "tests/guardian/_probe.ts"],
      cwd: PROJECT_DIR,
    }).output();
    assert.ok(b.success);
    const other = `127.0.0.1:${ns.httpPort}`;
    const r = await sh([`${dir}/nunect-guardian`, natsHostPort(ns.url), other], {
      NATS_URL: ns.url,
      NATS_CREDS: `${dir}/router.creds`,
      HOME: dir,
      PATH: "/usr/bin:/bin",
    });
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got["net NATS"], "allowed");
    for (
      const refused of [
        "run /bin/sh",
        "env HOME",
        "net other port",
        "net fetch",
        "read /etc/hostname",
        "write /tmp",
        "sys osUptime",
        "ffi",
      ]
    ) assert.equal(got[refused], "refused", refused);
    assert.equal(got["run /usr/bin/chronyc"], "allowed");
    assert.equal(got["env NATS_URL"], "allowed");
    assert.equal(got["sys hostname"], "allowed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build:router: the launcher runs Deno with the guardian's memory settings", async () => {
  const a = await routerArtefact("x86_64");
  const memory = await guardianMemoryEnv();
  assert.deepEqual(await guardianMemoryEnv(`${a.dir}/memory.env`), memory);
  // the artefact with a program that only waits in place of the guardian
  const dir = await Deno.makeTempDir({ prefix: "nunect-memory-" });
  try {
    await new Deno.Command("cp", { args: ["-a", `${a.dir}/.`, dir] }).output();
    await Deno.writeTextFile(
      `${dir}/guardian.js`,
      'console.log("up"); setInterval(() => {}, 1000);',
    );
    await using p = spawnProcess(
      new Deno.Command(`${dir}/nunect-guardian`, {
        // NATS_CREDS: the launcher refuses to start without it; the waiting program reads nothing
        env: {
          PATH: "/usr/bin:/bin",
          DENO_DIR: `${dir}/deno-dir`,
          NATS_CREDS: `${dir}/unit.creds`,
        },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    );
    await p.waitFor(/up/, 60_000);
    // exec'd: the launcher's pid is Deno's
    const environ = (await Deno.readTextFile(`/proc/${p.child.pid}/environ`)).split("\0");
    for (const [k, v] of Object.entries(memory)) assert.ok(environ.includes(`${k}=${v}`), k);
    assert.match(await Deno.readTextFile(`/proc/${p.child.pid}/cmdline`), /bin\/deno\0run\0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build:router: the self-extracting file checks itself and refuses another machine", async () => {
  const a = await routerArtefact("aarch64");
  assert.equal((await sh([a.runFile, "--check"])).code, 0);
  const list = await sh([a.runFile, "--list"], { PATH: "/usr/bin:/bin" });
  assert.ok(list.stdout.includes("nunect-guardian-aarch64/bin/deno"), list.stderr);
  const wrong = await sh([a.runFile], { PATH: "/usr/bin:/bin" });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /built for aarch64, this machine is x86_64: use the x86_64 build/);
  // a truncated copy (an interrupted scp) is refused before anything is extracted
  const dir = await Deno.makeTempDir({ prefix: "nunect-run-" });
  try {
    const data = await Deno.readFile(a.runFile);
    await Deno.writeFile(`${dir}/cut.run`, data.subarray(0, data.length - 1000));
    const cut = await sh([`${dir}/cut.run`, "--extract", dir], { PATH: "/usr/bin:/bin" });
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /the archive is damaged .*: copy the file again/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["cut.run"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build:router: the .ipk holds the artefact, the procd scripts and UCI defaults", async () => {
  const a = await routerArtefact("aarch64");
  const dir = await Deno.makeTempDir({ prefix: "nunect-ipk-" });
  const tar = async (args: string[]) => {
    const out = await new Deno.Command("tar", { args, cwd: dir, stdout: "piped" }).output();
    assert.ok(out.success, `tar ${args.join(" ")}`);
    return dec.decode(out.stdout);
  };
  try {
    assert.deepEqual((await tar(["tzf", a.ipk])).trim().split("\n"), [
      "./debian-binary",
      "./data.tar.gz",
      "./control.tar.gz",
    ]);
    await tar(["xzf", a.ipk]);
    assert.equal(await Deno.readTextFile(`${dir}/debian-binary`), "2.0\n");
    await Deno.mkdir(`${dir}/control`);
    await tar(["xzf", "control.tar.gz", "-C", "control"]);
    const control = await Deno.readTextFile(`${dir}/control/control`);
    assert.match(control, /^Package: nunect-guardian$/m);
    assert.match(control, new RegExp(`^Version: ${denoJson.version}$`, "m"));
    assert.match(control, /^Architecture: all$/m);
    assert.match(control, /^Installed-Size: \d{8,}$/m);
    assert.equal(
      await Deno.readTextFile(`${dir}/control/conffiles`),
      "/etc/config/nunect\n/etc/nunect/guardian.env\n/etc/nunect/leaf.env\n",
    );
    // preinst refuses a router of another architecture (this machine is x86_64)
    const pre = await sh([`${dir}/control/preinst`], { PATH: "/usr/bin:/bin" });
    assert.equal(pre.code, 1);
    assert.match(pre.stderr, /this package is for aarch64 routers, this one is x86_64/);
    const listing = await tar(["tzvf", "data.tar.gz"]);
    const entry = (path: string) => listing.split("\n").find((l) => l.endsWith(path)) ?? "";
    assert.match(entry("./etc/nunect/guardian.env"), /^-rw------- 0\/0 /);
    assert.match(entry("./etc/init.d/nunect-guardian"), /^-rwxr-xr-x 0\/0 /);
    // built --with-leaf: the leaf node's init script and env file come with it
    assert.match(entry("./etc/init.d/nunect-leaf"), /^-rwxr-xr-x 0\/0 /);
    assert.match(entry("./etc/nunect/leaf.env"), /^-rw------- 0\/0 /);
    assert.match(entry("./usr/lib/nunect-guardian/procd_env.sh"), /^-rw-r--r-- 0\/0 /);
    assert.match(entry("./etc/config/nunect"), /^-rw-r--r-- 0\/0 /);
    assert.match(entry("./etc/uci-defaults/90-nunect-guardian"), /^-rwxr-xr-x /);
    assert.match(
      listing,
      / \.\/usr\/bin\/nunect-guardian -> \.\.\/lib\/nunect-guardian\/nunect-guardian$/m,
    );
    for (
      const f of [
        "bin/deno",
        "lib/ld-linux-aarch64.so.1",
        "guardian.js",
        "nunect-guardian",
        "LICENSE.deno",
        "LICENSE.libc6",
        "LICENSE.libgcc-s1",
        "LICENSE.nats-server",
      ]
    ) {
      assert.ok(entry(`./usr/lib/nunect-guardian/${f}`), f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the x86_64 artefact in a musl-only root: its heartbeats reach the hub", async () => {
  const a = await routerArtefact("x86_64");
  await using ns = await startNats();
  await using obs = await observer(ns);
  await using root = await startMuslRoot("x86_64");
  const glibc = await sh(["-c", `find ${root.dir} -name 'libc.so.6' -o -name 'ld-linux*'`]);
  assert.equal(glibc.stdout, "", "the root holds no glibc");
  const unit = "router-x86";
  const heartbeats = await collect(obs, subjects.heartbeat(unit));
  // the single file, as dropped onto a router: it extracts itself to /tmp and runs, with the
  // router's .creds where its bundle puts them
  const env = await guardianEnv(ns, unit);
  const creds = `/etc/nunect/${unit}.creds`;
  await using g = root.spawn(["/bin/sh", "/opt/nunect-guardian.run"], {
    binds: { [a.runFile]: "/opt/nunect-guardian.run", [env.NATS_CREDS!]: creds },
    env: { PATH: "/bin:/sbin", TMPDIR: "/tmp", ...env, NATS_CREDS: creds },
  });
  const [msg] = await heartbeats.waitFor(1, 60_000).catch((e) => {
    throw new Error(`${e.message}\n${JSON.stringify(g.output())}`);
  });
  const hb = decodeMessage(heartbeatSchema, msg!.data);
  assert.ok(hb.ok, hb.ok ? "" : hb.error);
  assert.equal(hb.value.host, "musl-x86_64");
  const r = await g.stop();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SIGTERM: stopping/);
});
