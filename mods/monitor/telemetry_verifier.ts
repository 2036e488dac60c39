import { createPublicKey, type KeyObject, verify } from "node:crypto";
import {
  decodeUserKey,
  HEADERS,
  SIGNATURE_HEADER,
  telemetrySigningBytes,
  type UnitKeysEntry,
} from "../protocol/mod.ts";

/** Who may sign each unit's telemetry: the controller's unit key directory, as read. */
export interface UnitKeyLookup {
  /**
   * The entry of an OPS unit.
   *
   * @param unitId the unit
   * @returns its role and active keys, or undefined for a unit the controller never issued
   */
  entry(unitId: string): UnitKeysEntry | undefined;
}

/**
 * Why signed telemetry was refused:
 * - `unsigned`: no signature from a unit the controller issued;
 * - `malformed`: a signature header, timestamp or sequence that does not parse;
 * - `foreign_key`: signed by a key that is not one of the unit's active users (another unit's, a
 *   router's own, a revoked one);
 * - `bad_signature`: the signature does not match the subject, headers and payload;
 * - `replayed`: not newer (`X-TX-Timestamp`, then `X-Seq`) than the last message this key signed
 *   on this subject.
 */
export type SignatureRefusal =
  | "unsigned"
  | "malformed"
  | "foreign_key"
  | "bad_signature"
  | "replayed";

/** Counters of a {@linkcode TelemetryVerifier}. */
export interface SignatureStats {
  /** Messages whose signature was verified. */
  readonly verified: number;
  /** Messages taken without a signature check: units the controller never issued (no entry). */
  readonly unverified: number;
  /** Messages refused, by reason. */
  readonly refused: Readonly<Record<SignatureRefusal, number>>;
}

/** What a check decided: take it, or refuse it saying why. */
export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: SignatureRefusal; readonly error: string };

/** The headers a check reads (nats.js `MsgHdrs` has this). */
export interface HeaderReader {
  /** The header's first value, or an empty string. */
  get(name: string): string;
}

const SPKI_ED25519 = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const STAMP = /^\d{1,20}$/;
const SEQ = /^\d{1,15}$/;
const SIG = /^(U[A-Z2-7]{55})\.([A-Za-z0-9_-]{86})$/;
const OK: SignatureCheck = { ok: true };

/**
 * Verifies that an OPS unit's telemetry was signed by one of that unit's own users (the
 * `Nunect-Sig` header the client adds, see `telemetrySigningBytes`), so that a router, which
 * relays every unit's telemetry subjects, cannot speak for the units behind it. Replays are
 * refused: per key and subject each message must be newer than the last one taken. Pure apart
 * from its caches: the directory is read through {@linkcode UnitKeyLookup}, the signature is
 * checked with the runtime's native Ed25519 (node:crypto). Policy by the unit's entry:
 *
 * | entry | unsigned | signed |
 * | --- | --- | --- |
 * | none (never issued) | taken, unverified | taken, unverified |
 * | guardian, app, browser | refused | verified |
 *
 * @example
 * ```ts
 * const verifier = new TelemetryVerifier(directory);
 * const check = verifier.check(msg.subject, "router-7", msg.headers, msg.data);
 * if (!check.ok) console.log(check.reason, check.error);
 * ```
 */
