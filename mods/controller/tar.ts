const encoder = new TextEncoder();

/** One file of a {@linkcode tarArchive}. */
export interface TarEntry {
  /** Path inside the archive (relative, at most 100 bytes). */
  readonly name: string;
  /** The contents. */
  readonly content: string | Uint8Array;
  /** Permission bits (default 0644). */
  readonly mode?: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/**
 * A POSIX ustar archive of regular files — what `tar xf` (GNU, BSD and BusyBox on OpenWRT)
 * unpacks. No compression: bundles are a few kilobytes.
 *
 * @param entries the files
 * @param mtime modification time, s since the epoch (default now)
 * @returns the archive
 * @throws {RangeError} for a name longer than 100 bytes
 */
export function tarArchive(
  entries: readonly TarEntry[],
  mtime = Math.floor(Date.now() / 1000),
): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.content === "string" ? encoder.encode(e.content) : e.content;
    const name = encoder.encode(e.name);
    if (name.length > 100) {
      throw new RangeError(`Tar entry name "${e.name}" is longer than 100 bytes`);
    }
    const h = new Uint8Array(512);
    const put = (text: string | Uint8Array, at: number) =>
      h.set(typeof text === "string" ? encoder.encode(text) : text, at);
    put(name, 0);
    put(octal(e.mode ?? 0o644, 8), 100);
    put(octal(0, 8), 108); // uid
    put(octal(0, 8), 116); // gid
    put(octal(data.length, 12), 124);
    put(octal(mtime, 12), 136);
    put("        ", 148); // checksum field counts as spaces
    put("0", 156); // regular file
    put("ustar\u000000", 257);
    let sum = 0;
    for (const b of h) sum += b;
    put(octal(sum, 7) + " ", 148);
    blocks.push(h, data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) blocks.push(new Uint8Array(pad));
  }
  blocks.push(new Uint8Array(1024)); // two zero blocks end the archive
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
