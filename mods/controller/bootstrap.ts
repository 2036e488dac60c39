import { encodeOperator } from "@nats-io/jwt";
import {
  type AccountKind,
  type AccountRecord,
  BUILTIN_ACCOUNTS,
  defaultLimits,
  telemetryActivations,
} from "./accounts.ts";
import { type ClaimsTarget, ResolverDir } from "./claims.ts";
import { Controller } from "./controller.ts";
import { dashboardUnitId, SERVICE_CREDS, systemCredsFiles } from "./creds_files.ts";
import { AuditJournal, type AuditSink } from "./journal.ts";
import { jwtClaims, newKeyPair } from "./keys.ts";
import { servicePermissions, type ServiceUserName } from "./permissions.ts";
import { IdentityStore, writeFileAtomic } from "./store.ts";

/** Options of {@linkcode initIdentity}. */
export interface InitIdentityOptions {
  /** NATS_IDENTITY_DIR, absolute. */
  readonly identityDir: string;
  /** NATS_DATA_DIR, absolute: the operator JWT, the resolver directory, JetStream. */
  readonly dataDir: string;
  /** UNIT_ID of this host (its guardian's credentials). */
  readonly hubUnitId: string;
  /** TIME_MASTER: the host's guardian may publish `ops.time.config`. */
  readonly timeMaster: boolean;
  /** The operator's name in its JWT (default `nunect`). */
  readonly operatorName?: string;
  /** A running server's resolver (default: the resolver directory, for a stopped server). */
  readonly claims?: ClaimsTarget;
  /** Where changes are recorded (default: the journal, moved to the audit stream later). */
  readonly audit?: AuditSink;
  /** Who asks, for the audit trail (default `controller`). */
  readonly actor?: string;
}

/** What {@linkcode initIdentity} did. */
export interface InitIdentityReport {
  /** The operator and accounts were created now (first start). */
  readonly created: boolean;
  /** Credentials issued now, by file. */
  readonly issued: readonly string[];
  /** JetStream account directories moved from the config-file account names to the keys. */
  readonly migrated: readonly string[];
  /** Accounts whose JWT was handed to the resolver. */
  readonly synced: readonly string[];
}

const KINDS: Readonly<Record<string, AccountKind>> = { SYS: "system", OPS: "ops" };

/**
 * Makes the identity of a nunect system exist, idempotently (run by `deno task start` before
 * nats-server starts): on first run the operator and the SYS, OPS, BRIDGE, ENGINE and PROVISION
 * accounts (keys in the controller's private directory); every run the operator JWT and account
 * JWTs in NATS_DATA_DIR for the full resolver, the credentials of this host's programs (issued
 * again if missing, revoked, no longer matching TIME_MASTER or issued with other permissions than
 * their program now has), JetStream data of config-file
 * accounts moved to their account keys, and expired browser users forgotten.
 *
 * @param o directories, this host's unit, where changes go
 * @returns what was done
 */
export async function initIdentity(o: InitIdentityOptions): Promise<InitIdentityReport> {
  const store = new IdentityStore(o.identityDir);
  const actor = o.actor ?? "controller";
  const audit = o.audit ?? new AuditJournal(`${store.paths.private}/audit-journal.jsonl`);
  const claims = o.claims ?? new ResolverDir(`${o.dataDir}/jwt`);
  const created = !(await store.exists());
  if (created) await createAccounts(store, o.operatorName ?? "nunect", audit, actor);

  const operatorJwt = await store.operatorJwt();
  await Deno.mkdir(`${o.dataDir}/jwt`, { recursive: true });
  const operatorFile = `${o.dataDir}/operator.jwt`;
  const current = await Deno.readTextFile(operatorFile).catch(() => "");
  if (current.trim() !== operatorJwt) {
    await writeFileAtomic(operatorFile, operatorJwt + "\n", 0o644);
  }

  const controller = new Controller({ store, claims, audit });
  const synced = await controller.sync();
  const migrated = await migrateJetStream(store, o.dataDir);
  const issued = await ensureSystemCreds(controller, o, actor);
  await controller.pruneExpired();
  return { created, issued, migrated, synced };
}

