import {
  INBOX_STREAM,
  inboxConsumer,
  inboxSubject,
  subjects,
  UNIT_KEYS_BUCKET,
  validateUnitId,
} from "../protocol/mod.ts";

/** What a unit is: each role has its own fixed permissions, all naming the unit's own ID. */
export const UNIT_ROLES = ["guardian", "app", "browser"] as const;

/** A unit's role: `guardian` (host and router agent), `app` (@nunect/client app), `browser`. */
export type UnitRole = (typeof UNIT_ROLES)[number];

/** Publish and subscribe allow/deny lists, as a user JWT carries them. */
export interface SubjectPermissions {
  /** What it may publish to. */
  readonly pub: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  /** What it may subscribe to. */
  readonly sub: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
}

/** Options of {@linkcode unitPermissions}. */
export interface UnitPermissionOptions {
  /** The unit's role. */
  readonly role: UnitRole;
  /** The unit's ID (one subject token). */
  readonly unitId: string;
  /** May publish `ops.time.config` (guardians only). */
  readonly timeMaster?: boolean;
  /** Extra subjects the unit may publish to (tenant apps' own application subjects). */
  readonly extraPub?: readonly string[];
  /** Extra subjects the unit may subscribe to. */
  readonly extraSub?: readonly string[];
}

/**
 * The inbox prefix of a unit: its requests' reply subjects are `_INBOX.<unit>.<random>`, and it
 * may subscribe only below it. @nunect/client sets it from the unit ID.
 *
 * @param unitId the unit
 * @returns `_INBOX.<unit>`
 */
export function unitInboxPrefix(unitId: string): string {
  return subjects.inbox(unitId);
}

/**
 * The permissions of a unit's user. Every role publishes telemetry only as itself, receives only
 * its own echo requests and its own inbox, and has no JetStream, KV, `$SYS` or `$SRV` publish
 * rights. Replies go to `_INBOX.>` by an explicit allow, never by `allow_responses`: nats-server
 * lets a response through even where a deny entry matches, so a responder with
 * `allow_responses` becomes a deputy for any reply subject a caller chooses (`$JS.API…`,
 * `$KV…`). Without it, every publish is checked against these lists and nothing else.
 *
 * - guardian, app: its own inbox consumer ({@linkcode unitInboxStreamSubjects}).
 * - guardian: heartbeat, RTT, time metric and logs of its unit; echo requests (RTT probes);
 *   `ops.time.config` only as the time master; subscribes its echo subject, the time config,
 *   its inbox and the `guardian` micro service's `$SRV` subjects.
 * - app, browser: heartbeat, RTT and logs of its unit; echo requests; subscribes its echo
 *   subject and its inbox.
 *
 * @param o role, unit ID, time master flag, extra subjects
 * @returns allow lists for publish and subscribe
 * @throws {InvalidUnitIdError} for a bad unit ID
 * @example
 * ```ts
 * unitPermissions({ role: "guardian", unitId: "router-7" }).pub.allow;
 * // ["ops.heartbeat.router-7", "ops.metric.rtt.router-7", ...]
 * ```
 */
export function unitPermissions(o: UnitPermissionOptions): SubjectPermissions {
  const u = validateUnitId(o.unitId);
  const pub = [
    subjects.heartbeat(u),
    subjects.rtt(u),
    `ops.log.*.${u}`,
    subjects.all.echo,
    "_INBOX.>",
  ];
  const sub = [subjects.echo(u), `${unitInboxPrefix(u)}.>`];
  if (o.role !== "browser") pub.push(...unitInboxStreamSubjects(u));
  if (o.role === "guardian") {
    pub.splice(2, 0, subjects.time(u));
    if (o.timeMaster) pub.push(subjects.timeConfig());
    sub.push(
      subjects.timeConfig(),
      // The micro service `guardian`: discovery (PING, INFO, STATS, all and by name) and its own
      // instance's subjects. $SRV answers are claims, not proof: units are identified by their
      // telemetry subjects, which only they may publish.
      "$SRV.PING",
      "$SRV.INFO",
      "$SRV.STATS",
      "$SRV.*.guardian",
      "$SRV.*.guardian.*",
    );
  }
  return {
    pub: { allow: [...pub, ...(o.extraPub ?? [])] },
    sub: { allow: [...sub, ...(o.extraSub ?? [])] },
  };
}

