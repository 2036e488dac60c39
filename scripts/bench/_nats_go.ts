/**
 * The nats.go baseline shared by the benchmark suites: builds scripts/bench/go with Go modules at
 * the nats.go version its go.mod pins (v1.55.0; go.sum checks what the module proxy serves) and
 * drives it in interactive mode, where `app N` / `native N` answer a JSON array of N round trips
 * in µs.
 *
 * @module
 */

const GO_DIR = new URL("./go", import.meta.url).pathname;

/** A running nats.go bench program. */
export interface NatsGo {
  /** nats.go's version, as the program reports it. */
  readonly version: string;
  /** `n` request-reply round trips (responder on a second connection), µs each. */
  app(n: number): Promise<number[]>;
  /** `n` native PING/PONG round trips (`nc.RTT()`), µs each. */
  native(n: number): Promise<number[]>;
  /** Ends the program and removes its build directory. */
  close(): Promise<void>;
}

/** Where the nats.go program connects and how it warms up. */
export interface NatsGoOptions {
  readonly url: string;
  /** The `.creds` text of the user it connects as. */
  readonly creds: string;
  /** Warm-up round trips before the first answer (the program's default: 200). */
  readonly warmup?: number;
}

/**
 * Builds and starts the nats.go program.
 *
 * @param options server URL, credentials, warm-up
 * @returns the running program
 * @throws {Error} with go build's output when the build fails
 */
export async function startNatsGo(options: NatsGoOptions): Promise<NatsGo> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-bench-go-" });
  const bin = `${dir}/bench-go`;
  const built = await new Deno.Command("go", {
    args: ["build", "-o", bin, "."],
    cwd: GO_DIR,
    env: { GO111MODULE: "on", GOFLAGS: "-mod=readonly" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!built.success) {
    await Deno.remove(dir, { recursive: true });
    throw new Error(`go build failed:\n${new TextDecoder().decode(built.stderr)}`);
  }
  const { url, creds, warmup } = options;
  await Deno.writeTextFile(`${dir}/bench.creds`, creds, { mode: 0o600 });
  const child = new Deno.Command(bin, {
    args: [
      "-url",
      url,
      "-creds",
      `${dir}/bench.creds`,
      "-interactive",
      ...(warmup === undefined ? [] : ["-warmup", String(warmup)]),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const readLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("The nats.go bench program exited");
      buffered += value;
    }
    const i = buffered.indexOf("\n");
    const line = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    return line;
  };
  const { version } = JSON.parse(await readLine()) as { version: string };
  const encoder = new TextEncoder();
  const ask = async (kind: "app" | "native", n: number): Promise<number[]> => {
    await writer.write(encoder.encode(`${kind} ${n}\n`));
    return JSON.parse(await readLine()) as number[];
  };
  return {
    version,
    app: (n) => ask("app", n),
    native: (n) => ask("native", n),
    async close() {
      await writer.close();
      await child.status;
      lines.releaseLock();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
