/**
 * Runs `simulateUnits` in its own process for scripts/bench/security.ts (so the simulation does
 * not share the measuring process's event loop). Args: NATS URL, user, password, units.
 *
 * @module
 */
import { simulateUnits } from "./_units_sim.ts";

const [url, user, pass, n] = Deno.args;
await simulateUnits(url!, { user: user!, pass: pass! }, Number(n));
console.log("simulating");
