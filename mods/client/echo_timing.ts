/** One echo round trip split as NTP splits it (see {@linkcode echoTiming}). */
export interface EchoTiming {
  /** The network's share: the whole round trip less the responder's time, µs. */
  readonly rttUs: number;
  /** Request sent to reply read, at the requester's socket, µs. */
  readonly totalUs: number;
  /** Request read to reply sent at the responder (t3 - t2), µs; null when it sent no t3. */
  readonly responderUs: number | null;
  /** The responder's clock minus the requester's, µs; null when it sent no t3. */
  readonly offsetUs: number | null;
}

/**
 * Splits an echo round trip from its four timestamps, as NTP does: t1 request sent and t4 reply
 * read (requester's clock), t2 request read and t3 reply sent (responder's clock, from the
 * `X-RX-Timestamp` and `X-Reply-TX-Timestamp` headers). Differences of one clock only enter the
 * round trip, so the two clocks need not agree; their offset is estimated assuming the path is
 * symmetric. A responder without t3 (older guardians), or with times that cannot be right (t3
 * before t2, or longer than the whole round trip: a clock stepped meanwhile), leaves the round
 * trip whole and the rest null.
 *
 * @param t1 request sent, ns since the epoch (requester)
 * @param t2 request read, ns (responder), or undefined
 * @param t3 reply sent, ns (responder), or undefined
 * @param t4 reply read, ns (requester)
 * @returns the round trip, the responder's time and the clock offset, µs rounded to 0.1
 */
export function echoTiming(
  t1: bigint,
  t2: bigint | undefined,
  t3: bigint | undefined,
  t4: bigint,
): EchoTiming {
  const us = (ns: bigint) => Math.round(Number(ns) / 100) / 10;
  const total = t4 > t1 ? t4 - t1 : 0n;
  if (t2 === undefined || t3 === undefined || t3 < t2 || t3 - t2 > total) {
    return { rttUs: us(total), totalUs: us(total), responderUs: null, offsetUs: null };
  }
  return {
    rttUs: us(total - (t3 - t2)),
    totalUs: us(total),
    responderUs: us(t3 - t2),
    offsetUs: us(((t2 - t1) + (t3 - t4)) / 2n),
  };
}

/**
 * A timestamp header's value as nanoseconds.
 *
 * @param value `X-RX-Timestamp` or `X-Reply-TX-Timestamp`
 * @returns the nanoseconds, or undefined when absent or not an integer
 */
export function timestampNs(value: string | undefined): bigint | undefined {
  return value !== undefined && /^\d{1,20}$/.test(value) ? BigInt(value) : undefined;
}
