/**
 * `deno task identity <command>`: the controller's command line, under the `controller`
 * permission set (the only one that may read the signing keys). With nats-server running,
 * changes go live (claims over `$SYS`, records in the audit stream); with it stopped, they are
 * written for its next start (resolver directory, audit journal). `serve` is the supervisor's
 * `controller` module: it keeps the resolver in step and forgets expired browser users.
 *
 * @module
 */
import {
  exitOnConfigError,
  loadConfig,
  natsTlsOptions,
  parseCommandLine,
  projectPath,
  serverEnv,
} from "../config/mod.ts";
import { NunectError } from "../protocol/mod.ts";
import {
  type AccountLimits,
  AuditJournal,
  Controller,
  identityPaths,
  IdentityStore,
  initIdentity,
  type LeafLinkTls,
  openController,
  provisionRouter,
  ResolverDir,
  UNIT_ROLES,
  type UnitRole,
} from "./mod.ts";
import { writeFileAtomic } from "./store.ts";
import { CONTROLLER_SECTIONS } from "./sections.ts";
import { serveController } from "./service.ts";

const HELP =
  `Usage: deno task identity <command> [options]   (deno run -P=controller --env-file=.env mods/controller/main.ts)

Identity in operator mode: the operator, accounts and users are JWTs; this controller holds the
signing keys (NATS_IDENTITY_DIR/controller, readable by this permission set only).

Commands:
  init                         create the operator and accounts (first start) and this host's
                               credentials; idempotent (deno task start runs it)
  serve                        run as the supervisor's controller module
  accounts                     list accounts with their limits
  account <NAME>               one account: its record and the claims nats-server's resolver holds
  account-create <NAME>        a tenant account [--conn N --leaf N --payload BYTES --subs N
                               --js-memory BYTES --js-disk BYTES --no-telemetry]
  account-limits <NAME>        change limits live (same options)
  users [--account A] [--all]  users with role, permissions and expiry (--all: revoked, expired)
  issue <UNIT>                 a unit's credentials, printed (redirect them: > unit.creds)
                               [--account OPS] [--role app|guardian] [--time-master]
                               [--pub SUBJ]... [--sub SUBJ]... [--replace]
  creds <UNIT>                 a unit's current credentials again, printed [--account OPS]
  revoke <UNIT>                revoke a unit's credentials (disconnects it) [--account OPS]
                               [--key U...]... (specific users instead)
  provision <ROUTER>           a router's bundle: .creds, .link.creds, guardian.env, leaf.conf, to
                               NATS_IDENTITY_DIR/bundles/<ROUTER>/, or with --tar printed as one
                               tar archive (> router.tar) [--hub nats-leaf://host:port]
                               [--time-master] [--replace]
Options: --actor NAME (who, for the audit trail; default cli:$USER), --version, -h, --help`;

const projectDir = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

function fail(message: string, code = 1): never {
  console.error(message);
  Deno.exit(code);
}

const { values: o, positionals } = parseCommandLine("controller", HELP, {
  allowPositionals: true,
  options: {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
    account: { type: "string" },
    role: { type: "string" },
    "time-master": { type: "boolean" },
    replace: { type: "boolean" },
    tar: { type: "boolean" },
    hub: { type: "string" },
    pub: { type: "string", multiple: true },
    sub: { type: "string", multiple: true },
    key: { type: "string", multiple: true },
    all: { type: "boolean" },
    actor: { type: "string" },
    conn: { type: "string" },
    leaf: { type: "string" },
    payload: { type: "string" },
    subs: { type: "string" },
    "js-memory": { type: "string" },
    "js-disk": { type: "string" },
    "no-telemetry": { type: "boolean" },
  },
}, true);
const [command, name] = positionals as [string, ...string[]]; // parseCommandLine saw one

const config = exitOnConfigError(() => loadConfig(CONTROLLER_SECTIONS));
const identityDir = projectPath(config.identity.dir, projectDir);
const dataDir = serverEnv(config, projectDir).NATS_DATA_DIR!;
const hubUnitId = config.unit.unitId;
const actor = o.actor ?? `cli:${Deno.env.get("USER") ?? "unknown"}`;

function need(what: string): string {
  if (name === undefined) fail(`"${command}" needs ${what} (see --help)`);
  return name;
}

