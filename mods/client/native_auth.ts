import type { Authenticator } from "@nats-io/nats-core/internal";
import { decodeNKeySeed, encodeNKey } from "../protocol/core.ts";

/** What nunect needs of node:crypto (Deno and Node provide it; browsers do not). */
interface NodeCrypto {
  createPrivateKey(o: { key: Uint8Array; format: "der"; type: "pkcs8" }): unknown;
  createPublicKey(key: unknown): { export(o: { type: "spki"; format: "der" }): Uint8Array };
  sign(algorithm: null, data: Uint8Array, key: unknown): Uint8Array;
}

/** node:crypto where the runtime has it, loaded without a static import (browsers have none). */
function nodeCrypto(): NodeCrypto | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  try {
    return p?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];

/** Ed25519 signing with a seed, native where the runtime offers it. */
export interface NativeSigner {
  /** The public key (`U…` for a user). */
  readonly publicKey: string;
  /** Signs, synchronously (as nats.js's authenticators must). */
  sign(data: Uint8Array): Uint8Array;
}

/**
 * A native Ed25519 signer for an nkeys seed, or undefined where the runtime has no node:crypto
 * (browsers: nats.js's own JavaScript signer is used there). Deno and Node sign a connection's
 * nonce in microseconds this way; nats.js's tweetnacl takes tens of milliseconds on a busy
 * 2-core machine, enough for a burst of connecting units to run into the server's auth timeout.
 *
 * @param seed an nkeys seed (`SU…`)
 * @returns the signer, or undefined
 * @throws {InvalidNKeyError} for a seed that does not decode
 */
export function nativeSigner(seed: string): NativeSigner | undefined {
  const crypto = nodeCrypto();
  if (crypto === undefined) return undefined;
  const { role, raw } = decodeNKeySeed(seed);
  const pkcs8 = Uint8Array.from([...PKCS8_ED25519, 0x04, 0x22, 0x04, 0x20, ...raw]);
  const key = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const spki = new Uint8Array(crypto.createPublicKey(key).export({ type: "spki", format: "der" }));
  return {
    publicKey: encodeNKey(Uint8Array.from([role, ...spki.subarray(spki.length - 32)])),
    sign: (data) => new Uint8Array(crypto.sign(null, data, key)),
  };
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

const encoder = new TextEncoder();

/**
 * An authenticator for a user JWT and its seed that signs the server's nonce natively, or
 * undefined where that is not possible (then nats.js's `jwtAuthenticator` does it).
 *
 * @param jwt the user JWT, or undefined for NKey-only auth
 * @param seed the user's seed
 * @returns the authenticator, or undefined
 */
export function nativeAuthenticator(
  jwt: string | undefined,
  seed: string,
): Authenticator | undefined {
  const signer = nativeSigner(seed);
  if (signer === undefined) return undefined;
  return (nonce?: string) => {
    const sig = nonce ? base64(signer.sign(encoder.encode(nonce))) : "";
    return jwt === undefined
      ? { nkey: signer.publicKey, sig }
      : { jwt, nkey: signer.publicKey, sig };
  };
}
