/** Options of {@linkcode Netns.command}. */
export interface NetnsCommandOptions {
  /** The program's whole environment (nothing is inherited but PATH and HOME). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. */
  readonly cwd?: string;
}

/**
 * A network namespace joined to the host's by a veth pair: the namespace's end has
 * {@linkcode Netns.address}, the host's {@linkcode Netns.hostAddress}, a /30 of their own. A
 * program in it reaches the host only at `hostAddress` (loopback is its own); the host reaches
 * it at `address`. Dispose it to delete the namespace (and so the pair).
 */
export interface Netns extends AsyncDisposable {
  /** The namespace's name (`ip netns exec <name> …`). */
  readonly name: string;
  /** Its address on the pair, e.g. `10.201.7.2`. */
  readonly address: string;
  /** The host's address on the pair, e.g. `10.201.7.1`. */
  readonly hostAddress: string;
  /**
   * A command that runs `argv` in the namespace, piped stdout and stderr, for
   * {@linkcode spawnProcess}.
   *
   * @param argv the program and its arguments
   * @param options environment and working directory
   */
  command(argv: readonly string[], options?: NetnsCommandOptions): Deno.Command;
}

const PREFIX = "nunect";
let created = 0;
const taken = new Set<number>();

/**
 * Creates a network namespace joined to this one by a veth pair (iproute2; needs root: CAP_NET_ADMIN
 * in the host's network namespace). Names carry this process's pid (`nunect-<pid>-<n>`), and
 * namespaces left behind by test processes that no longer run are deleted first, so parallel
 * test runs on one machine never collide and a killed run leaves nothing for long. Addresses
 * come from 10.201.0.0/16 in /30s that no interface of the host uses yet.
 *
 * @returns the namespace
 * @throws {Error} naming the failed `ip` command, and saying to run as root when not
 * @example
 * ```ts
 * await using ns = await startNetns();
 * await using p = spawnProcess(ns.command(["ip", "-br", "addr"]));
 * ```
 */
export async function startNetns(): Promise<Netns> {
  if (Deno.uid() !== 0) {
    throw new Error(
      "Network namespaces need root (ip netns, veth pairs): run the tests as root, as CI does",
    );
  }
  await sweepStale();
  const n = created++;
  const name = `${PREFIX}-${Deno.pid}-${n}`;
  // interface names: at most 15 bytes, unique per host: "nn" + pid in base 36 + n + end
  const tag = `nn${Deno.pid.toString(36)}${n.toString(36)}`;
  const [hostIf, nsIf] = [`${tag}h`, `${tag}n`];
  const block = await freeBlock(n);
  const hostAddress = `10.201.${block >> 6}.${(block & 63) * 4 + 1}`;
  const address = `10.201.${block >> 6}.${(block & 63) * 4 + 2}`;
  const dispose = async () => {
    await ip(["netns", "delete", name]).catch(() => {});
  };
  try {
    await ip(["netns", "add", name]);
    await ip(["link", "add", hostIf, "type", "veth", "peer", "name", nsIf, "netns", name]);
    await ip(["addr", "add", `${hostAddress}/30`, "dev", hostIf]);
    await ip(["link", "set", hostIf, "up"]);
    await ip(["-n", name, "addr", "add", `${address}/30`, "dev", nsIf]);
    await ip(["-n", name, "link", "set", nsIf, "up"]);
    await ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (e) {
    await dispose();
    throw e;
  }
  return {
    name,
    address,
    hostAddress,
    command(argv, options = {}) {
      return new Deno.Command("ip", {
        args: ["netns", "exec", name, ...argv],
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: Deno.env.get("HOME") ?? "/tmp",
          NO_COLOR: "1",
          ...options.env,
        },
        clearEnv: true,
        cwd: options.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
    },
    [Symbol.asyncDispose]: dispose,
  };
}

/** Runs `ip` with `args`; throws with its stderr when it fails. */
async function ip(args: readonly string[]): Promise<string> {
  const out = await new Deno.Command("ip", { args: [...args], stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

/** Deletes the namespaces of test processes that no longer run. */
async function sweepStale(): Promise<void> {
  const list = await ip(["netns", "list"]).catch(() => "");
  for (const line of list.split("\n")) {
    const m = new RegExp(`^(${PREFIX}-(\\d+)-\\d+)\\b`).exec(line);
    if (!m || alive(Number(m[2]))) continue;
    await ip(["netns", "delete", m[1]!]).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * A /30 of 10.201.0.0/16 (its index, 0…16383) that no interface of the host has an address in
 * and this process has not handed out (blocks stay taken: a process makes a few dozen at most).
 */
async function freeBlock(n: number): Promise<number> {
  const used = new Set(taken);
  for (
    const m of (await ip(["-4", "-o", "addr", "show"])).matchAll(/inet 10\.201\.(\d+)\.(\d+)/g)
  ) {
    used.add(Number(m[1]) * 64 + (Number(m[2]) >> 2));
  }
  const start = (Deno.pid * 7 + n * 13) % 16384;
  for (let i = 0; i < 16384; i++) {
    const block = (start + i) % 16384;
    if (!used.has(block)) {
      taken.add(block); // namespaces of this process made at the same time pick others
      return block;
    }
  }
  throw new Error("No free /30 left in 10.201.0.0/16 for a network namespace");
}
