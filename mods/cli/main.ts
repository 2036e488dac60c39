/**
 * `deno task cli` (`nunect`): the dashboard's JSON API from a terminal, with an API token
 * (NUNECT_TOKEN) against NUNECT_URL. Runs under its own permission set `cli`: the network to
 * the dashboard (127.0.0.1 and localhost; `--allow-net=<host>` for another), its two variables,
 * nothing else: no files, no processes.
 *
 * @module
 */
import { exitOnVersionFlag } from "../config/mod.ts";
import { runCli } from "./cli.ts";

exitOnVersionFlag("cli");

async function readLine(): Promise<string> {
  const buf = new Uint8Array(1024);
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text.split("\n")[0]!.replace(/\r$/, "");
}

async function ask(question: string, secret: boolean): Promise<string> {
  const tty = Deno.stdin.isTerminal();
  if (tty) await Deno.stderr.write(new TextEncoder().encode(question));
  if (!tty || !secret) return await readLine();
  Deno.stdin.setRaw(true);
  try {
    let text = "";
    const buf = new Uint8Array(1);
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null || buf[0] === 13 || buf[0] === 10) break;
      if (buf[0] === 3) throw new Error("Interrupted");
      if (buf[0] === 127) text = text.slice(0, -1);
      else text += String.fromCharCode(buf[0]!);
    }
    return text;
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
}

Deno.exit(
  await runCli(Deno.args, {
    env: (name) => Deno.env.get(name),
    print: (line) => console.log(line),
    error: (line) => console.error(line),
    ask,
  }),
);
