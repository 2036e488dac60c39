/**
 * CPU time and resident memory of a process, from /proc (Linux), for the benchmark suites that
 * measure a program running beside them, and for the tests that check a process stays small.
 *
 * @module
 */

let clockTicks: number | undefined;

/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK, read once when first needed). */
function ticksPerSecond(): number {
  clockTicks ??= Number(
    new TextDecoder().decode(
      new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync().stdout,
    ).trim(),
  ) || 100;
  return clockTicks;
}

/**
 * User plus system CPU time a process has used so far.
 *
 * @param pid the process
 * @returns milliseconds of CPU
 */
export function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // utime and stime, fields 14 and 15 of proc(5): the 12th and 13th after the command name
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 1000 / ticksPerSecond();
}

/**
 * A process's resident set size now.
 *
 * @param pid the process
 * @returns KiB (VmRSS)
 */
export function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** A process's resident memory split by what backs it (see {@linkcode residentKiB}). */
export interface ResidentMemory {
  /** All resident pages (Rss of smaps_rollup), KiB. */
  readonly rss: number;
  /** Anonymous pages: heaps, stacks, the program's written data, KiB. */
  readonly anonymous: number;
  /** Pages of mapped files (the program's code and read-only data, libraries), KiB. */
  readonly file: number;
}

/**
 * A process's resident memory now, split into anonymous and file-backed pages, from
 * `/proc/<pid>/smaps_rollup` (Linux ≥ 4.14; reading it needs the rights ptrace would).
 *
 * @param pid the process
 * @returns KiB by kind
 */
export function residentKiB(pid: number): ResidentMemory {
  const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? NaN);
  const rss = field("Rss");
  const anonymous = field("Anonymous");
  return { rss, anonymous, file: rss - anonymous };
}
