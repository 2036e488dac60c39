/**
 * `deno task release` under its permission set: every artefact is there, `sha256sum -c` accepts
 * every checksum, and each program starts (`--version`), the aarch64 ones under qemu. The npm
 * package and router artefacts come from the release cache when their inputs are unchanged (the
 * first run on a machine builds them).
 */
import assert from "node:assert/strict";
import { PROJECT_DIR, runProgram } from "../_kit/mod.ts";
import { GO_TOOLS } from "../../mods/tools/mod.ts";
import denoJson from "../../deno.json" with { type: "json" };

const V = denoJson.version;
const PIN = GO_TOOLS["nats-server"].version;

async function sh(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
) {
  const out = await new Deno.Command(cmd, { args, env, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task release: every artefact, its checksum, and that it starts", async (t) => {
  const dist = await Deno.makeTempDir({ prefix: "nunect-release-" });
  try {
    const built = await runProgram({
      permissionSet: "release",
      entry: "scripts/release.ts",
      args: ["--allow-dirty", "--dist", dist],
      env: Object.fromEntries(
        ["XDG_CACHE_HOME", "NUNECT_CACHE_DIR", "DENO_DIR", "GOPATH", "GOMODCACHE"]
          .flatMap((k) => Deno.env.get(k) === undefined ? [] : [[k, Deno.env.get(k)!]]),
      ),
    });
    assert.equal(built.code, 0, `release failed:\n${built.stdout}\n${built.stderr}`);
    const dir = `${dist}/${V}`;
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const expected = [
      "SHA256SUMS",
      "SIZES.txt",
      `nats-server-${PIN}-linux-amd64.tar.gz`,
      `nats-server-${PIN}-linux-arm64.tar.gz`,
      `nunect-${V}-src.tar.gz`,
      `nunect-${V}.cdx.json`,
      `nunect-client-${V}.tgz`,
      `nunect-guardian-${V}-aarch64.run`,
      `nunect-guardian-${V}-x86_64.run`,
      `nunect-guardian_${V}_aarch64.ipk`,
      `nunect-guardian_${V}_x86_64.ipk`,
    ].sort();
    assert.deepEqual(files, expected);

    await t.step("sha256sum -c accepts every checksum, and every file has one", async () => {
      const sums = await Deno.readTextFile(`${dir}/SHA256SUMS`);
      const named = sums.trim().split("\n").map((l) => l.split(/\s+/)[1]).sort();
      assert.deepEqual(named, expected.filter((f) => f !== "SHA256SUMS"));
      const check = await sh("sha256sum", ["-c", "SHA256SUMS"], {}, dir);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.equal(check.stdout.match(/: OK$/gm)?.length, named.length);
      const sizes = await Deno.readTextFile(`${dir}/SIZES.txt`);
      for (const f of expected.filter((f) => !["SHA256SUMS", "SIZES.txt"].includes(f))) {
        assert.match(sizes, new RegExp(`^${f.replaceAll(".", "\\.")}\\s+[\\d.]+ [KM]iB$`, "m"));
      }
    });

    await t.step("the router artefacts start: x86_64 natively, aarch64 under qemu", async () => {
      const home = await Deno.makeTempDir({ prefix: "nunect-release-run-" });
      try {
        const x86 = await sh("sh", [`${dir}/nunect-guardian-${V}-x86_64.run`, "--version"], {
          NUNECT_GUARDIAN_HOME: home,
          PATH: Deno.env.get("PATH")!,
        });
        assert.equal(x86.code, 0, x86.stderr);
        assert.equal(x86.stdout.trim(), `nunect guardian ${V}`);
        const leaf = await sh(`${home}/nunect-guardian-x86_64/nunect-leaf`, ["--version"]);
        assert.equal(leaf.stdout.trim(), `nunect leaf ${V}\nnats-server: ${PIN}`);

        const arm = await sh("sh", [
          `${dir}/nunect-guardian-${V}-aarch64.run`,
          "--extract",
          home,
        ]);
        assert.equal(arm.code, 0, arm.stderr);
        const top = `${home}/nunect-guardian-aarch64`;
        const argv = (await sh(`${top}/nunect-guardian`, ["--print-command", "--version"]))
          .stdout.trim().split("\n");
        const guardian = await sh("qemu-aarch64-static", argv, { DENO_DIR: `${home}/deno` });
        assert.equal(guardian.stdout.trim(), `nunect guardian ${V}`, guardian.stderr);
        const server = await sh("qemu-aarch64-static", [`${top}/bin/nats-server`, "--version"]);
        assert.equal(server.stdout.trim(), `nats-server: ${PIN}`);
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    });

    await t.step(
      "the OpenWRT packages name the version, their architecture and the licences",
      async () => {
        for (const arch of ["x86_64", "aarch64"]) {
          const work = await Deno.makeTempDir({ prefix: "nunect-release-ipk-" });
          try {
            assert.equal(
              (await sh("tar", ["-xzf", `${dir}/nunect-guardian_${V}_${arch}.ipk`], {}, work)).code,
              0,
            );
            await sh("tar", ["-xzf", "control.tar.gz"], {}, work);
            const control = await Deno.readTextFile(`${work}/control`);
            assert.match(control, new RegExp(`^Version: ${V}$`, "m"));
            assert.match(control, new RegExp(`^Description: nunect guardian for ${arch}:`, "m"));
            assert.match(control, /Apache-2\.0 \(nats-server/);
          } finally {
            await Deno.remove(work, { recursive: true });
          }
        }
      },
    );

    await t.step(
      "the static leaf servers start on both architectures, with their licence",
      async () => {
        const work = await Deno.makeTempDir({ prefix: "nunect-release-leaf-" });
        try {
          for (const goarch of ["amd64", "arm64"]) {
            const top = `nats-server-${PIN}-linux-${goarch}`;
            await sh("tar", ["-xzf", `${dir}/${top}.tar.gz`], {}, work);
            assert.match(await Deno.readTextFile(`${work}/${top}/LICENSE`), /Apache License/);
            const bin = `${work}/${top}/nats-server`;
            const out = goarch === "amd64"
              ? await sh(bin, ["--version"])
              : await sh("qemu-aarch64-static", [bin, "--version"]);
            assert.equal(out.stdout.trim(), `nats-server: ${PIN}`, `${goarch}: ${out.stderr}`);
            const file = await sh("file", ["-b", bin]).catch(() => undefined);
            if (file?.code === 0) assert.match(file.stdout, /statically linked/);
          }
        } finally {
          await Deno.remove(work, { recursive: true });
        }
      },
    );

    await t.step("the npm tarball holds only the package's files", async () => {
      const list = await sh("tar", ["-tzf", `${dir}/nunect-client-${V}.tgz`]);
      const paths = list.stdout.trim().split("\n");
      for (const p of paths) {
        assert.match(p, /^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|esm\/.+)$/, p);
        assert.doesNotMatch(p, /\/(src|node_modules)\//, p);
      }
      assert.ok(paths.includes("package/esm/client/mod.js"));
      const pkg = await sh("tar", [
        "-xzOf",
        `${dir}/nunect-client-${V}.tgz`,
        "package/package.json",
      ]);
      assert.equal(JSON.parse(pkg.stdout).version, V);
    });

    await t.step("the source tarball is the project under nunect-<version>/", async () => {
      const list = (await sh("tar", ["-tzf", `${dir}/nunect-${V}-src.tar.gz`])).stdout;
      for (const f of ["deno.json", "deno.lock", "LICENSE", "README.md", ".ci/run", "main.ts"]) {
        assert.ok(list.includes(`nunect-${V}/${f}\n`), f);
      }
      assert.doesNotMatch(list, /\/(dist|npm|node_modules|\.data)\//);
    });

    await t.step(
      "the SBOM is CycloneDX 1.5 and lists every npm package deno.lock pins",
      async () => {
        const bom = JSON.parse(await Deno.readTextFile(`${dir}/nunect-${V}.cdx.json`));
        const lock = JSON.parse(await Deno.readTextFile(`${PROJECT_DIR}/deno.lock`)) as {
          npm: Record<string, { integrity: string }>;
        };
        assert.equal(bom.bomFormat, "CycloneDX");
        assert.equal(bom.specVersion, "1.5");
        assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
        assert.equal(bom.metadata.component.name, "nunect");
        assert.equal(bom.metadata.component.version, V);
        type Component = {
          "bom-ref": string;
          purl: string;
          scope: string;
          hashes?: { content: string }[];
        };
        const byRef = new Map<string, Component>(
          (bom.components as Component[]).map((c) => [c["bom-ref"], c]),
        );
        for (const [key, entry] of Object.entries(lock.npm)) {
          const at = key.indexOf("@", 1);
          const name = key.slice(0, at).replace(/^@/, "%40");
          const purl = `pkg:npm/${name}@${key.slice(at + 1).split("_")[0]}`;
          const c = byRef.get(purl);
          assert.ok(c, `${purl} is in the SBOM`);
          const hex = [...atob(entry.integrity.replace(/^sha512-/, ""))]
            .map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join("");
          assert.equal(c.hashes?.[0]?.content, hex, `${purl}: the lock's SHA-512`);
        }
        for (const d of bom.dependencies as { ref: string; dependsOn: string[] }[]) {
          for (const r of d.dependsOn) assert.ok(byRef.has(r), `${d.ref} -> ${r} resolves`);
        }
        assert.equal(
          byRef.get("pkg:npm/zod@" + denoJson.imports.zod.split("@").pop())?.scope,
          "required",
        );
        assert.equal(
          byRef.get(
            "pkg:npm/playwright-core@" + denoJson.imports["playwright-core"].split("@").pop(),
          )
            ?.scope,
          "optional",
          "test-only packages are optional",
        );
      },
    );
  } finally {
    await Deno.remove(dist, { recursive: true });
  }
});
