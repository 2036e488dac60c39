/**
 * Real time daemons for tests, none of which ever touches the clock: two `chronyd -x` (one serves
 * `local stratum 10` on a loopback port, the other syncs from it) and a `ptp4l` master and slave
 * with software timestamping and `free_running 1` over a veth pair between two network
 * namespaces made for the test (addresses only inside them). Everything is AsyncDisposable and
 * removed on dispose, also when the test fails. Needs root (namespaces, chronyd); see
 * {@linkcode rootSkipReason}.
 *
 * @module
 */
import { toolsCacheDir } from "../../mods/tools/mod.ts";
import { terminate } from "../../mods/runtime/mod.ts";
import { freePorts, until } from "../_kit/mod.ts";

/**
 * chronyd and chronyc: the host's (Debian's package), else the package scripts/setup.sh unpacked
 * into the cache without installing it (installing would replace the host's time service).
 * `NUNECT_CHRONY_UNPACK=1` prefers the unpacked one (to try that path where chrony is installed).
 */
export const CHRONY: {
  readonly chronyd: string;
  readonly chronyc: string;
  readonly unpacked: boolean;
} = (() => {
  const unpacked = `${toolsCacheDir()}/chrony/usr`;
  const host = { chronyd: "/usr/sbin/chronyd", chronyc: "/usr/bin/chronyc", unpacked: false };
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  const preferUnpacked = Deno.env.get("NUNECT_CHRONY_UNPACK") === "1";
  if (!preferUnpacked && exists(host.chronyd) && exists(host.chronyc)) return host;
  return {
    chronyd: `${unpacked}/sbin/chronyd`,
    chronyc: `${unpacked}/bin/chronyc`,
    unpacked: true,
  };
})();

/**
 * Where chrony is unpacked rather than installed, a program that runs `/usr/bin/chronyc` by its
 * fixed path (the guardian's permission set names it) runs in a private mount namespace where the
 * unpacked `usr/bin` is laid over `/usr/bin` (read-only overlay): the host's `/usr/bin` is not
 * touched. Needs root, as the daemon tests do.
 *
 * @returns a `prefix` for the test kit's programs; empty when the host has chrony
 */
export function chronycOverlay(): string[] {
  if (!CHRONY.unpacked) return [];
  const bin = CHRONY.chronyc.slice(0, CHRONY.chronyc.lastIndexOf("/"));
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "--",
    "sh",
    "-c",
    'mount -t overlay nunect-chrony -o "lowerdir=$0:/usr/bin" /usr/bin && exec "$@"',
    bin,
  ];
}

/** Why root-only tests are skipped here, or undefined when running as root. */
export const rootSkipReason: string | undefined = Deno.uid() === 0 ? undefined : (
  "skipped: needs root to start chronyd and to create network namespaces for ptp4l " +
  `(running as uid ${Deno.uid()}); CI runs as root`
);

if (rootSkipReason) console.warn(`tests/timesync daemons: ${rootSkipReason}`);

async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  // chronyd refuses a command socket in a directory others can reach
  await Deno.chmod(dir, 0o700);
  return dir;
}

interface Proc {
  child: Deno.ChildProcess;
  log: () => string;
}

function start(cmd: string, args: string[]): Proc {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) log += dec.decode(c, { stream: true });
  };
  pump(child.stdout);
  pump(child.stderr);
  return { child, log: () => log };
}

async function kill(p: Proc): Promise<void> {
  await terminate(p.child, { graceMs: 3000 });
}

async function sh(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}

/** The kit's `until`, for a probe that returns its value, with the daemons' logs on timeout. */
async function probeUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  logs: () => string,
): Promise<T> {
  let value: T | undefined;
  try {
    await until(async () => (value = await probe()) !== undefined, what, timeoutMs, 200);
  } catch (e) {
    throw new Error(`${(e as Error).message}:\n${logs()}`);
  }
  return value!;
}

/** Two chronyd: `server` serves its local clock, `client` syncs from it. */
export interface ChronyPair extends AsyncDisposable {
  /** Command socket of the serving chronyd. */
  readonly serverSocket: string;
  /** Command socket of the syncing chronyd. */
  readonly clientSocket: string;
  /** Stops the syncing chronyd (its socket goes away). */
  stopClient(): Promise<void>;
  /** Both daemons' output. */
  log(): string;
}

/**
 * Starts the chronyd pair and waits until the client has selected the server.
 *
 * @returns the pair
 */
