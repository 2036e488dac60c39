/**
 * The guardian's entry point: `deno task guardian`, scripts/guardian.sh, the compiled binary, the
 * systemd unit and the OpenWRT init script all run this file under the `guardian` permission set.
 * Loads its configuration (exit 2 on a bad one), connects (retrying until the server is there;
 * exit 1 when the permission set refuses the configured address), runs until SIGTERM or SIGINT.
 * A stop signal at any point ends it with exit 0: before the connection is up at once, while it
 * starts once it has started, then after stopping its loops and draining the connection.
 *
 * @module
 */
// first: listens for SIGTERM/SIGINT before any other module is evaluated (see there)
import { stopRequested } from "./stop_request.ts";
// The files it needs rather than config's, client's and protocol's mod.ts: those also export
// what the guardian never runs (zod's message schemas, node:util's argument parser, the
// dashboard's proxy site), and every module a router's guardian evaluates costs it resident
// memory (README, "Router artefact"); tests/guardian/imports_test.ts keeps it so.
import { exitOnConfigError, exitOnVersionFlag } from "../config/exit.ts";
import { loadConfig } from "../config/load.ts";
import { natsTlsOptions } from "../config/nats_tls.ts";
import { unitCredsPath } from "../config/server_env.ts";
import { connect } from "../client/connect.ts";
import type { NunectClient } from "../client/client.ts";
import { retry } from "../client/backoff.ts";
import { createClockReader } from "../timesync/reader.ts";
import { GUARDIAN_SECTIONS, startGuardian } from "./guardian.ts";
import { NUNECT_VERSION } from "../protocol/version.ts";
import { collectGarbageEvery } from "./collect_garbage.ts";

exitOnVersionFlag("guardian");

const config = exitOnConfigError(() => loadConfig(GUARDIAN_SECTIONS));
const unitId = config.unit.unitId;
const print = (line: string) => console.log(`guardian ${unitId}: ${line}`);
const credsFile = unitCredsPath(config.unitCreds.credsFile, unitId);

/** This unit's credentials, or exit 2 saying where they come from. */
function readCreds(): string {
  try {
    return Deno.readTextFileSync(credsFile);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : refusedByPermissions(e)
      ? "the permission set may not read it (scripts/guardian.sh and the supervisor allow " +
        "NATS_CREDS; or add --allow-read=<path>)"
      : (e as Error).message;
    console.error(
      `guardian ${unitId}: cannot read its credentials NATS_CREDS="${credsFile}": ${why}. ` +
        `Issue them with \`deno task identity issue ${unitId} --role guardian\` on the hub ` +
        "(a router: `deno task identity provision " + unitId + "` makes its whole bundle)",
    );
    Deno.exit(2);
  }
}
const creds = readCreds();

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

function refusedByPermissions(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c instanceof Deno.errors.NotCapable || c instanceof Deno.errors.PermissionDenied) {
      return true;
    }
  }
  return false;
}

/** Waits for the server: 0.5 s, 1 s, 2 s, … up to 10 s between attempts. */
const CONNECT_BACKOFF = { initialMs: 500, factor: 2, maxMs: 10_000, jitterMs: 250 } as const;

function connectUntilUp(): Promise<NunectClient> {
  return retry(() =>
    connect({
      servers: config.unit.natsUrl,
      tls: natsTlsOptions(config.natsTls),
      unitId,
      name: `guardian-${unitId}`,
      creds,
      pingIntervalMs: Math.min(30_000, Math.max(2_000, config.guardian.heartbeatIntervalMs)),
    }), {
    backoff: CONNECT_BACKOFF,
    onError: (e, _attempt, waitMs) => {
      if (refusedByPermissions(e)) {
        console.error(
          `guardian ${unitId}: the permission set refuses ${config.unit.natsUrl}: ` +
            `${
              (e as Error).message
            }. Run it through scripts/guardian.sh (which allows NATS_URL's ` +
            `host:port) or add --allow-net=<host:port>`,
        );
        Deno.exit(1);
      }
      print(`${(e as Error).message}; retrying in ${(waitMs / 1000).toFixed(1)} s`);
    },
  });
}

let stopping = false;
stopRequested.then((signal) => {
  stopping = true;
  print(`${signal}: stopping`);
});

print(`guardian ${NUNECT_VERSION} connecting to ${config.unit.natsUrl}`);
const client = await Promise.race([connectUntilUp(), stopRequested.then(() => undefined)]);
if (!client) Deno.exit(0); // asked to stop before the connection was up: nothing to undo
const guardian = await startGuardian({
  client,
  config,
  clock: createClockReader(config.timesync),
  host: hostname(),
  print,
});
// with --expose-gc (config/guardian_memory.env): a full collection once a minute (see there)
const stopCollecting = collectGarbageEvery();
// a stop asked for while it started is handled now that it has
stopRequested.then(async () => {
  stopCollecting?.();
  await guardian.stop();
  await client.drain().catch(() => client.close());
  Deno.exit(0);
});
await client.closed();
if (!stopping) {
  print("connection closed");
  Deno.exit(1);
}
