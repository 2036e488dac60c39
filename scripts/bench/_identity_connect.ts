/**
 * Child process of the identity benchmark: connects N guardian-like clients (@nunect/client over
 * TCP, each its own unit) either each with its own `.creds` (operator mode: the server verifies a
 * JWT and a nonce signature per connection) or all with one shared user and password, 50 at a
 * time, and prints one JSON line: wall time until all are connected and this process's CPU time.
 *
 * Args: url creds <dir> <count>   |   url password <user> <pass> <count>
 *
 * @module
 */
import process from "node:process";
import { connect, type NunectClient } from "../../mods/client/mod.ts";

const [url, mode, a, b, c] = Deno.args;
const count = Number(mode === "creds" ? b : c);
const options = async (i: number) => {
  const unitId = `bench-unit-${String(i).padStart(4, "0")}`;
  return mode === "creds"
    ? { unitId, creds: await Deno.readTextFile(`${a}/${unitId}.creds`) }
    : { unitId, user: a!, pass: b! };
};
const all = await Promise.all(Array.from({ length: count }, (_, i) => options(i)));
const clients: NunectClient[] = [];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < count; i += 50) {
  clients.push(
    ...await Promise.all(
      all.slice(i, i + 50).map((o) => connect({ servers: url!, ...o, reconnect: false })),
    ),
  );
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await Promise.all(clients.map((c) => c.close()));
console.log(JSON.stringify({ mode, count, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
