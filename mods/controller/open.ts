import { connect, type ConnectOptions, type NunectClient } from "../client/mod.ts";
import { AuditLog, ensureAuditStream } from "../audit/mod.ts";
import { NatsClaims } from "./claims.ts";
import { Controller } from "./controller.ts";
import { systemCredsFiles } from "./creds_files.ts";
import { AuditJournal, StreamOrJournal } from "./journal.ts";
import { IdentityStore } from "./store.ts";
import { KvUnitKeys } from "./unit_keys.ts";

/** Options of {@linkcode openController}. */
export interface OpenControllerOptions {
  /** NATS_IDENTITY_DIR, absolute. */
  readonly identityDir: string;
  /** UNIT_ID of this host (names the credentials files). */
  readonly hubUnitId: string;
  /** NATS_URL of the server (`nats://` or `tls://`). */
  readonly natsUrl: string;
  /** TLS towards the server (`natsTlsOptions(config.natsTls)`), when configured. */
  readonly tls?: ConnectOptions["tls"];
  /** Connection names' prefix (default `nunect-controller`). */
  readonly name?: string;
  /** Audit stream age limit, ms (default 365 days). */
  readonly auditMaxAgeMs?: number;
  /**
   * Record to the offline journal only and never create the audit stream: for a restore, where
   * the stream comes from the backup (the serving controller moves the records in later).
   */
  readonly journalOnly?: boolean;
}

/** A controller connected to a running server. Dispose (or `close()`) to disconnect. */
export interface ControllerSession extends AsyncDisposable {
  /** The controller, pushing claims live and recording to the audit stream. */
  readonly controller: Controller;
  /** The system-account connection (claims, the request API). */
  readonly sys: NunectClient;
  /** The OPS connection that appends to the audit stream. */
  readonly audit: NunectClient;
  /** Records moved from the offline journal into the audit stream at start. */
  readonly journalMoved: number;
  /** Where the controller records changes (the audit stream, the journal while it fails). */
  readonly records: StreamOrJournal;
  /** Closes both connections. */
  close(): Promise<void>;
}

/**
 * Connects the controller to a running server with its own two users (`controller-sys` for
 * claims, `controller-audit` for the audit stream), makes sure the audit stream exists, moves
 * records written while the server was down from the journal into it, and hands the resolver
 * every account JWT it lacks.
 *
 * @param o where the identity is and where the server listens
 * @returns the connected controller
 * @throws {ConnectError} when the server cannot be reached or refuses the credentials
 */
export async function openController(o: OpenControllerOptions): Promise<ControllerSession> {
  const files = systemCredsFiles(o.identityDir, o.hubUnitId);
  const name = o.name ?? "nunect-controller";
  const common = { servers: o.natsUrl, tls: o.tls, maxReconnectAttempts: -1 } as const;
  const sys = await connect({
    ...common,
    unitId: `${name}-sys`,
    creds: await Deno.readTextFile(files.controllerSys),
  });
  let audit: NunectClient | undefined;
  try {
    audit = await connect({
      ...common,
      unitId: `${name}-audit`,
      creds: await Deno.readTextFile(files.controllerAudit),
    });
    const auditNc = audit.nc;
    const store = new IdentityStore(o.identityDir);
    const records = new StreamOrJournal(
      new AuditLog(auditNc),
      new AuditJournal(`${store.paths.private}/audit-journal.jsonl`),
      o.journalOnly
        ? () => Promise.reject(new Error("the audit stream is not created by this session"))
        : () => ensureAuditStream(auditNc, { maxAgeMs: o.auditMaxAgeMs }),
    );
    // JetStream may not be ready (a cluster forming): records wait in the journal meanwhile.
    const moved = await records.catchUp().catch(() => 0);
    // The unit key directory: every OPS unit's signing keys, in full at every start (changes made
    // while the server was down); JetStream not ready yet leaves it to the service's next full sync.
    const unitKeys = o.journalOnly ? undefined : new KvUnitKeys(auditNc);
    const controller = new Controller({
      store,
      claims: new NatsClaims(sys.nc),
      audit: records,
      ...(unitKeys ? { unitKeys } : {}),
    });
    await controller.sync();
    await controller.syncUnitKeys().catch((e) => {
      console.error(`controller: unit key directory not written: ${(e as Error).message}`);
    });
    const a = audit;
    const close = async () => {
      await a.close();
      await sys.close();
    };
    return {
      controller,
      sys,
      audit: a,
      journalMoved: moved,
      records,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await audit?.close();
    await sys.close();
    throw e;
  }
}