/**
 * What a unit needs for its inbox (mods/registry's stream `nunect_inbox`): create its own durable
 * consumer through the create subject that names the filter (its own `ops.inbox.<unit>`), read
 * that consumer's info and messages, and acknowledge them; directly (`$JS.API`) and through the
 * hub's JetStream domain (`$JS.<domain>.API`, as from behind a leaf node). Nothing else of
 * JetStream: no unit reads another unit's inbox.
 *
 * @param unitId the unit
 * @returns the publish subjects
 */
export function unitInboxStreamSubjects(unitId: string): string[] {
  const c = inboxConsumer(unitId);
  const api = [
    `CONSUMER.CREATE.${INBOX_STREAM}.${c}.${inboxSubject(unitId)}`,
    `CONSUMER.INFO.${INBOX_STREAM}.${c}`,
    `CONSUMER.MSG.NEXT.${INBOX_STREAM}.${c}`,
  ];
  return [
    ...api.map((a) => `$JS.API.${a}`),
    ...api.map((a) => `$JS.*.API.${a}`),
    `$JS.ACK.${INBOX_STREAM}.${c}.>`,
    `$JS.ACK.*.*.${INBOX_STREAM}.${c}.>`,
  ];
}

/**
 * What a router's leaf node link carries for the units behind it, on top of the router's own
 * guardian permissions: each local unit authenticates at the router's leaf node with its own
 * credentials (the leaf node holds the accounts' JWTs and checks them), and the link forwards
 * their telemetry, echo requests and replies, `$SRV` answers and inbox consumers to the hub as
 * the router. So a stolen router may speak for the units behind any router until it is revoked
 * (which closes its link); it never reaches JetStream beyond unit inboxes, KV, `$SYS`, or the
 * time config unless it is the time master.
 *
 * @returns extra publish and subscribe subjects for the router's user
 */
export function routerRelayPermissions(): { pub: string[]; sub: string[] } {
  const api = [
    `CONSUMER.CREATE.${INBOX_STREAM}.*.ops.inbox.*`,
    `CONSUMER.INFO.${INBOX_STREAM}.*`,
    `CONSUMER.MSG.NEXT.${INBOX_STREAM}.*`,
  ];
  return {
    pub: [
      subjects.all.heartbeat,
      "ops.metric.rtt.*",
      "ops.metric.time.*",
      "ops.log.*.*",
      ...api.map((a) => `$JS.API.${a}`),
      ...api.map((a) => `$JS.*.API.${a}`),
      `$JS.ACK.${INBOX_STREAM}.>`,
      `$JS.ACK.*.*.${INBOX_STREAM}.>`,
    ],
    sub: [subjects.all.echo, "_INBOX.>"],
  };
}

/**
 * The claims link of a router: the system-account user its leaf server links its system account
 * to the hub with, so that account JWTs the controller pushes on the hub
 * (`$SYS.REQ.CLAIMS.UPDATE`) reach the leaf server's resolver too, and a unit revoked on the hub
 * is disconnected from the router's server. Over the link the hub sends those updates and
 * nothing else of the system account (no server events, no other accounts' connections), and it
 * takes nothing: the router cannot push claims, ask the hub's servers anything or answer for
 * them. The user may connect only as a leaf node (its JWT says so). Account JWTs are public and
 * signed by the operator; a router learns no more than its bundle already holds.
 *
 * @returns the link user's permissions
 */
export function routerClaimsLinkPermissions(): SubjectPermissions {
  return { pub: { deny: [">"] }, sub: { allow: [CLAIMS_UPDATE_SUBJECT] } };
}

/** Where the controller pushes account JWTs (every full or cache resolver listens on it). */
export const CLAIMS_UPDATE_SUBJECT = "$SYS.REQ.CLAIMS.UPDATE";

/**
 * Stands for the system account's public key in {@linkcode SERVICE_USERS}' subjects: it exists
 * only once the identity does, and {@linkcode servicePermissions} puts it in.
 */
export const SYSTEM_ACCOUNT_KEY = "{system-account}";

/**
 * A client or leaf node connecting in the system account (`$SYS.ACCOUNT.<key>.CONNECT`, raised by
 * the server that accepted it, on nats-server 2.9 as well): for the controller, a router's claims
 * link coming up.
 *
 * @param systemAccountKey the system account's public key
 * @returns the event subject
 */
export function systemConnectSubject(systemAccountKey: string): string {
  return `$SYS.ACCOUNT.${systemAccountKey}.CONNECT`;
}

