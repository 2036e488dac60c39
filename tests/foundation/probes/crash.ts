/**
 * A module that crashes: prints a line, waits a moment, exits with code 3. The supervisor test
 * runs it under a permission set to see the restart with backoff.
 *
 * @module
 */
console.log(`crash probe up (pid ${Deno.pid})`);
await new Promise((r) => setTimeout(r, 200));
Deno.exit(3);
