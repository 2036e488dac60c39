// mods/tools: the pins, the cache layout, nunect's rule for the nats-server binary, and the
// builds (once per machine, one at a time, falling back in one line when Go cannot build).
import assert from "node:assert/strict";
import {
  cachedBinary,
  DEBIAN_NATS_SERVER,
  describeServer,
  GO_TOOLS,
  natsServerBin,
  toolPath,
  toolsCacheDir,
  ToolUnavailableError,
} from "../../mods/tools/mod.ts";
import { PROJECT_DIR, runScript } from "../_kit/mod.ts";

const pinned = GO_TOOLS["nats-server"].version.slice(1);

/** scripts/tools.sh with a whole environment (nothing else inherited). */
function tools(env: Record<string, string>, ...args: string[]) {
  return runScript("tools.sh", args, { HOME: Deno.env.get("HOME") ?? "/root", ...env });
}

async function tempCache(): Promise<string & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-tools-" });
  return Object.assign(dir, {
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  }) as string & AsyncDisposable;
}

Deno.test("the cache is machine-wide and keyed by tool, pinned version and target", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(toolsCacheDir(env({ HOME: "/home/a" })), "/home/a/.cache/nunect");
  assert.equal(toolsCacheDir(env({ HOME: "/home/a", XDG_CACHE_HOME: "/c" })), "/c/nunect");
  assert.equal(
    toolsCacheDir(env({ HOME: "/h", NUNECT_CACHE_DIR: "/var/cache/n" })),
    "/var/cache/n",
  );
  assert.equal(
    cachedBinary("nats-server", { cacheDir: "/c", target: "linux/arm64" }),
    `/c/go/nats-server@${GO_TOOLS["nats-server"].version}/linux-arm64/nats-server`,
  );
  assert.equal(
    cachedBinary("toxiproxy", { cacheDir: "/c", target: "linux/amd64" }),
    `/c/go/toxiproxy@${GO_TOOLS.toxiproxy.version}/linux-amd64/toxiproxy-server`,
  );
});

Deno.test("NATS_SERVER_BIN comes first; a path that is no nats-server is one clear error", async () => {
  const server = await natsServerBin({ serverBin: DEBIAN_NATS_SERVER, build: false });
  assert.deepEqual(server, {
    path: DEBIAN_NATS_SERVER,
    source: "NATS_SERVER_BIN",
    version: "2.9.10",
  });
  assert.equal(
    describeServer(server),
    `nats-server 2.9.10 (NATS_SERVER_BIN: ${DEBIAN_NATS_SERVER})`,
  );
  await assert.rejects(
    natsServerBin({ serverBin: "/nonexistent/nats-server" }),
    (e: unknown) =>
      e instanceof ToolUnavailableError &&
      /^NATS_SERVER_BIN=\/nonexistent\/nats-server is not a nats-server executable \(.*\): fix the path or leave it empty$/
        .test(e.message),
  );
});

Deno.test("the managed current server is the pin, built once in the machine cache and linked", async () => {
  const server = await natsServerBin({ serverBin: "", build: false });
  assert.equal(server.source, "managed", server.fallback);
  assert.equal(server.version, pinned);
  assert.equal(server.path, cachedBinary("nats-server"));
  assert.equal(await Deno.readLink(`${PROJECT_DIR}/.tools/nats-server`), server.path);
});

Deno.test("without a managed build: nats-server on PATH, else Debian's, with one line saying why", async () => {
  await using cache = await tempCache();
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const onPath = await natsServerBin({
    serverBin: "",
    build: false,
    cacheDir: cache,
    log,
    env: (n) => n === "PATH" ? "/nonexistent:/usr/sbin" : undefined,
  });
  assert.deepEqual([onPath.source, onPath.path, onPath.version], [
    "Debian",
    DEBIAN_NATS_SERVER,
    "2.9.10",
  ]);
  assert.match(
    onPath.fallback ?? "",
    /^nats-server v[\d.]+ is not built yet: run `bash scripts\/tools.sh install nats-server`$/,
  );
  assert.deepEqual(lines, [`Using nats-server 2.9.10 (${DEBIAN_NATS_SERVER}): ${onPath.fallback}`]);
  const debian = await natsServerBin({
    serverBin: "",
    build: false,
    cacheDir: cache,
    log,
    env: () => "/nonexistent",
  });
  assert.deepEqual([debian.source, debian.path], ["Debian", DEBIAN_NATS_SERVER]);
});

