import { parseSubject } from "./subjects.ts";

/**
 * The header that proves who sent a unit's telemetry: `<public key>.<signature>`, the unit user's
 * public nkey (`U…`) and the base64url (unpadded) Ed25519 signature of
 * {@linkcode telemetrySigningBytes}. Routers relay the telemetry of the units behind them with
 * rights to every unit's telemetry subjects; the signature, made with the unit's own seed, is what
 * a router cannot forge.
 */
export const SIGNATURE_HEADER = "Nunect-Sig";

/**
 * Whether a subject is telemetry a unit signs: its own heartbeat, RTT metric, time metric or log
 * record (`ops.heartbeat.<unit>`, `ops.metric.rtt.<unit>`, `ops.metric.time.<unit>`,
 * `ops.log.<level>.<unit>`).
 *
 * @param subject the subject
 * @param unitId the unit it must name
 * @returns true for the unit's own telemetry subjects
 */
export function isSignedTelemetry(subject: string, unitId: string): boolean {
  const p = parseSubject(subject);
  return p !== undefined && p.kind !== "echo" && p.kind !== "timeConfig" && p.unit === unitId;
}

/**
 * The bytes a unit signs for one telemetry message: the subject, the `X-TX-Timestamp` and `X-Seq`
 * headers and the payload, as `<subject>\n<tx timestamp>\n<seq>\n<payload>`. The subject binds the
 * signature to the unit and the kind; the timestamp and sequence let a receiver refuse a replay
 * (each unit's messages on one subject must come newer than the last it took).
 *
 * @param subject the subject
 * @param txTimestamp the `X-TX-Timestamp` header (ns since the epoch, as a string)
 * @param seq the `X-Seq` header
 * @param payload the payload
 * @returns the bytes to sign or verify
 */
export function telemetrySigningBytes(
  subject: string,
  txTimestamp: string,
  seq: string,
  payload: Uint8Array,
): Uint8Array {
  const head = new TextEncoder().encode(`${subject}\n${txTimestamp}\n${seq}\n`);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/**
 * Base64url without padding, as the signature header carries it.
 *
 * @param bytes the bytes
 * @returns the text
 */
export function base64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
