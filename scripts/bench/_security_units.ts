/**
 * Runs `simulateUnits` in its own process for scripts/bench/security.ts (so the simulation does
 * not share the measuring process's event loop). Args: NATS URL, a `.creds` file of an OPS user
 * (the feeder of every simulated unit), units.
 *
 * @module
 */
import { credsAuthenticator } from "@nats-io/nats-core";
import { simulateUnits } from "./_units_sim.ts";

const [url, creds, n] = Deno.args;
await simulateUnits(
  url!,
  { nats: { authenticator: credsAuthenticator(Deno.readFileSync(creds!)) } },
  Number(n),
);
console.log("simulating");
