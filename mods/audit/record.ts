import { z } from "zod";
import type { Agrees } from "../protocol/wire_schema.ts";
import { InvalidAuditRecordError } from "./errors.ts";

/** The JetStream stream (in OPS) that keeps the audit trail. */
export const AUDIT_STREAM = "nunect_audit";

/**
 * Every audit record is published under this prefix: `nunect.audit.<action>`. Only nunect's own
 * programs publish there: the dashboard's console refuses it (see mods/access `protectedInOps`).
 */
export const AUDIT_SUBJECT_PREFIX = "nunect.audit";

/** An action name: dot-separated lower-case words, e.g. `account.create`, `user.revoke`. */
const ACTION = /^[a-z][a-z0-9_-]{0,31}(\.[a-z][a-z0-9_-]{0,31}){0,3}$/;

/** One change, as the audit trail keeps it. JSON-serialisable; never holds a secret. */
export const auditRecordSchema = z.object({
  /** Random record ID (also the JetStream message ID, so a retried append is stored once). */
  id: z.string().min(8).max(64),
  /** When the change was made, ms since the Unix epoch. */
  at: z.number().int().nonnegative(),
  /** Who made it: a dashboard login name, `cli:<os user>`, or `controller` for its own work. */
  actor: z.string().min(1).max(128),
  /** What was done, e.g. `account.create`, `user.issue`, `user.revoke`. */
  action: z.string().regex(ACTION),
  /** What it was done to, e.g. `account BRIDGE`, `user UAB… (unit router-7)`. */
  target: z.string().min(1).max(256),
  /** The state before (null for a creation). */
  before: z.unknown().nullable(),
  /** The state after (null for a deletion). */
  after: z.unknown().nullable(),
  /** Whether the change took effect; a refused change is recorded too. */
  ok: z.boolean(),
  /** Why it failed, when `ok` is false. */
  error: z.string().max(1024).optional(),
  /** The actor's role when it acted (dashboard requests). */
  role: z.string().max(32).optional(),
  /** The accounts the actor was limited to: `*` for all, else names joined by commas. */
  scope: z.string().max(2048).optional(),
  /** How the actor proved who it is: `session`, `token:<id>`, `password` (a login). */
  via: z.string().max(64).optional(),
  /** The HTTP method and path of the request (dashboard requests). */
  request: z.string().max(512).optional(),
  /** The HTTP status the request was answered with (dashboard requests). */
  status: z.number().int().optional(),
  /** The client's address (dashboard requests). */
  address: z.string().max(64).optional(),
});

/** One change, as the audit trail keeps it. JSON-serialisable; never holds a secret. */
export interface AuditRecord {
  /** Random record ID (also the JetStream message ID, so a retried append is stored once). */
  id: string;
  /** When the change was made, ms since the Unix epoch. */
  at: number;
  /** Who made it: a dashboard login name, `cli:<os user>`, or `controller` for its own work. */
  actor: string;
  /** What was done, e.g. `account.create`, `user.issue`, `user.revoke`. */
  action: string;
  /** What it was done to, e.g. `account BRIDGE`, `user UAB… (unit router-7)`. */
  target: string;
  /** The state before (null for a creation). */
  before: unknown;
  /** The state after (null for a deletion). */
  after: unknown;
  /** Whether the change took effect; a refused change is recorded too. */
  ok: boolean;
  /** Why it failed, when `ok` is false. */
  error?: string;
  /** The actor's role when it acted (dashboard requests). */
  role?: string;
  /** The accounts the actor was limited to: `*` for all, else names joined by commas. */
  scope?: string;
  /** How the actor proved who it is: `session`, `token:<id>`, `password` (a login). */
  via?: string;
  /** The HTTP method and path of the request (dashboard requests). */
  request?: string;
  /** The HTTP status the request was answered with (dashboard requests). */
  status?: number;
  /** The client's address (dashboard requests). */
  address?: string;
}
true satisfies Agrees<z.output<typeof auditRecordSchema>, AuditRecord>;

/**
 * The dashboard request a change is made for, when another program (the controller) makes the
 * change and stores its record: the actor's role and scope, how it proved who it is, the HTTP
 * method and path, and the client's address. That program's record carries these fields, so the
 * request appears in the trail once, with what both programs know.
 */
export type AuditRequest = Partial<
  Pick<AuditRecord, "role" | "scope" | "via" | "request" | "address">
>;

/** Checks an {@linkcode AuditRequest} from the wire, with the record's own limits. */
export const auditRequestSchema = auditRecordSchema.pick({
  role: true,
  scope: true,
  via: true,
  request: true,
  address: true,
});
true satisfies Agrees<z.output<typeof auditRequestSchema>, AuditRequest>;

/** What a writer supplies; the log adds `id` and `at` unless given (a replayed record keeps both). */
export type AuditInput = Omit<AuditRecord, "id" | "at"> & {
  readonly at?: number;
  readonly id?: string;
};

/**
 * Completes a writer's input into a record: a fresh ID and the current time unless given.
 *
 * @param input the writer's input
 * @returns the complete record, checked
 * @throws {InvalidAuditRecordError} for a malformed record or one holding a secret
 */
export function auditRecord(input: AuditInput): AuditRecord {
  return encodeAuditRecord(input).record;
}

/**
 * Completes and checks a writer's input, and gives the JSON that is stored (serialised once: the
 * secret scan runs over exactly what is published).
 *
 * @param input the writer's input
 * @returns the complete record and its JSON
 * @throws {InvalidAuditRecordError} for a malformed record or one holding a secret
 */
export function encodeAuditRecord(input: AuditInput): { record: AuditRecord; json: string } {
  const { id, at, ...rest } = input;
  return checked({ ...rest, id: id ?? crypto.randomUUID(), at: at ?? Date.now() });
}

// Seeds (SO…, SA…, SU…: 58 base32 characters) and .creds/PEM blocks must never be stored.
const SECRET = /\bS[OAUNCPX][A-Z2-7]{56}\b|-----BEGIN [A-Z ]+-----/;

/**
 * The subject an action is published on.
 *
 * @param action e.g. `user.revoke`
 * @returns e.g. `nunect.audit.user.revoke`
 * @throws {InvalidAuditRecordError} for an action that is not dot-separated lower-case words
 */
export function auditSubject(action: string): string {
  if (!ACTION.test(action)) {
    throw new InvalidAuditRecordError(
      `Invalid audit action "${action}": expected lower-case words joined by dots, e.g. "user.revoke"`,
    );
  }
  return `${AUDIT_SUBJECT_PREFIX}.${action}`;
}

/**
 * Checks a record before it is stored: it must fit the schema and hold no NKey seed, `.creds`
 * block or PEM key anywhere (before/after included).
 *
 * @param record the complete record
 * @returns the record, as parsed
 * @throws {InvalidAuditRecordError} naming the problem (never echoing the secret)
 */
export function checkAuditRecord(record: AuditRecord): AuditRecord {
  return checked(record).record;
}

function checked(record: AuditRecord): { record: AuditRecord; json: string } {
  const parsed = auditRecordSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidAuditRecordError(
      `Invalid audit record for "${record.action}": ${
        issue?.path.join(".") || "(root)"
      }: ${issue?.message}`,
    );
  }
  const json = JSON.stringify(parsed.data);
  if (SECRET.test(json)) {
    throw new InvalidAuditRecordError(
      `Invalid audit record for "${record.action}" on "${record.target}": it contains a seed or a credentials block; record public keys only`,
    );
  }
  return { record: parsed.data, json };
}
