import { InvalidPayloadError } from "./errors.ts";

/**
 * What `publish` and `request` accept: bytes as they are, a string as UTF-8, anything else as
 * JSON; `undefined` is an empty payload.
 */
export type Payload = Uint8Array | string | unknown;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Encodes a payload for the wire.
 *
 * @param subject the subject it goes to (for the error message)
 * @param data the payload
 * @returns the bytes to send
 * @throws {InvalidPayloadError} when `data` has no JSON form (cycles, BigInt, functions, symbols)
 */
export function encodePayload(subject: string, data: Payload): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return encoder.encode(data);
  if (data === undefined) return EMPTY;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    throw new InvalidPayloadError(
      `Invalid payload for "${subject}": cannot serialise it to JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (json === undefined) {
    throw new InvalidPayloadError(
      `Invalid payload for "${subject}": a ${typeof data} has no JSON form`,
    );
  }
  return encoder.encode(json);
}
