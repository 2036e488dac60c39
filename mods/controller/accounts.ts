import { encodeAccount, encodeActivation, type KeyPair, type OperatorLimits } from "@nats-io/jwt";
import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { subjects } from "../protocol/mod.ts";
import { IdentityRequestError } from "./errors.ts";

/** nunect's accounts: the system account, OPS and the application tenants. */
export const BUILTIN_ACCOUNTS = ["SYS", "OPS", "BRIDGE", "ENGINE", "PROVISION"] as const;

/** `system` (server events), `ops` (telemetry and the store) or `tenant` (applications). */
export type AccountKind = "system" | "ops" | "tenant";

/** An account name: one subject token, since tenants' telemetry arrives as `tenant.<NAME>.ops…`. */
export const ACCOUNT_NAME = /^[A-Z][A-Z0-9_-]{0,31}$/;

/** Limits of an account; -1 means unlimited. */
export const accountLimitsSchema = z.object({
  /** Client connections at once. */
  connections: z.number().int().min(-1),
  /** Leaf node connections at once. */
  leafNodes: z.number().int().min(-1),
  /** Largest message, bytes. */
  payload: z.number().int().min(-1),
  /** Subscriptions at once. */
  subscriptions: z.number().int().min(-1),
  /** JetStream memory storage, bytes (0: no memory streams). */
  jsMemory: z.number().int().min(-1),
  /** JetStream file storage, bytes (0 together with jsMemory 0: JetStream off). */
  jsDisk: z.number().int().min(-1),
});

/** Limits of an account; -1 means unlimited. */
export interface AccountLimits {
  /** Client connections at once. */
  connections: number;
  /** Leaf node connections at once. */
  leafNodes: number;
  /** Largest message, bytes. */
  payload: number;
  /** Subscriptions at once. */
  subscriptions: number;
  /** JetStream memory storage, bytes (0: no memory streams). */
  jsMemory: number;
  /** JetStream file storage, bytes (0 together with jsMemory 0: JetStream off). */
  jsDisk: number;
}
true satisfies Agrees<z.output<typeof accountLimitsSchema>, AccountLimits>;

/** The public state of an account, as the controller keeps and shows it. */
export interface AccountRecord {
  /** Its name, e.g. `BRIDGE`. */
  readonly name: string;
  /** Its kind. */
  readonly kind: AccountKind;
  /** Its public key (`A…`): its identity to nats-server. */
  readonly publicKey: string;
  /** Public key of the signing key its users are issued with. */
  readonly signingKey: string;
  /** Its limits. */
  readonly limits: AccountLimits;
  /** Tenants: whether its units' telemetry reaches OPS (as `tenant.<NAME>.ops…`). */
  readonly telemetry: boolean;
  /** Revoked user keys and when (s since the epoch): their JWTs issued up to then are refused. */
  readonly revocations: Readonly<Record<string, number>>;
  /** Tenants: activation tokens that let OPS import each telemetry export (public). */
  readonly activations: Readonly<Record<string, string>>;
  /** Creation and last change, ms since the epoch. */
  readonly createdAt: number;
  /** Last change, ms since the epoch. */
  readonly updatedAt: number;
}

const UNLIMITED: AccountLimits = {
  connections: -1,
  leafNodes: -1,
  payload: -1,
  subscriptions: -1,
  jsMemory: -1,
  jsDisk: -1,
};

/**
 * Default limits of a new account: everything unlimited, JetStream on for OPS and tenants (as in
 * the config-file accounts before operator mode), off for the system account.
 *
 * @param kind the account's kind
 * @returns the limits
 */
export function defaultLimits(kind: AccountKind): AccountLimits {
  return kind === "system" ? { ...UNLIMITED, jsMemory: 0, jsDisk: 0 } : { ...UNLIMITED };
}

/**
 * Checks an account name.
 *
 * @param name e.g. `BRIDGE`
 * @returns the name
 * @throws {IdentityRequestError} naming the rule
 */
