import type { NatsConnection } from "./nats_types.ts";
import { nativeSigner } from "./native_auth.ts";
import type { ConnectOptions } from "./options.ts";
import { signTelemetryWith } from "./signed_telemetry.ts";

const decoder = new TextDecoder();

/**
 * Deno's and Node's runtime hook (see {@linkcode signTelemetryWith}): signs with the seed of the
 * connect options, by the runtime's native Ed25519 (node:crypto). Does nothing without a seed or a
 * native signer. Not in the browser build.
 *
 * @param nc the unit's connection
 * @param options its connect options, already checked: the unit ID, and the seed in `creds` (a
 *   `.creds` file's text) or `nkeySeed`
 * @throws {InvalidNKeyError} for a seed that does not decode
 */
export function signTelemetry(nc: NatsConnection, options: ConnectOptions): void {
  const text = (v: string | Uint8Array) => typeof v === "string" ? v : decoder.decode(v);
  const seed = options.creds !== undefined
    ? /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(text(options.creds))?.[1]
    : options.nkeySeed !== undefined
    ? text(options.nkeySeed).trim()
    : undefined;
  const signer = seed === undefined ? undefined : nativeSigner(seed);
  if (signer !== undefined) signTelemetryWith(nc, signer, options.unitId);
}