/** The users nunect's own programs run as; each gets exactly what its program needs. */
export const SERVICE_USERS = {
  /** The dashboard's system-account user: monitoring requests, server events, the controller API. */
  "dashboard-sys": {
    account: "SYS",
    permissions: {
      pub: {
        allow: ["$SYS.REQ.>", "nunect.controller.>"],
        // Only the controller, which holds the keys, changes account claims.
        deny: [
          "$SYS.REQ.CLAIMS.UPDATE",
          "$SYS.REQ.CLAIMS.DELETE",
          "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE",
        ],
      },
      sub: { allow: ["$SYS.>", "_INBOX.>"] },
    },
  },
  /** The dashboard's OPS user: telemetry, the units KV bucket, history and audit streams. */
  "dashboard-ops": { account: "OPS", permissions: undefined },
  /**
   * The controller's system-account user: claims updates and lookups, LEAFZ (are routers' claims
   * links connected, has a new one its interest yet), its request API, and connections in the
   * system account only (a router's claims link coming up: no other account's events).
   */
  "controller-sys": {
    account: "SYS",
    permissions: {
      pub: { allow: ["$SYS.REQ.>", "_INBOX.>"] },
      sub: {
        allow: ["nunect.controller.>", "_INBOX.>", systemConnectSubject(SYSTEM_ACCOUNT_KEY)],
      },
    },
  },
  /** The history collector's system-account user: cluster-wide `$SYS` requests and events. */
  "history-sys": {
    account: "SYS",
    permissions: {
      // CLAIMS.LIST: the accounts' keys, to name them (each name from its CLAIMS.LOOKUP).
      pub: { allow: ["$SYS.REQ.SERVER.>", "$SYS.REQ.ACCOUNT.>", "$SYS.REQ.CLAIMS.LIST"] },
      sub: { allow: ["$SYS.>", "_INBOX.>"] },
    },
  },
  /** The history collector's OPS user: telemetry, its history streams and lease (JetStream). */
  "history-ops": { account: "OPS", permissions: undefined },
  /** The alerts program's OPS user: rules, state and alert history (JetStream), telemetry. */
  "alerts-ops": { account: "OPS", permissions: undefined },
  /** The subject registry's system-account user: the leaf node connections of every server. */
  "registry-sys": {
    account: "SYS",
    permissions: {
      pub: { allow: ["$SYS.REQ.SERVER.>"] },
      sub: { allow: ["$SYS.>", "_INBOX.>"] },
    },
  },
  /** The subject registry's OPS user: its bucket, the inbox stream, events and outage logs. */
  "registry-ops": { account: "OPS", permissions: undefined },
  /**
   * The controller's OPS user: appends to the audit stream and writes the unit key directory
   * (`nunect_unit_keys`: which user keys sign each unit's telemetry), nothing else.
   */
  "controller-audit": {
    account: "OPS",
    permissions: {
      pub: {
        allow: [
          "nunect.audit.>",
          "$JS.API.INFO",
          "$JS.API.STREAM.INFO.nunect_audit",
          "$JS.API.STREAM.CREATE.nunect_audit",
          "$JS.API.STREAM.UPDATE.nunect_audit",
          `$KV.${UNIT_KEYS_BUCKET}.>`,
          `$JS.API.STREAM.INFO.KV_${UNIT_KEYS_BUCKET}`,
          `$JS.API.STREAM.CREATE.KV_${UNIT_KEYS_BUCKET}`,
          `$JS.API.STREAM.UPDATE.KV_${UNIT_KEYS_BUCKET}`,
        ],
      },
      sub: { allow: ["_INBOX.>"] },
    },
  },
} as const satisfies Record<
  string,
  { account: string; permissions: SubjectPermissions | undefined }
>;

/** The name of one of nunect's own users. */
export type ServiceUserName = keyof typeof SERVICE_USERS;

/**
 * The permissions one of nunect's own users is issued with: {@linkcode SERVICE_USERS}' lists with
 * the system account's key in place of {@linkcode SYSTEM_ACCOUNT_KEY}.
 *
 * @param name which program's user
 * @param systemAccountKey the system account's public key
 * @returns its lists, or undefined for everything in its account
 * @example
 * ```ts
 * servicePermissions("controller-sys", "ABC…").sub.allow; // [..., "$SYS.ACCOUNT.ABC….CONNECT"]
 * ```
 */
export function servicePermissions(
  name: ServiceUserName,
  systemAccountKey: string,
): SubjectPermissions | undefined {
  const p: SubjectPermissions | undefined = SERVICE_USERS[name].permissions;
  if (p === undefined) return undefined;
  const put = (l: readonly string[]) =>
    l.map((s) => s.replaceAll(SYSTEM_ACCOUNT_KEY, systemAccountKey));
  const list = (x: SubjectPermissions["pub"]) => ({
    ...(x.allow ? { allow: put(x.allow) } : {}),
    ...(x.deny ? { deny: put(x.deny) } : {}),
  });
  return { pub: list(p.pub), sub: list(p.sub) };
}

