import { createPrivateKey, createPublicKey, type KeyObject, sign as edSign } from "node:crypto";
import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/jwt";
import { decodeNKeySeed, encodeNKey } from "../protocol/mod.ts";
import { IdentityStoreError } from "./errors.ts";

const encoder = new TextEncoder();

const PKCS8_ED25519 = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/**
 * An NKey pair that signs with the runtime's native Ed25519 (node:crypto, synchronous as nkeys'
 * `sign` must be) and computes its public key once. nkeys' own pairs run tweetnacl in
 * JavaScript and redo the scalar multiplication on every `getPublicKey()` and `sign()`: tens of
 * milliseconds per JWT on a busy 2-core machine, against microseconds here. Same keys, same
 * signatures (Ed25519 is deterministic); the seed format is nkeys'.
 */
export class NativeKeyPair implements KeyPair {
  readonly #seed: Uint8Array;
  readonly #private: KeyObject;
  readonly #publicKey: string;
  readonly #privateKey: Uint8Array;

  /**
   * Creates it.
   *
   * @param seed an nkeys seed (`SO…`, `SA…`, `SU…`)
   */
  constructor(seed: Uint8Array | string) {
    const text = typeof seed === "string" ? seed : new TextDecoder().decode(seed);
    const { role, raw } = decodeNKeySeed(text);
    const pkcs8 = new Uint8Array(48);
    pkcs8.set(PKCS8_ED25519);
    pkcs8.set(raw, 16);
    this.#private = createPrivateKey({
      key: pkcs8 as unknown as Buffer,
      format: "der",
      type: "pkcs8",
    });
    const spki = createPublicKey(this.#private).export({ type: "spki", format: "der" });
    const pub = new Uint8Array(33);
    pub[0] = role;
    pub.set(new Uint8Array(spki).subarray(spki.length - 32), 1);
    this.#publicKey = encodeNKey(pub);
    // nkeys' private key encoding ("P…"): raw seed and public key, as checkKey() asks for it.
    this.#privateKey = encoder.encode(
      encodeNKey(Uint8Array.from([15 << 3, ...raw, ...pub.subarray(1)])),
    );
    this.#seed = encoder.encode(text.trim());
  }

  /** The public key (`O…`, `A…`, `U…`). */
  getPublicKey(): string {
    return this.#publicKey;
  }

  /** The encoded seed (secret). */
  getSeed(): Uint8Array {
    return this.#seed;
  }

  /** The encoded private key (`P…`; secret). */
  getPrivateKey(): Uint8Array {
    return this.#privateKey;
  }

  /**
   * Signs with Ed25519.
   *
   * @param input the bytes
   * @returns the 64-byte signature
   */
  sign(input: Uint8Array): Uint8Array {
    return new Uint8Array(edSign(null, input, this.#private));
  }

  /** Not needed by nunect (it verifies nothing it did not sign). */
  verify(_input: Uint8Array, _sig: Uint8Array): boolean {
    throw new IdentityStoreError("NativeKeyPair does not verify; use nkeys' fromPublic");
  }

  /** Nothing to clear: the seed lives as long as the pair. */
  clear(): void {}

  /** Curve keys only. */
  seal(): Uint8Array {
    throw new IdentityStoreError("NativeKeyPair is not a curve key");
  }

  /** Curve keys only. */
  open(): Uint8Array | null {
    throw new IdentityStoreError("NativeKeyPair is not a curve key");
  }
}

/**
 * A new key pair of a role, generated with nkeys (random seed) and wrapped for native signing.
 *
 * @param role `operator`, `account` or `user`
 * @returns the key pair
 */
export function newKeyPair(role: "operator" | "account" | "user"): NativeKeyPair {
  const kp = role === "operator"
    ? createOperator()
    : role === "account"
    ? createAccount()
    : createUser();
  return new NativeKeyPair(kp.getSeed());
}

/**
 * The claims of a JWT this controller issued (not verified: for reading back our own tokens).
 *
 * @param jwt the token
 * @returns its decoded payload
 */
export function jwtClaims(
  jwt: string,
): { sub: string; iat: number; exp?: number } & Record<string, unknown> {
  const body = jwt.split(".")[1];
  if (body === undefined) throw new IdentityStoreError("Invalid JWT: no payload");
  const b64 = body.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}
