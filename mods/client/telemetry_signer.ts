import type { MsgHdrs, NatsConnection } from "./nats_types.ts";
import {
  base64Url,
  HEADERS,
  isSignedTelemetry,
  SIGNATURE_HEADER,
  telemetrySigningBytes,
} from "../protocol/core.ts";
import { nativeSigner } from "./native_auth.ts";
import type { ConnectOptions } from "./options.ts";

const decoder = new TextDecoder();

/**
 * Makes a connection sign its unit's own telemetry (heartbeat, RTT and time metrics, logs naming
 * its unit) with the user's seed, by the runtime's native Ed25519 (node:crypto in Deno and Node):
 * each such message gets the `Nunect-Sig` header over `telemetrySigningBytes` as it goes out, the
 * outbox's too. The hub takes a guardian's or app's telemetry only when its own user signed it:
 * routers relay every unit's telemetry subjects, so the subject alone proves nothing about the
 * sender. Does nothing without a seed or a native signer. Deno's and Node's runtimes only (it
 * wraps `nc.publish`, so the browser build carries none of it).
 *
 * @param nc the unit's connection
 * @param options its connect options, already checked: the unit ID, and the seed in `creds` (a
 *   `.creds` file's text) or `nkeySeed`
 * @throws {InvalidNKeyError} for a seed that does not decode
 */
export function signTelemetry(nc: NatsConnection, options: ConnectOptions): void {
  const { unitId, ...auth } = options;
  const text = (v: string | Uint8Array) => typeof v === "string" ? v : decoder.decode(v);
  const seed = auth.creds !== undefined
    ? /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(text(auth.creds))?.[1]
    : auth.nkeySeed !== undefined
    ? text(auth.nkeySeed).trim()
    : undefined;
  const signer = seed === undefined ? undefined : nativeSigner(seed);
  if (signer === undefined) return;
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
      h.set(SIGNATURE_HEADER, `${signer.publicKey}.${base64Url(signer.sign(bytes))}`);
    }
    publish(subject, data, o);
  };
}