export class TelemetryVerifier {
  readonly #directory: UnitKeyLookup;
  readonly #keys = new Map<string, KeyObject>();
  readonly #last = new Map<string, { stamp: string; seq: number }>();
  readonly #maxEntries: number;
  #verified = 0;
  #unverified = 0;
  readonly #refused: Record<SignatureRefusal, number> = {
    unsigned: 0,
    malformed: 0,
    foreign_key: 0,
    bad_signature: 0,
    replayed: 0,
  };

  /**
   * Creates a verifier.
   *
   * @param directory who may sign for which unit
   * @param maxEntries replay floors (key and subject) and public keys kept (default 100,000 each;
   *   beyond it the oldest go, which only forgets the floor of a long-silent sender)
   */
  constructor(directory: UnitKeyLookup, maxEntries = 100_000) {
    this.#directory = directory;
    this.#maxEntries = maxEntries;
  }

  /**
   * Checks one message of an OPS unit's telemetry and counts the outcome.
   *
   * @param subject the subject (`ops.heartbeat.<unit>`, …)
   * @param unitId the unit the subject names
   * @param headers the message's headers, if any
   * @param data the payload
   * @returns whether to take it, and why not
   */
  check(
    subject: string,
    unitId: string,
    headers: HeaderReader | undefined,
    data: Uint8Array,
  ): SignatureCheck {
    const entry = this.#directory.entry(unitId);
    const header = headers?.get(SIGNATURE_HEADER) ?? "";
    if (entry === undefined) {
      this.#unverified++;
      return OK;
    }
    if (header === "") {
      return this.#refuse(
        "unsigned",
        `Unsigned telemetry of ${entry.role} "${unitId}": its guardian, client or page must ` +
          `sign (update it)`,
      );
    }
    const sig = SIG.exec(header);
    const stamp = headers?.get(HEADERS.txTimestamp) ?? "";
    const seqText = headers?.get(HEADERS.seq) ?? "";
    if (sig === null || !STAMP.test(stamp) || !SEQ.test(seqText)) {
      return this.#refuse(
        "malformed",
        `Malformed signature of "${unitId}": expected ${SIGNATURE_HEADER}, ` +
          `${HEADERS.txTimestamp} and ${HEADERS.seq} headers`,
      );
    }
    const [, publicKey, signature] = sig as unknown as [string, string, string];
    if (!entry.keys.includes(publicKey)) {
      return this.#refuse(
        "foreign_key",
        `Telemetry of "${unitId}" signed by ${publicKey}: not an active user of that unit`,
      );
    }
    const bytes = telemetrySigningBytes(subject, stamp, seqText, data);
    if (!verify(null, bytes, this.#key(publicKey), base64UrlBytes(signature))) {
      return this.#refuse(
        "bad_signature",
        `Bad signature on telemetry of "${unitId}": it does not match the message`,
      );
    }
    const seq = Number(seqText);
    const floorKey = `${publicKey} ${subject}`;
    const last = this.#last.get(floorKey);
    if (last !== undefined && !newer(stamp, seq, last)) {
      return this.#refuse(
        "replayed",
        `Replayed telemetry of "${unitId}": ${HEADERS.txTimestamp} ${stamp} ${HEADERS.seq} ${seq} ` +
          `is not newer than the last taken (${last.stamp}, ${last.seq})`,
      );
    }
    this.#last.delete(floorKey);
    this.#last.set(floorKey, { stamp, seq });
    trim(this.#last, this.#maxEntries);
    this.#verified++;
    return OK;
  }

  /**
   * The counters.
   *
   * @returns a snapshot
   */
  stats(): SignatureStats {
    return {
      verified: this.#verified,
      unverified: this.#unverified,
      refused: { ...this.#refused },
    };
  }

  #refuse(reason: SignatureRefusal, error: string): SignatureCheck {
    this.#refused[reason]++;
    return { ok: false, reason, error };
  }

  #key(publicKey: string): KeyObject {
    let key = this.#keys.get(publicKey);
    if (key === undefined) {
      const der = Uint8Array.from([...SPKI_ED25519, ...decodeUserKey(publicKey)]);
      key = createPublicKey({ key: der as unknown as Buffer, format: "der", type: "spki" });
      this.#keys.set(publicKey, key);
      trim(this.#keys, this.#maxEntries);
    }
    return key;
  }
}

/** Whether (stamp, seq) comes after `last`: stamps are ns since the epoch as decimal strings. */
function newer(stamp: string, seq: number, last: { stamp: string; seq: number }): boolean {
  if (stamp.length !== last.stamp.length) return stamp.length > last.stamp.length;
  if (stamp !== last.stamp) return stamp > last.stamp;
  return seq > last.seq;
}

function trim<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}

function base64UrlBytes(text: string): Uint8Array {
  const bin = atob(
    text.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - text.length % 4) % 4),
  );
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
