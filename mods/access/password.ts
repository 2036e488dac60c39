import { argon2id, argon2Verify } from "hash-wasm";
import { InvalidAccessInputError } from "./errors.ts";

/**
 * The KDF's parameters: argon2id (RFC 9106) at OWASP's recommended minimum, 19 MiB of memory,
 * 2 passes, 1 lane, a 16-byte salt and a 32-byte hash, run in WebAssembly (npm `hash-wasm`).
 * Memory-hard, so a stolen hash costs a GPU as much memory per guess as it costs us per login.
 * The parameters travel in each stored hash (PHC string); a hash made with others is re-made at
 * the next successful login.
 */
export const KDF_PARAMS: Readonly<{
  algorithm: "argon2id";
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  saltBytes: number;
  hashBytes: number;
}> = Object.freeze({
  algorithm: "argon2id" as const,
  memoryKiB: 19_456,
  iterations: 2,
  parallelism: 1,
  saltBytes: 16,
  hashBytes: 32,
});

/** Passwords shorter than this are refused (NIST SP 800-63B: at least 8; we ask 12). */
export const MIN_PASSWORD_LENGTH = 12;
/** Longer ones are refused too, so that nobody feeds the KDF megabytes. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Checks a new password's length (no composition rules: length is what counts).
 *
 * @param password the password
 * @returns the password
 * @throws {InvalidAccessInputError} when it is too short or too long
 */
export function checkNewPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidAccessInputError(
      `Invalid password: expected ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters, got ${password.length}`,
    );
  }
  return password;
}

// One hash at a time: each blocks the event loop for its duration, so a burst of logins is
// queued (and bounded) instead of stalling every other request at once.
let running: Promise<unknown> = Promise.resolve();
let waiting = 0;
/** Hashes allowed to wait for their turn before further logins are refused. */
const MAX_WAITING = 16;

/** Too many password hashes are already waiting: the caller answers 429. */
export class KdfBusyError extends InvalidAccessInputError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "KdfBusyError";
}

function serial<T>(work: () => Promise<T>): Promise<T> {
  if (waiting >= MAX_WAITING) {
    return Promise.reject(new KdfBusyError("Too many logins at once; try again in a moment"));
  }
  waiting++;
  const next = running.then(work, work);
  running = next.catch(() => {}).finally(() => waiting--);
  return next;
}

/**
 * Hashes a password with {@linkcode KDF_PARAMS} and a fresh random salt.
 *
 * @param password the password
 * @returns the PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`
 */
export function hashPassword(password: string): Promise<string> {
  return serial(() =>
    argon2id({
      password,
      salt: crypto.getRandomValues(new Uint8Array(KDF_PARAMS.saltBytes)),
      memorySize: KDF_PARAMS.memoryKiB,
      iterations: KDF_PARAMS.iterations,
      parallelism: KDF_PARAMS.parallelism,
      hashLength: KDF_PARAMS.hashBytes,
      outputType: "encoded",
    })
  );
}

/**
 * Checks a password against a stored hash (constant time within the KDF).
 *
 * @param password the password given
 * @param hash the stored PHC string
 * @returns whether it matches; a malformed hash never matches
 */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return Promise.resolve(false);
  return serial(() => argon2Verify({ password, hash }).catch(() => false));
}

/**
 * Whether a stored hash was made with other parameters than {@linkcode KDF_PARAMS} (re-hash it).
 *
 * @param hash the stored PHC string
 * @returns true when it should be made again
 */
export function needsRehash(hash: string): boolean {
  const p = KDF_PARAMS;
  return !hash.startsWith(`$argon2id$v=19$m=${p.memoryKiB},t=${p.iterations},p=${p.parallelism}$`);
}

/** A hash of nothing anybody knows: unknown users cost a login as much time as known ones. */
let dummy: Promise<string> | undefined;

/**
 * Spends a password check's time on a hash that never matches (an unknown user).
 *
 * @param password the password given
 * @returns false, after as long as a real check takes
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword(crypto.randomUUID());
  await verifyPassword(password, await dummy);
  return false;
}
