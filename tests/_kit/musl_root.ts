import { type RunningProgram, spawnProcess } from "./program.ts";
import { PROJECT_DIR } from "./project.ts";
import type { RouterArch } from "./router.ts";

/** Options of {@linkcode MuslRoot.spawn}. */
export interface MuslSpawnOptions {
  /** The whole environment inside (nothing is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** Host directories or files mounted read-only into the root: host path -> path inside. */
  readonly binds?: Readonly<Record<string, string>>;
}

/**
 * A musl-only root file system of one architecture (Debian's musl and busybox-static, nothing
 * else: no glibc), for running programs as on an OpenWRT router. Dispose it to stop what runs in
 * it and remove it.
 */
export interface MuslRoot extends AsyncDisposable {
  /** The root's directory on the host. */
  readonly dir: string;
  /** Its architecture. */
  readonly arch: RouterArch;
  /**
   * Runs `argv` chrooted in the root, in new user (root mapped to this user), mount, UTS
   * (host name `musl-<arch>`) and PID namespaces (the program is PID 1 there; the network is the host's, so servers on the host's
   * loopback are reachable). An aarch64 root runs under qemu-aarch64-static through a
   * binfmt_misc entry registered in the private binfmt_misc instance of the namespace: the host's
   * binfmt_misc is not touched.
   *
   * @param argv the program and its arguments, as paths inside the root
   * @param options environment and read-only bind mounts
   * @returns the running program (stop() sends the signal to the program itself, once it has a
   *   handler for it: PID 1 ignores the others)
   */
  spawn(argv: readonly string[], options?: MuslSpawnOptions): RunningProgram;
}

const DEBIAN_ARCH: Record<RouterArch, string> = { x86_64: "amd64", aarch64: "arm64" };
const QEMU = "/usr/bin/qemu-aarch64-static";

/**
 * Builds a musl-only root file system for `arch` from Debian's packages (`musl`, `busybox-static`,
 * extracted by scripts/debian_root.sh: nothing is installed on the host) in a temporary directory.
 *
 * @param arch the architecture
 * @returns the root
 * @throws {Error} when the packages cannot be had or, for aarch64, qemu-user-static is missing
 * @example
 * ```ts
 * await using root = await startMuslRoot("aarch64");
 * await using p = root.spawn(["/bin/sh", "-c", "uname -m"]);
 * ```
 */