/**
 * The dashboard roles a console user acts for, least first (the same names as mods/access's
 * roles: `viewer` reads, `operator` also writes data, `admin` also creates and deletes).
 */
export const CONSOLE_ROLES = ["viewer", "operator", "admin"] as const;

/** The role of the dashboard user a console user acts for. */
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * What a viewer's console user may ask JetStream: account info, stream and consumer info and
 * lists, direct get and message get (every read of the console is one of these: no consumer).
 * `STREAM.NAMES` also answers "which stream holds subject X".
 */
const CONSOLE_READ_API = [
  "INFO",
  "STREAM.NAMES",
  "STREAM.LIST",
  "STREAM.INFO.*",
  "STREAM.MSG.GET.*",
  "DIRECT.GET.>",
  "CONSUMER.NAMES.*",
  "CONSUMER.LIST.*",
  "CONSUMER.INFO.*.*",
];

/**
 * What only an admin's console user may ask JetStream: create, change, restore (which may
 * replace) and delete streams (KV buckets and object stores are streams too: creating, sealing
 * and deleting them is one of these), purge the account, move streams and step leaders down.
 */
const CONSOLE_ADMIN_API = [
  "STREAM.CREATE.>",
  "STREAM.UPDATE.>",
  "STREAM.DELETE.>",
  "STREAM.RESTORE.>",
  "STREAM.PEER.REMOVE.>",
  "STREAM.LEADER.STEPDOWN.>",
  "CONSUMER.LEADER.STEPDOWN.>",
  "ACCOUNT.PURGE.>",
  "ACCOUNT.STREAM.MOVE.>",
  "ACCOUNT.STREAM.CANCEL_MOVE.>",
  "META.>",
  "SERVER.>",
];

/**
 * The permissions of a JetStream console user, by the role of the dashboard user it acts for, so
 * that nats-server itself refuses what the role may not do (the route table refuses it first;
 * this holds where a route or a library goes further than its table entry says):
 *
 * - `viewer`: reads only. Publishes nothing but the read API (`CONSOLE_READ_API`), the
 *   `$SRV` discovery requests (PING, INFO, STATS) and flow-control answers (`$JS.FC.>`); creates
 *   consumers only filtered on an object store's chunks or metadata (`$O.<bucket>.C.<id>`,
 *   `$O.<bucket>.M.>`: @nats-io/obj reads objects through ordered push consumers); subscribes
 *   to its own inbox and to KV subjects (live watches of keys).
 * - `operator`: publishes anything in the account (messages, KV and object writes, acks, purges,
 *   consumer create, edit, pause, reset and delete, `$SRV` calls) except the admin API
 *   (`CONSOLE_ADMIN_API`), directly or through a JetStream domain prefix
 *   (`$JS.<domain>.API`); subscribes like a viewer.
 * - `admin`: everything in the account (undefined: no lists in the JWT).
 *
 * nats-server does not check a request's reply subject against publish permissions: a user
 * that may send a request may have the answer published to any subject. Only the dashboard
 * holds console users and it never lets a requester choose a reply subject for them.
 *
 * @param role the dashboard user's role
 * @param inboxPrefix the console connection's inbox prefix (its only inbox)
 * @returns the lists, or undefined for an admin (everything in the account)
 * @example
 * ```ts
 * consolePermissions("viewer", "_INBOX.console_x1").sub.allow;
 * // ["_INBOX.console_x1.>", "$KV.>"]
 * ```
 */
export function consolePermissions(
  role: ConsoleRole,
  inboxPrefix: string,
): SubjectPermissions | undefined {
  if (role === "admin") return undefined;
  const sub = { allow: [`${inboxPrefix}.>`, "$KV.>"] };
  if (role === "operator") {
    return {
      pub: {
        allow: [">"],
        deny: CONSOLE_ADMIN_API.flatMap((a) => [`$JS.API.${a}`, `$JS.*.API.${a}`]),
      },
      sub,
    };
  }
  return {
    pub: {
      allow: [
        ...CONSOLE_READ_API.map((a) => `$JS.API.${a}`),
        "$JS.API.CONSUMER.CREATE.*.*.$O.*.C.*",
        "$JS.API.CONSUMER.CREATE.*.*.$O.*.M.>",
        "$JS.FC.>",
        ...["PING", "INFO", "STATS"].flatMap((v) => [`$SRV.${v}`, `$SRV.${v}.>`]),
      ],
    },
    sub,
  };
}