Deno.test("no Go: scripts/tools.sh falls back to Debian's server and says why in one line", async () => {
  await using cache = await tempCache();
  const deno = Deno.execPath();
  const r = await tools(
    { PATH: "/usr/bin:/bin", DENO: deno, NUNECT_CACHE_DIR: cache },
    "nats-server",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), DEBIAN_NATS_SERVER);
  assert.deepEqual(r.stderr.trim().split("\n"), [
    `Using nats-server 2.9.10 (${DEBIAN_NATS_SERVER}): nats-server ${
      GO_TOOLS["nats-server"].version
    } not built: Go is not installed (no \`go\` on PATH)`,
    `nats-server 2.9.10 (Debian's package: ${DEBIAN_NATS_SERVER})`,
  ]);
});

Deno.test("a failed build falls back and names the reason and the build log", async () => {
  await using cache = await tempCache();
  await using modCache = await tempCache();
  const r = await tools(
    {
      PATH: Deno.env.get("PATH") ?? "",
      DENO: Deno.execPath(),
      NUNECT_CACHE_DIR: cache,
      GOMODCACHE: modCache, // empty, and no proxy: the module cannot be had
      GOPROXY: "off",
    },
    "nats-server",
  );
  assert.equal(r.code, 0, r.stderr);
  const dir = `${cache}/go/nats-server@${GO_TOOLS["nats-server"].version}/linux-amd64`;
  assert.match(
    r.stderr,
    /^Building nats-server v[\d.]+ for linux\/amd64: go install github\.com\/nats-io\/nats-server\/v2@v[\d.]+ \(once; it is cached in .*\)$/m,
  );
  assert.match(
    r.stderr,
    new RegExp(
      `^Using nats-server 2\\.9\\.10 \\(${DEBIAN_NATS_SERVER}\\): nats-server v[\\d.]+ not built: go failed: .*GOPROXY=off.* \\(full output: ${dir}/build\\.log\\)$`,
      "m",
    ),
  );
  assert.match(await Deno.readTextFile(`${dir}/build.log`), /\$ go install -v -trimpath/);
  await assert.rejects(Deno.stat(`${dir}/nats-server`), Deno.errors.NotFound);
});

Deno.test("concurrent requests build once: the second waits for the first and reuses its build", async () => {
  await using cache = await tempCache();
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  // natscli: the Go build cache already holds its packages (setup built it), so this is quick.
  const [a, b] = await Promise.all([
    toolPath("natscli", { cacheDir: cache, log }),
    toolPath("natscli", { cacheDir: cache, log }),
  ]);
  assert.equal(a, b);
  assert.equal(a, cachedBinary("natscli", { cacheDir: cache }));
  assert.equal(lines.filter((l) => l.startsWith("Building natscli")).length, 1, lines.join("\n"));
  assert.equal(lines.filter((l) => l.includes("waiting for another process")).length, 1);
  const version = await new Deno.Command(a, { args: ["--version"] }).output();
  assert.equal(new TextDecoder().decode(version.stdout).trim(), GO_TOOLS.natscli.version);
  // Reused: asking again builds nothing.
  const before = lines.length;
  assert.equal(await toolPath("natscli", { cacheDir: cache, log }), a);
  assert.equal(lines.length, before);
});

Deno.test("a cross-compiled static variant is the same call with a target", async () => {
  await using cache = await tempCache();
  // toxiproxy: the smallest of the pins (a cold arm64 build takes about 20 s on two cores).
  const path = await toolPath("toxiproxy", {
    cacheDir: cache,
    target: "linux/arm64",
    log: () => {},
  });
  assert.equal(
    path,
    `${cache}/go/toxiproxy@${GO_TOOLS.toxiproxy.version}/linux-arm64/toxiproxy-server`,
  );
  const head = new Uint8Array(20);
  using f = await Deno.open(path);
  await f.read(head);
  assert.deepEqual([...head.slice(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "an ELF file");
  assert.equal(head[18]! | (head[19]! << 8), 183, "e_machine is EM_AARCH64");
});