async function createAccounts(
  store: IdentityStore,
  operatorName: string,
  audit: AuditSink,
  actor: string,
): Promise<void> {
  await store.locked(async () => {
    if (await store.exists()) return; // another process was first
    const operator = newKeyPair("operator");
    const keys = new Map(BUILTIN_ACCOUNTS.map((n) => [n, {
      identity: newKeyPair("account"),
      signing: newKeyPair("account"),
    }]));
    const ops = keys.get("OPS")!.identity.getPublicKey();
    const now = Date.now();
    for (const [name, k] of keys) {
      const kind = KINDS[name] ?? "tenant";
      const record: AccountRecord = {
        name,
        kind,
        publicKey: k.identity.getPublicKey(),
        signingKey: k.signing.getPublicKey(),
        limits: defaultLimits(kind),
        telemetry: kind === "tenant",
        revocations: {},
        activations: kind === "tenant"
          ? await telemetryActivations({ publicKey: k.identity.getPublicKey(), ...k }, ops)
          : {},
        createdAt: now,
        updatedAt: now,
      };
      await store.saveAccount(record, k);
    }
    const jwt = await encodeOperator(operatorName, operator, {
      system_account: keys.get("SYS")!.identity.getPublicKey(),
    });
    await store.saveOperator(operator, jwt);
    await audit.append({
      actor,
      action: "identity.init",
      target: `operator ${operator.getPublicKey()}`,
      before: null,
      after: {
        operator: operator.getPublicKey(),
        accounts: Object.fromEntries([...keys].map(([n, k]) => [n, k.identity.getPublicKey()])),
      },
      ok: true,
    });
  });
}

/** The user a `.creds` file holds, or undefined when it is missing or unreadable. */
async function credsUser(path: string): Promise<string | undefined> {
  try {
    const text = await Deno.readTextFile(path);
    const jwt = /-----BEGIN NATS USER JWT-----\s*([A-Za-z0-9_\-.]+)\s*/.exec(text)?.[1];
    return jwt === undefined ? undefined : jwtClaims(jwt).sub;
  } catch {
    return undefined;
  }
}

async function ensureSystemCreds(
  controller: Controller,
  o: InitIdentityOptions,
  actor: string,
): Promise<string[]> {
  const files = systemCredsFiles(o.identityDir, o.hubUnitId);
  const issued: string[] = [];
  const write = async (path: string, creds: string) => {
    await writeFileAtomic(path, creds);
    issued.push(path);
  };
  const systemKey = (await controller.accounts()).find((a) => a.kind === "system")?.publicKey ?? "";
  for (const [name, key] of Object.entries(SERVICE_CREDS) as [ServiceUserName, string][]) {
    const path = files[key as keyof typeof files];
    const holder = await credsUser(path);
    const active = (await controller.users({ unitId: name })).filter((u) => u.kind === "service");
    // A program's user issued before its permissions changed is issued again (an upgrade).
    const wanted = JSON.stringify(servicePermissions(name, systemKey) ?? null);
    if (
      holder !== undefined &&
      active.some((u) => u.publicKey === holder && JSON.stringify(u.permissions ?? null) === wanted)
    ) continue;
    await write(path, (await controller.issueService(name, actor)).creds);
  }
  const units = [
    {
      path: files.hubGuardian,
      unitId: o.hubUnitId,
      role: "guardian" as const,
      timeMaster: o.timeMaster,
    },
    { path: files.dashboardUnit, unitId: dashboardUnitId(o.hubUnitId), role: "app" as const },
  ];
  for (const u of units) {
    const holder = await credsUser(u.path);
    const active = await controller.users({ account: "OPS", unitId: u.unitId });
    const match = active.find((a) =>
      a.publicKey === holder && a.role === u.role && !!a.timeMaster === !!u.timeMaster
    );
    if (match) continue;
    const result = await controller.issueUnit({
      account: "OPS",
      unitId: u.unitId,
      role: u.role,
      ...(u.timeMaster ? { timeMaster: true } : {}),
      replace: true,
    }, actor);
    await write(u.path, result.creds);
  }
  return issued;
}

/**
 * Moves JetStream's per-account directories from the config-file account names (`jetstream/OPS`)
 * to the account keys operator mode uses (`jetstream/A…`), so streams and KV buckets made before
 * operator mode stay. Only where the target does not exist yet.
 */
async function migrateJetStream(store: IdentityStore, dataDir: string): Promise<string[]> {
  const moved: string[] = [];
  for (const a of await store.accounts()) {
    const from = `${dataDir}/jetstream/${a.name}`;
    const to = `${dataDir}/jetstream/${a.publicKey}`;
    const exists = async (p: string) => await Deno.stat(p).then(() => true, () => false);
    if (await exists(from) && !(await exists(to))) {
      await Deno.rename(from, to);
      moved.push(a.name);
    }
  }
  return moved;
}