export async function startChronyPair(): Promise<ChronyPair> {
  const dir = await tempDir("nunect-chrony-");
  const [port] = freePorts(1);
  const conf = (name: string, lines: string[]) => {
    const path = `${dir}/${name}.conf`;
    Deno.writeTextFileSync(
      path,
      [
        "user root",
        `bindcmdaddress ${dir}/${name}.sock`,
        "cmdport 0",
        `pidfile ${dir}/${name}.pid`,
        ...lines,
        "",
      ].join("\n"),
    );
    return path;
  };
  const server = start(CHRONY.chronyd, [
    "-x",
    "-d",
    "-f",
    conf("server", [
      "local stratum 10",
      "allow 127.0.0.1",
      "bindaddress 127.0.0.1",
      `port ${port}`,
    ]),
  ]);
  const client = start(CHRONY.chronyd, [
    "-x",
    "-d",
    "-f",
    conf("client", [`server 127.0.0.1 port ${port} iburst minpoll -4 maxpoll -4`, "port 0"]),
  ]);
  const log = () => `--- server chronyd\n${server.log()}\n--- client chronyd\n${client.log()}`;
  const pair: ChronyPair = {
    serverSocket: `${dir}/server.sock`,
    clientSocket: `${dir}/client.sock`,
    stopClient: () => kill(client),
    log,
    async [Symbol.asyncDispose]() {
      await Promise.all([kill(server), kill(client)]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  try {
    await probeUntil(
      "chronyd to select 127.0.0.1",
      async () => {
        const out = await new Deno.Command(CHRONY.chronyc, {
          args: ["-h", pair.clientSocket, "-n", "-c", "tracking"],
          stdout: "piped",
          stderr: "null",
        }).output();
        const line = new TextDecoder().decode(out.stdout);
        return line.startsWith("7F000001,") ? true : undefined;
      },
      15_000,
      log,
    );
  } catch (e) {
    await pair[Symbol.asyncDispose]();
    throw e;
  }
  return pair;
}

/** A ptp4l master and slave in two network namespaces joined by a veth pair. */
export interface PtpPair extends AsyncDisposable {
  /** ptp4l's management socket of the master. */
  readonly masterUds: string;
  /** ptp4l's management socket of the slave. */
  readonly slaveUds: string;
  /** The PTP domain both run in. */
  readonly domain: number;
  /** Stops the slave's ptp4l (pmc then gets no answer). */
  stopSlave(): Promise<void>;
  log(): string;
}

/**
 * Creates the namespaces and veth pair, starts both ptp4l (`-S` software timestamping,
 * `free_running 1` so the clock is never adjusted) and waits until the slave follows the master.
 *
 * @returns the pair
 */
export async function startPtpPair(): Promise<PtpPair> {
  const dir = await tempDir("nunect-ptp-");
  const tag = crypto.randomUUID().slice(0, 6);
  const [nsA, nsB] = [`nunect-${tag}-a`, `nunect-${tag}-b`];
  const [vA, vB] = [`nv${tag}a`, `nv${tag}b`];
  const domain = 24;
  const procs: Proc[] = [];
  const cleanup = async () => {
    await Promise.all(procs.map(kill));
    for (const ns of [nsA, nsB]) await sh("ip", ["netns", "del", ns]).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const log = () => procs.map((p, i) => `--- ptp4l ${i}\n${p.log()}`).join("\n");
  try {
    await sh("ip", ["netns", "add", nsA]);
    await sh("ip", ["netns", "add", nsB]);
    await sh("ip", [
      "link",
      "add",
      vA,
      "netns",
      nsA,
      "type",
      "veth",
      "peer",
      "name",
      vB,
      "netns",
      nsB,
    ]);
    await sh("ip", ["-n", nsA, "addr", "add", "10.255.0.1/30", "dev", vA]);
    await sh("ip", ["-n", nsB, "addr", "add", "10.255.0.2/30", "dev", vB]);
    for (const [ns, v] of [[nsA, vA], [nsB, vB]] as const) {
      await sh("ip", ["-n", ns, "link", "set", v, "up"]);
      await sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    const cfg = (name: string, extra: string[]) => {
      const path = `${dir}/${name}.cfg`;
      Deno.writeTextFileSync(
        path,
        [
          "[global]",
          "free_running 1",
          `domainNumber ${domain}`,
          `uds_address ${dir}/${name}.uds`,
          "logAnnounceInterval -2",
          "logSyncInterval -3",
          "announceReceiptTimeout 3",
          ...extra,
          "",
        ].join("\n"),
      );
      return path;
    };
    const ptp4l = (ns: string, v: string, conf: string) =>
      start("ip", ["netns", "exec", ns, "/usr/sbin/ptp4l", "-f", conf, "-i", v, "-S", "-4", "-m"]);
    procs.push(ptp4l(nsA, vA, cfg("master", ["priority1 10"])));
    procs.push(ptp4l(nsB, vB, cfg("slave", ["slaveOnly 1"])));
    const pair: PtpPair = {
      masterUds: `${dir}/master.uds`,
      slaveUds: `${dir}/slave.uds`,
      domain,
      stopSlave: () => kill(procs[1]!),
      log,
      [Symbol.asyncDispose]: cleanup,
    };
    await probeUntil(
      "the ptp4l slave to follow the master",
      async () => {
        const out = await sh("/usr/sbin/pmc", [
          "-u",
          "-b",
          "0",
          "-d",
          String(domain),
          "-s",
          pair.slaveUds,
          "GET PORT_DATA_SET",
        ]);
        return /portState\s+(SLAVE|UNCALIBRATED)/.test(out) ? true : undefined;
      },
      15_000,
      log,
    );
    return pair;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Runs a program and returns its standard output (for comparing with what the reader saw).
 *
 * @param cmd program
 * @param args arguments
 * @returns standard output
 */
export function output(cmd: string, args: string[]): Promise<string> {
  return sh(cmd, args);
}

/**
 * What pmc prints for `queries` against one ptp4l of the pair (the guardian's own reader asks the
 * same questions; tests compare the two).
 *
 * @param ptp the running pair
 * @param uds the ptp4l UNIX socket to ask (`ptp.slaveUds` or `ptp.masterUds`)
 * @param queries pmc queries (default: the three the guardian reads)
 * @returns pmc's standard output
 */
export function pmcPrint(
  ptp: PtpPair,
  uds: string,
  queries: readonly string[] = ["GET TIME_STATUS_NP", "GET PORT_DATA_SET", "GET CURRENT_DATA_SET"],
): Promise<string> {
  return sh("/usr/sbin/pmc", ["-u", "-b", "0", "-d", String(ptp.domain), "-s", uds, ...queries]);
}
