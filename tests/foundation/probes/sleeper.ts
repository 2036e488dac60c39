/**
 * A module that runs until it is stopped, for the supervisor's start/stop test.
 *
 * @module
 */
console.log(`sleeper probe up (pid ${Deno.pid})`);
setInterval(() => {}, 60_000);