function limitsFromFlags(): Partial<AccountLimits> {
  const flags = {
    connections: o.conn,
    leafNodes: o.leaf,
    payload: o.payload,
    subscriptions: o.subs,
    jsMemory: o["js-memory"],
    jsDisk: o["js-disk"],
  };
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v)) {
      fail(`Invalid limit ${k} "${v}": expected a whole number (-1: unlimited)`);
    }
    out[k] = Number(v);
  }
  return out;
}

/**
 * The controller: connected live when nats-server answers, else offline (resolver directory and
 * audit journal, applied at the server's next start).
 */
async function withController<T>(fn: (c: Controller) => Promise<T>): Promise<T> {
  const store = new IdentityStore(identityDir);
  if (!(await store.exists())) {
    fail(
      `No identity in ${identityDir}: run \`deno task identity init\` (deno task start does it)`,
    );
  }
  const natsUrl = config.unit.natsUrl;
  let session;
  try {
    session = await openController({
      identityDir,
      hubUnitId,
      natsUrl,
      tls: natsTlsOptions(config.natsTls),
    });
  } catch (e) {
    const port = new URL(natsUrl.replace(/^[a-z]+:/, "http:"));
    const up = await Deno.connect({ hostname: port.hostname, port: Number(port.port || 4222) })
      .then((c) => (c.close(), true), () => false);
    if (up) {
      fail(
        `nats-server at ${natsUrl} is running but refused the controller: ${(e as Error).message}`,
      );
    }
    console.error(
      `nats-server at ${natsUrl} is not running: changes are written for its next start ` +
        `(resolver directory, audit journal)`,
    );
    const controller = new Controller({
      store,
      claims: new ResolverDir(`${dataDir}/jwt`),
      audit: new AuditJournal(`${identityPaths(identityDir).private}/audit-journal.jsonl`),
    });
    return await fn(controller);
  }
  try {
    return await fn(session.controller);
  } finally {
    await session.close();
  }
}

/** Where routers reach this hub's leaf port: NATS_LEAF_PUBLIC_URL, else this host's name. */
function hubLeafUrl(): string {
  return config.provisioning.leafPublicUrl ||
    `${config.server.tlsCert ? "tls" : "nats-leaf"}://${Deno.hostname()}:${config.server.leafPort}`;
}

/** TLS on routers' links: set when the hub's listeners speak TLS (NATS_TLS_CERT). */
async function leafLinkTls(): Promise<LeafLinkTls | undefined> {
  if (!config.server.tlsCert) return undefined;
  const caPath = config.natsTls.ca ? projectPath(config.natsTls.ca, projectDir) : "";
  let hubCa: string | undefined;
  try {
    hubCa = caPath ? await Deno.readTextFile(caPath) : undefined;
  } catch (e) {
    fail(`Cannot read NATS_TLS_CA=${caPath} for router bundles: ${(e as Error).message}`);
  }
  return {
    ...(hubCa ? { hubCa } : {}),
    clientCertificate: config.server.leafTlsVerify === "verify",
  };
}

function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return void console.log("(none)");
  const keys = Object.keys(rows[0]!);
  const cell = (v: unknown) => v === null || v === undefined ? "-" : String(v);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  console.log(line(keys));
  for (const r of rows) console.log(line(keys.map((k) => cell(r[k]))));
}

const iso = (s: number | null) =>
  s === null ? null : new Date(s * 1000).toISOString().slice(0, 19) + "Z";

