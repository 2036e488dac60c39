import type { Config } from "./schema.ts";

/** The TLS options of a NATS connection, in @nunect/client's shape. */
export interface NatsTlsOptions {
  /** The CA that signed the server's certificate (NATS_TLS_CA). */
  readonly caFile?: string;
  /** The client certificate (NATS_TLS_CLIENT_CERT). */
  readonly certFile?: string;
  /** Its key (NATS_TLS_CLIENT_KEY). */
  readonly keyFile?: string;
  /** TLS before the server's INFO (NATS_TLS_HANDSHAKE_FIRST). */
  readonly handshakeFirst?: boolean;
}

/**
 * The `tls` option of a program's NATS connections from NATS_TLS_*: undefined when none is set,
 * so that a plain server stays reachable (a `tls` option makes the client insist on TLS).
 *
 * @param t the natsTls section
 * @returns options for `connect({ tls })`, or undefined
 */
export function natsTlsOptions(t: Config<"natsTls">["natsTls"]): NatsTlsOptions | undefined {
  const handshakeFirst = t.handshakeFirst !== "false";
  if (t.ca === "" && t.clientCert === "" && !handshakeFirst) return undefined;
  return {
    ...(t.ca === "" ? {} : { caFile: t.ca }),
    ...(t.clientCert === "" ? {} : { certFile: t.clientCert, keyFile: t.clientKey }),
    ...(handshakeFirst ? { handshakeFirst } : {}),
  };
}