export function validateAccountName(name: unknown): string {
  if (typeof name !== "string" || !ACCOUNT_NAME.test(name)) {
    throw new IdentityRequestError(
      `Invalid account name "${
        String(name)
      }": expected 1-32 upper-case letters, digits, "_" or "-", starting with a letter`,
    );
  }
  return name;
}

/** The telemetry a tenant exports to OPS: heartbeats, metrics and logs (never echo or time config). */
export const TELEMETRY_EXPORTS = [
  subjects.all.heartbeat,
  subjects.all.metric,
  subjects.all.log,
] as const;

/**
 * Where a tenant's telemetry appears in OPS: `tenant.<NAME>` + the original subject, so a
 * tenant's `ops.heartbeat.hub` is `tenant.BRIDGE.ops.heartbeat.hub` there and never the hub.
 *
 * @param tenant the tenant account's name
 * @returns e.g. `tenant.BRIDGE`
 */
export function tenantPrefix(tenant: string): string {
  return subjects.tenantPrefix(validateAccountName(tenant));
}

/**
 * Activation tokens for OPS's imports of a tenant's telemetry, signed by the tenant's signing
 * key: the exports are private (`token_req`), so no other account can import them.
 *
 * @param tenant the tenant's identity key (public) and signing key pair
 * @param opsPublicKey OPS's public key
 * @returns subject to activation JWT
 */
export async function telemetryActivations(
  tenant: { publicKey: string; signing: KeyPair },
  opsPublicKey: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const subject of TELEMETRY_EXPORTS) {
    out[subject] = await encodeActivation(
      `telemetry ${subject}`,
      opsPublicKey,
      tenant.publicKey,
      "stream",
      { subject },
      { signer: tenant.signing },
    );
  }
  return out;
}

function jwtLimits(l: AccountLimits, kind: AccountKind): Partial<OperatorLimits> {
  const js = kind !== "system" && (l.jsMemory !== 0 || l.jsDisk !== 0);
  return {
    conn: l.connections,
    leaf: l.leafNodes,
    payload: l.payload,
    subs: l.subscriptions,
    data: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
    ...(js
      ? {
        mem_storage: l.jsMemory,
        disk_storage: l.jsDisk,
        streams: -1,
        consumer: -1,
        max_ack_pending: -1,
        mem_max_stream_bytes: -1,
        disk_max_stream_bytes: -1,
        max_bytes_required: false,
      }
      : {}),
  };
}

/**
 * The account JWT for a record, signed by the operator: limits, signing key, revocations; for a
 * tenant its private telemetry exports; for OPS one prefixed import per tenant export.
 *
 * @param account the account
 * @param operator the operator's key pair
 * @param tenants every tenant account (OPS imports the telemetry of those with `telemetry`)
 * @returns the JWT
 */
export function encodeAccountJwt(
  account: AccountRecord,
  operator: KeyPair,
  tenants: readonly AccountRecord[] = [],
): Promise<string> {
  const exports = account.kind === "tenant" && account.telemetry
    ? TELEMETRY_EXPORTS.map((subject) => ({
      name: `telemetry ${subject}`,
      subject,
      type: "stream" as const,
      token_req: true,
      description: "nunect telemetry, imported by OPS under tenant.<account>",
    }))
    : undefined;
  const imports = account.kind === "ops"
    ? tenants.filter((t) => t.kind === "tenant" && t.telemetry).flatMap((t) =>
      TELEMETRY_EXPORTS.map((subject) => ({
        name: `${t.name} ${subject}`,
        account: t.publicKey,
        subject,
        type: "stream" as const,
        to: tenantPrefix(t.name),
        token: t.activations[subject] ?? "",
      }))
    )
    : undefined;
  return encodeAccount(account.name, account.publicKey, {
    limits: jwtLimits(account.limits, account.kind),
    signing_keys: [account.signingKey],
    revocations: { ...account.revocations },
    ...(exports ? { exports } : {}),
    ...(imports ? { imports } : {}),
    description: `nunect ${account.kind} account`,
  }, { signer: operator });
}
