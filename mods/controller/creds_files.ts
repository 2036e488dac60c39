import { unitCredsPath } from "../config/mod.ts";
import { validateUnitId } from "../protocol/core.ts";

/** Where the identity lives under `NATS_IDENTITY_DIR`. */
export interface IdentityPaths {
  /** NATS_IDENTITY_DIR itself. */
  readonly root: string;
  /** The controller's private store (0700): operator, account and user keys. */
  readonly private: string;
  /** Credentials of this host's own programs: `<creds>/<program>/<name>.creds`. */
  readonly creds: string;
  /** Router bundles made by `provision`. */
  readonly bundles: string;
}

/**
 * The layout of an identity directory.
 *
 * @param root NATS_IDENTITY_DIR (absolute)
 * @returns its parts
 */
export function identityPaths(root: string): IdentityPaths {
  return {
    root,
    private: `${root}/controller`,
    creds: `${root}/creds`,
    bundles: `${root}/bundles`,
  };
}

/**
 * The dashboard's own unit: it answers echo (browsers measure their application RTT against it)
 * and sends heartbeats, as a unit user without JetStream rights — never as its OPS user.
 *
 * @param hubUnitId UNIT_ID of this host
 * @returns `<UNIT_ID>-dashboard`, cut to 64 characters
 */
export function dashboardUnitId(hubUnitId: string): string {
  return validateUnitId(`${validateUnitId(hubUnitId)}-dashboard`.slice(0, 64));
}

/** Where this host's own programs find their credentials. */
export interface SystemCredsFiles {
  /** The dashboard's system-account user. */
  readonly dashboardSys: string;
  /** The dashboard's OPS user (JetStream, telemetry). */
  readonly dashboardOps: string;
  /** The dashboard's own unit (echo, heartbeat). */
  readonly dashboardUnit: string;
  /** The controller's system-account user (claims). */
  readonly controllerSys: string;
  /** The controller's audit writer in OPS. */
  readonly controllerAudit: string;
  /** The history collector's system-account user (cluster-wide samples). */
  readonly historySys: string;
  /** The history collector's OPS user (history streams, lease). */
  readonly historyOps: string;
  /** The alerts program's OPS user (rules, state, history). */
  readonly alertsOps: string;
  /** The subject registry's system-account user (the hub's leaf node connections). */
  readonly registrySys: string;
  /** The subject registry's OPS user (registry bucket, inbox stream, events). */
  readonly registryOps: string;
  /** This host's guardian (unit UNIT_ID). */
  readonly hubGuardian: string;
}

/**
 * The `.creds` files of this host's programs under NATS_IDENTITY_DIR/creds: one directory per
 * program, so each program's permission set can read its own directory and nothing else.
 *
 * @param identityRoot NATS_IDENTITY_DIR (absolute)
 * @param hubUnitId UNIT_ID of this host
 * @returns the paths
 */
export function systemCredsFiles(identityRoot: string, hubUnitId: string): SystemCredsFiles {
  const c = identityPaths(identityRoot).creds;
  return {
    dashboardSys: `${c}/dashboard/sys.creds`,
    dashboardOps: `${c}/dashboard/ops.creds`,
    dashboardUnit: `${c}/dashboard/unit.creds`,
    controllerSys: `${c}/controller/sys.creds`,
    controllerAudit: `${c}/controller/audit.creds`,
    historySys: `${c}/history/sys.creds`,
    historyOps: `${c}/history/ops.creds`,
    alertsOps: `${c}/alerts/ops.creds`,
    registrySys: `${c}/registry/sys.creds`,
    registryOps: `${c}/registry/ops.creds`,
    hubGuardian: unitCredsFile(identityRoot, hubUnitId),
  };
}

/**
 * Where a unit's credentials issued on this host are written.
 *
 * @param identityRoot NATS_IDENTITY_DIR (absolute)
 * @param unitId the unit
 * @returns `<dir>/creds/units/<unit>.creds`
 */
export function unitCredsFile(identityRoot: string, unitId: string): string {
  return unitCredsPath("", validateUnitId(unitId), identityRoot);
}

/** Which file of {@linkcode SystemCredsFiles} holds each of nunect's own users. */
export const SERVICE_CREDS = {
  "dashboard-sys": "dashboardSys",
  "dashboard-ops": "dashboardOps",
  "controller-sys": "controllerSys",
  "controller-audit": "controllerAudit",
  "history-sys": "historySys",
  "history-ops": "historyOps",
  "alerts-ops": "alertsOps",
  "registry-sys": "registrySys",
  "registry-ops": "registryOps",
} as const satisfies Record<string, keyof SystemCredsFiles>;

/**
 * Reads one of this host's credentials files, or exits 2 saying what to run: for programs'
 * entry points.
 *
 * @param path the `.creds` file
 * @param program the program's name, for the message
 * @returns the file's contents
 */
export function readCredsOrExit(path: string, program: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    console.error(
      `${program}: cannot read its credentials "${path}": ${(e as Error).message}. ` +
        "Run `deno task identity init` (deno task start does it), which issues them",
    );
    Deno.exit(2);
  }
}