export async function startMuslRoot(arch: RouterArch): Promise<MuslRoot> {
  const binfmt = arch === "aarch64" ? await qemuBinfmtEntry() : "";
  const out = await new Deno.Command("bash", {
    args: [`${PROJECT_DIR}/scripts/debian_root.sh`, DEBIAN_ARCH[arch], "musl", "busybox-static"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`Cannot build a musl root: ${dec.decode(out.stderr)}`);
  const cached = dec.decode(out.stdout).trim();
  const dir = await Deno.makeTempDir({ prefix: `nunect-musl-${arch}-` });
  const copy = await new Deno.Command("cp", { args: ["-a", `${cached}/root/.`, dir] }).output();
  if (!copy.success) throw new Error(`Cannot copy ${cached}/root to ${dir}`);
  for (const d of ["proc", "dev", "tmp", "etc", "bin", "sbin", "usr/bin", "usr/sbin", "opt"]) {
    await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  }
  await Deno.chmod(`${dir}/tmp`, 0o1777);
  await Deno.writeTextFile(`${dir}/etc/hosts`, "127.0.0.1 localhost\n");
  await Deno.writeTextFile(`${dir}/etc/hostname`, `musl-${arch}\n`);

  const running = new Set<RunningProgram>();
  const spawn = (argv: readonly string[], options: MuslSpawnOptions = {}): RunningProgram => {
    const binds = Object.entries(options.binds ?? {}).flat();
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const p = spawnProcess(
      new Deno.Command("unshare", {
        args: [
          "--user",
          "--map-root-user",
          "--mount",
          "--uts",
          "--pid",
          "--fork",
          "--kill-child=SIGKILL",
          "sh",
          "-c",
          ENTER,
          "enter",
          dir,
          binfmt,
          ...binds,
          "--",
          ...env,
          ...argv,
        ],
        clearEnv: true,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
      // unshare ignores SIGTERM while it waits: signal the program (PID 1 inside) itself
      (child, signal) => {
        if (signal === "SIGKILL") child.kill("SIGKILL"); // --kill-child takes the namespace down
        else void signalWhenHandled(child, signal);
      },
    );
    running.add(p);
    p.child.status.then(() => running.delete(p));
    return p;
  };

  // busybox's applets as links (sh, ls, tar, ...), as on OpenWRT
  const install = spawn(["/bin/busybox", "--install", "-s", "/bin"]);
  const { code } = await install.child.status;
  if (code !== 0) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new Error(
      `busybox --install failed in the ${arch} musl root (${code}): ${install.output().stderr}`,
    );
  }

  return {
    dir,
    arch,
    spawn,
    async [Symbol.asyncDispose]() {
      await Promise.all([...running].map((p) => p.stop()));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Signal numbers of the signals tests stop programs with. */
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

/**
 * Sends `signal` to PID 1 of the namespace once that process handles it. The kernel drops signals
 * a PID 1 has no handler for: sent while the root is still being entered (the shell that mounts,
 * chroot, env), the signal would be lost, where a program that is not PID 1 would have ended. So
 * this waits, every 20 ms, until the program in place has a handler for the signal (or ends);
 * stop()'s SIGKILL after 5 s bounds the wait.
 */
async function signalWhenHandled(child: Deno.ChildProcess, signal: Deno.Signal): Promise<void> {
  let ended = false;
  child.status.then(() => ended = true);
  const bit = 1n << BigInt((SIGNAL_NUMBERS[signal] ?? 0) - 1);
  while (!ended) {
    const inner = childPid(child.pid);
    if (inner !== undefined && (SIGNAL_NUMBERS[signal] === undefined || (caught(inner) & bit))) {
      try {
        Deno.kill(inner, signal);
        return;
      } catch { /* ended meanwhile */ }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The signals `pid` has handlers for (SigCgt of /proc/<pid>/status), as a bit set. */
function caught(pid: number): bigint {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  } catch {
    return 0n;
  }
}

/** The host pid of the first child of `pid` (unshare's forked child: PID 1 of the namespace). */
function childPid(pid: number): number | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim();
    const first = Number(text.split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Debian's qemu-aarch64 binfmt entry as qemu-user-static registers it (interpreter
 * `/usr/libexec/qemu-binfmt/aarch64-binfmt-P`, flags `OPF`), with the F flag made sure of: the
 * kernel opens the interpreter when the entry is registered, so it runs inside the chroot, where
 * it does not exist. P (preserve argv[0]) matters: without it busybox's applet links (`sed`,
 * `tar`, … -> busybox) lose the name they were called by.
 */
async function qemuBinfmtEntry(): Promise<string> {
  await Deno.stat(QEMU).catch(() => {
    throw new Error(`${QEMU} is missing: run \`bash scripts/setup.sh test\` (qemu-user-static)`);
  });
  for (const f of ["/usr/lib/binfmt.d/qemu-aarch64.conf", "/usr/share/binfmts/qemu-aarch64"]) {
    const text = await Deno.readTextFile(f).catch(() => "");
    const line = text.split("\n").find((l) => l.startsWith(":qemu-aarch64:"));
    if (line) {
      const [, name, type, offset, magic, mask, interpreter, flags = ""] = line.split(":");
      const f = flags.includes("F") ? flags : `${flags}F`;
      return `:${name}:${type}:${offset}:${magic}:${mask}:${interpreter}:${f}`;
    }
    const field = (key: string) => new RegExp(`^${key} (\\S+)`, "m").exec(text)?.[1];
    const [magic, mask, interpreter] = [field("magic"), field("mask"), field("interpreter")];
    if (magic && mask && interpreter) {
      const p = field("preserve") === "yes" ? "P" : "";
      return `:qemu-aarch64:M::${magic}:${mask}:${interpreter}:O${p}F`;
    }
  }
  throw new Error("qemu-user-static's aarch64 binfmt description is missing");
}

/**
 * Runs inside the new namespaces, before the chroot: proc, the host name, /dev, the bind mounts (read-only),
 * the private binfmt_misc with qemu's entry, then the program with only the given environment.
 * Arguments: root, binfmt entry (or empty), pairs of host path and path inside, "--", NAME=VALUE
 * assignments, the program and its arguments.
 */
const ENTER = `set -e
root=$1
binfmt=$2
shift 2
mount -t proc proc "$root/proc"
cat "$root/etc/hostname" >/proc/sys/kernel/hostname
mount --rbind /dev "$root/dev"
while [ "$1" != -- ]; do
  if [ -d "$1" ]; then mkdir -p "$root$2"; else mkdir -p "$root\${2%/*}"; : >"$root$2"; fi
  mount --bind "$1" "$root$2"
  mount -o remount,bind,ro "$root$2"
  shift 2
done
shift
if [ -n "$binfmt" ]; then
  mount -t binfmt_misc binfmt_misc "$root/proc/sys/fs/binfmt_misc"
  printf '%s' "$binfmt" >"$root/proc/sys/fs/binfmt_misc/register"
fi
exec chroot "$root" /bin/busybox env -i "$@"
`;
