import type { MsgHdrs, NatsConnection } from "./nats_types.ts";
import {
  base64Url,
  HEADERS,
  isSignedTelemetry,
  SIGNATURE_HEADER,
  telemetrySigningBytes,
} from "../protocol/core.ts";

/** What signs: a user's public key (`U…`) and a synchronous Ed25519 signature with its seed. */
export interface TelemetryKey {
  /** The user's public key. */
  readonly publicKey: string;
  /**
   * Signs, synchronously.
   *
   * @param data the bytes
   * @returns the 64-byte signature
   */
  sign(data: Uint8Array): Uint8Array;
}

/**
 * Makes a connection sign its unit's own telemetry (heartbeat, RTT and time metrics, logs naming
 * its unit) with `key`: each such message gets the `Nunect-Sig` header over
 * `telemetrySigningBytes` as it goes out (`nc.publish`, so the outbox's messages too). The hub
 * takes a unit's telemetry only when its own user signed it: routers relay every unit's telemetry
 * subjects, so the subject alone proves nothing about the sender. Deno and Node do it at connect
 * ({@linkcode signTelemetry}); a browser page calls it with a JavaScript signer (nats.js's nkeys)
 * right after `connect()`, before its first heartbeat.
 *
 * @param nc the unit's connection
 * @param key the unit's user key
 * @param unitId the unit whose subjects are signed
 * @example
 * ```ts
 * const kp = nkeys.fromSeed(new TextEncoder().encode(seed));
 * signTelemetryWith(client.nc, { publicKey: kp.getPublicKey(), sign: (d) => kp.sign(d) }, unit);
 * ```
 */
export function signTelemetryWith(nc: NatsConnection, key: TelemetryKey, unitId: string): void {
  const publish = nc.publish.bind(nc);
  nc.publish = (subject, data, o) => {
    const h = o?.headers as MsgHdrs | undefined;
    if (h !== undefined && data instanceof Uint8Array && isSignedTelemetry(subject, unitId)) {
      const bytes = telemetrySigningBytes(
        subject,
        h.get(HEADERS.txTimestamp),
        h.get(HEADERS.seq),
        data,
      );
      h.set(SIGNATURE_HEADER, `${key.publicKey}.${base64Url(key.sign(bytes))}`);
    }
    publish(subject, data, o);
  };
}
