/**
 * Ports that were free a moment ago (bound to port 0 on 127.0.0.1, then released), for programs
 * that need real port numbers instead of nats-server's `-1`.
 *
 * @param n how many
 * @returns distinct port numbers
 */
export function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  listeners.forEach((l) => l.close());
  return ports;
}