try {
  switch (command) {
    case "init": {
      const r = await initIdentity({
        identityDir,
        dataDir,
        hubUnitId,
        timeMaster: config.guardian.timeMaster,
        actor,
      });
      if (r.created) console.error(`Created the operator and accounts in ${identityDir}`);
      for (const f of r.issued) console.error(`Issued ${f}`);
      if (r.migrated.length > 0) {
        console.error(`Moved JetStream data of ${r.migrated.join(", ")} to operator-mode accounts`);
      }
      break;
    }
    case "serve":
      await serveController({
        identityDir,
        hubUnitId,
        natsUrl: config.unit.natsUrl,
        tls: natsTlsOptions(config.natsTls),
        hubLeafUrl: hubLeafUrl(),
        leafTls: await leafLinkTls(),
        claimsResendMs: config.provisioning.claimsResendS * 1000,
      });
      break;
    case "accounts":
      await withController(async (c) =>
        table((await c.accounts()).map((a) => ({
          name: a.name,
          kind: a.kind,
          publicKey: a.publicKey,
          conn: a.limits.connections,
          payload: a.limits.payload,
          jsMemory: a.limits.jsMemory,
          jsDisk: a.limits.jsDisk,
          telemetry: a.kind === "tenant" ? a.telemetry : "",
          revoked: Object.keys(a.revocations).length,
        })))
      );
      break;
    case "account":
      await withController(async (c) => {
        const l = await c.lookupAccount(need("an account name"));
        console.log(
          JSON.stringify({ record: l.record, inSync: l.inSync, resolver: l.claims }, null, 2),
        );
      });
      break;
    case "account-create":
      await withController(async (c) => {
        const a = await c.createAccount({
          name: need("an account name"),
          limits: limitsFromFlags(),
          telemetry: !o["no-telemetry"],
        }, actor);
        console.error(`Created account ${a.name} (${a.publicKey})`);
      });
      break;
    case "account-limits":
      await withController(async (c) => {
        const a = await c.updateAccount(
          need("an account name"),
          { limits: limitsFromFlags() },
          actor,
        );
        console.error(`Account ${a.name}: ${JSON.stringify(a.limits)}`);
      });
      break;
    case "users":
      await withController(async (c) =>
        table((await c.users({ account: o.account, all: o.all })).map((u) => ({
          account: u.account,
          name: u.name,
          role: u.role ?? u.kind,
          publicKey: u.publicKey,
          issued: iso(u.issuedAt),
          expires: iso(u.expiresAt),
          revoked: iso(u.revokedAt),
          pub: u.permissions?.pub.allow?.join(",") ?? "(all)",
        })))
      );
      break;
    case "issue":
      await withController(async (c) => {
        const role = (o.role ?? "app") as UnitRole;
        if (!(UNIT_ROLES as readonly string[]).includes(role) || role === "browser") {
          fail(
            `Invalid --role "${role}": expected app or guardian (browser users come from dashboard sessions)`,
          );
        }
        const unitId = need("a unit ID");
        const { creds, user } = await c.issueUnit({
          account: o.account,
          unitId,
          role,
          timeMaster: o["time-master"],
          extraPub: o.pub,
          extraSub: o.sub,
          replace: o.replace,
        }, actor);
        console.error(`Issued ${user.account}/${unitId} (${role}, ${user.publicKey})`);
        console.log(creds.trimEnd());
      });
      break;
    case "creds":
      await withController(async (c) => {
        const account = o.account ?? "OPS";
        const [user] = await c.users({ account, unitId: need("a unit ID") });
        if (!user) {
          fail(
            `Unit "${name}" has no active credentials in ${account}: \`deno task identity issue ${name}\``,
          );
        }
        console.log((await c.creds(account, user.publicKey, actor)).trimEnd());
      });
      break;
    case "revoke":
      await withController(async (c) => {
        const account = o.account ?? "OPS";
        const revoked = o.key?.length
          ? await c.revoke(account, { publicKeys: o.key }, actor)
          : await c.revoke(account, { unitId: need("a unit ID (or --key)") }, actor);
        for (const u of revoked) console.error(`Revoked ${u.account}/${u.name} (${u.publicKey})`);
      });
      break;
    case "provision":
      await withController(async (c) => {
        const unitId = need("a router's unit ID");
        const hub = o.hub ?? hubLeafUrl();
        const bundle = await provisionRouter(c, {
          unitId,
          hubLeafUrl: hub,
          timeMaster: o["time-master"],
          replace: o.replace,
          tls: await leafLinkTls(),
        }, actor);
        if (o.tar) {
          await Deno.stdout.write(bundle.tar());
          console.error(
            `Router ${unitId} (${bundle.user.publicKey}): ${Object.keys(bundle.files).join(", ")}`,
          );
          return;
        }
        const dir = `${identityPaths(identityDir).bundles}/${unitId}`;
        for (const [file, text] of Object.entries(bundle.files)) {
          await writeFileAtomic(`${dir}/${file}`, text, file.endsWith(".creds") ? 0o600 : 0o644);
        }
        console.error(`Router ${unitId} (${bundle.user.publicKey}), linking to ${hub}: ${dir}/`);
        console.error(`  ${Object.keys(bundle.files).join(", ")}; see README.txt there`);
      });
      break;
    default:
      fail(`Unknown command "${command}" (see --help)`);
  }
} catch (e) {
  if (e instanceof NunectError) fail(e.message, 1);
  throw e;
}
