/** Types of _pubsub_race.mjs (plain JavaScript, shared with the Node bench script). */

/** One contender of the race. */
export interface Contender {
  /** What is measured. */
  name: string;
  /** Publishes one message. */
  publish(): void;
  /** Resolves once the subscriber got `total` messages. */
  received(total: number): Promise<void>;
}

/** Runs the race; returns delivered messages per second, by name. */
export function pubsubRace(
  contenders: Contender[],
  options?: { batch?: number; batches?: number },
): Promise<Record<string, number>>;

/** A counter for a subscription callback. */
export function counter(): { onMessage: () => void; received: (total: number) => Promise<void> };
