/**
 * The publish/subscribe throughput race, plain JavaScript so that the Deno bench and the Node
 * script it starts (NODE_SCRIPT in _client_package.ts) run the same code. Each contender has its own
 * publisher and subscriber connection on its own subject; in every round each contender in turn
 * publishes a batch and waits until its subscriber received all of it, the order rotating, so
 * that all see the same conditions on a shared machine.
 *
 * @module
 */

/**
 * @typedef {object} Contender
 * @property {string} name what is measured
 * @property {() => void} publish publishes one message
 * @property {(total: number) => Promise<void>} received resolves once the subscriber got `total`
 */

/**
 * Runs the race: each contender's rate is its batch size over its median batch time.
 *
 * @param {Contender[]} contenders who races
 * @param {{ batch?: number, batches?: number }} [options] messages per batch, measured batches
 * @returns {Promise<Record<string, number>>} delivered messages per second, by name
 */
export async function pubsubRace(contenders, options = {}) {
  const batch = options.batch ?? 2000;
  const batches = options.batches ?? 60;
  const sent = contenders.map(() => 0);
  const ms = contenders.map(() => []);
  const run = async (i) => {
    const c = contenders[i];
    for (let n = 0; n < batch; n++) c.publish();
    sent[i] += batch;
    await c.received(sent[i]);
  };
  for (let i = 0; i < contenders.length; i++) await run(i); // warm-up
  for (let b = 0; b < batches; b++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (b + k) % contenders.length;
      const t0 = performance.now();
      await run(i);
      ms[i].push(performance.now() - t0);
    }
  }
  // The median batch: on a shared machine a batch now and then waits for another process, and
  // a sum would charge that to whoever ran at the time.
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries(contenders.map((c, i) => [c.name, batch / (median(ms[i]) / 1000)]));
}

/**
 * A counter for a subscription callback, with a promise for "at least `total` arrived".
 *
 * @returns {{ onMessage: () => void, received: (total: number) => Promise<void> }}
 */
export function counter() {
  let count = 0;
  let waiting;
  return {
    onMessage() {
      count++;
      if (waiting && count >= waiting.total) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    },
    received(total) {
      if (count >= total) return Promise.resolve();
      return new Promise((resolve) => waiting = { total, resolve });
    },
  };
}
