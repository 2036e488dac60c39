/**
 * Permission probe: tries one action and prints `allowed` or `refused: <message>`. The
 * permission-set tests run it under each deno.json set to show what the set refuses.
 *
 *   probe.ts run <command> [args...]   spawn a process
 *   probe.ts net <host:port>           open a TCP connection
 *   probe.ts env <NAME>                read an environment variable
 *   probe.ts write <path>              create a file
 *   probe.ts read <path>               read a file
 *
 * @module
 */
const [kind, target, ...rest] = Deno.args;

async function attempt(): Promise<void> {
  switch (kind) {
    case "run":
      await new Deno.Command(target!, { args: rest, stdout: "null", stderr: "null" }).output();
      return;
    case "net": {
      const [hostname, port] = target!.split(":");
      try {
        const conn = await Deno.connect({ hostname: hostname!, port: Number(port) });
        conn.close();
      } catch (e) {
        // Permitted but nobody listening (or unreachable) still means the permission allowed it.
        if (e instanceof Deno.errors.NotCapable) throw e;
      }
      return;
    }
    case "env":
      Deno.env.get(target!);
      return;
    case "write":
      await Deno.writeTextFile(target!, "probe\n", { createNew: true });
      await Deno.remove(target!);
      return;
    case "read":
      await Deno.readTextFile(target!);
      return;
    default:
      throw new Error(`Unknown probe "${kind}"`);
  }
}

try {
  await attempt();
  console.log("allowed");
} catch (e) {
  if (!(e instanceof Deno.errors.NotCapable)) throw e;
  console.log(`refused: ${e.message}`);
}
