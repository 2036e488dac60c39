/** A server feature nunect knows about, and the nats-server version that introduced it. */
export interface FeatureInfo {
  /** Stable key, e.g. `"kick"`. */
  readonly feature: string;
  /** What it is, for the UI. */
  readonly title: string;
  /** The first nats-server release that has it. */
  readonly requires: string;
  /** Where the version was looked up (a nats-server pull request or release). */
  readonly source: string;
}

/** A feature and whether the running server has it. */
export interface FeatureStatus extends FeatureInfo {
  /** Whether the running server has it. */
  readonly available: boolean;
}

// Versions from the nats-server pull requests and release notes named in `source`. Where a PR's
// merge date left the release in doubt, the later release is listed: showing "requires ≥ X" for
// a server that already has the feature is harmless, calling a missing one fails.
/** Every feature the dashboard shows or uses that needs a server newer than 2.9.10. */
export const FEATURES: readonly FeatureInfo[] = [
  {
    feature: "kick",
    title: "Disconnecting a client ($SYS.REQ.SERVER.<id>.KICK)",
    requires: "2.10.0",
    source: "nats-io/nats-server#4298",
  },
  {
    feature: "ldm_client",
    title: "Moving a client to another server (lame-duck notice, $SYS.REQ.SERVER.<id>.LDM)",
    requires: "2.10.0",
    source: "nats-io/nats-server#4298 (server.go LDMClientByID)",
  },
  {
    feature: "reload",
    title: "Reloading a server's configuration over NATS ($SYS.REQ.SERVER.<id>.RELOAD)",
    requires: "2.10.0",
    source: "NATS 2.10 release notes (system account RELOAD request); absent from 2.9.10",
  },
  {
    feature: "idz",
    title: "Server identity request ($SYS.REQ.SERVER.PING.IDZ)",
    requires: "2.10.0",
    source: "NATS 2.10 release notes; 2.9.10 has no responder",
  },
  {
    feature: "leafz_names",
    title: "Leaf node server names in /leafz (the topology and subject registry name leaf nodes)",
    requires: "2.10.0",
    source: "nats-io/nats-server#3923, #3925 (merged after 2.9.14)",
  },
  {
    feature: "healthz_details",
    title: "/healthz details and per account, stream and consumer checks",
    requires: "2.10.0",
    source: "nats-io/nats-server#4097",
  },
  {
    feature: "expvarz",
    title: "Go runtime variables ($SYS.REQ.SERVER.PING.EXPVARZ)",
    requires: "2.10.0",
    source: "nats-io/nats-server#7469 (PING.EXPVARZ predates it; 2.9.10 has no responder)",
  },
  {
    feature: "profilez",
    title: "Profiles over the system account ($SYS.REQ.SERVER.<id>.PROFILEZ)",
    requires: "2.10.0",
    source: "NATS 2.10 release notes",
  },
  {
    feature: "subject_transforms",
    title: "Stream subject transforms and multi-filter consumers",
    requires: "2.10.0",
    source: "NATS 2.10 release notes (docs.nats.io whats_new_210)",
  },
  {
    feature: "tls_handshake_first",
    title:
      "TLS before the server's INFO on the client port (handshake_first: Deno's mTLS over tls://)",
    requires: "2.10.4",
    source: "nats-io/nats-server#4642, nats-architecture-and-design#296",
  },
  {
    feature: "tls_cert_not_after",
    title: "Certificate expiry of each listener in /varz (tls_cert_not_after)",
    requires: "2.12.4",
    source: "nats-server module sources: server/monitor.go of v2.12.4 has it, v2.12.3 does not",
  },
  {
    feature: "raftz",
    title: "/raftz Raft group state",
    requires: "2.11.0",
    source: "nats-io/nats-server#5530",
  },
  {
    feature: "raftz_sys",
    title: "Raft and internal queues over the system account (PING.RAFTZ, PING.IPQUEUESZ)",
    requires: "2.11.0",
    source: "nats-io/nats-server#6439",
  },
  {
    feature: "consumer_pause",
    title: "Pause and resume JetStream consumers",
    requires: "2.11.0",
    source: "nats-io/nats-server#5066, ADR issue nats-architecture-and-design#266",
  },
  {
    feature: "message_ttl",
    title: "Per-message TTL in streams",
    requires: "2.11.0",
    source: "NATS 2.11 release notes",
  },
  {
    feature: "stream_config_2_10",
    title: "Stream compression, first sequence, metadata and consumer defaults",
    requires: "2.10.0",
    source: "NATS 2.10 release notes (docs.nats.io whats_new_210)",
  },
  {
    feature: "batch_direct_get",
    title: "Batched direct get: message pages by sequence or time without a consumer",
    requires: "2.11.0",
    source: "ADR-31 (nats-architecture-and-design), nats.js Feature.JS_BATCH_DIRECT_GET",
  },
  {
    feature: "consumer_priority_groups",
    title: "Consumer priority groups: overflow, pinned client and unpin",
    requires: "2.11.0",
    source: "ADR-42, nats-server jetstream_versioning.go (API level 1)",
  },
  {
    feature: "message_counters",
    title: "Counter streams (allow_msg_counter)",
    requires: "2.12.0",
    source: "nats-server jetstream_versioning.go: counter CRDTs added in v2.12 (API level 2)",
  },
  {
    feature: "atomic_publish",
    title: "Atomic batch publish, message schedules and async persistence",
    requires: "2.12.0",
    source: "nats-server jetstream_versioning.go: added in v2.12 (API level 2)",
  },
  {
    feature: "fast_batch_publish",
    title: "Fast batch publish (allow_batched)",
    requires: "2.14.0",
    source:
      "nats-server jetstream_versioning.go: fast batch publishing added in v2.14 (API level 4)",
  },
  {
    feature: "ack_flow_control",
    title: "Consumers acknowledged by flow control (ack_policy flow_control)",
    requires: "2.14.0",
    source: "nats-server jetstream_versioning.go: AckFlowControl added in 2.14 (API level 4)",
  },
  {
    feature: "consumer_reset",
    title: "Reset a consumer to a stream sequence",
    requires: "2.14.0",
    source: "nats-server JSApiConsumerResetT, nats.js Feature.JS_CONSUMER_RESET",
  },
  {
    feature: "term_reason",
    title: "A reason with a terminated message (+TERM <reason>, in the MSG_TERMINATED advisory)",
    requires: "2.10.4",
    source: 'nats.go jetstream TermWithReason ("only work with JetStream servers >= 2.10.4; for ' +
      'older servers … the message will not be terminated"), nats-io/nats.net#1048',
  },
  {
    feature: "message_tracing",
    title: "Message tracing (Nats-Trace-Dest)",
    requires: "2.11.0",
    source: "NATS 2.11 release notes",
  },
];

/** A parsed `major.minor.patch[-pre]` version. */
interface Version {
  readonly parts: readonly [number, number, number];
  readonly pre: boolean;
}

function parseVersion(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?/.exec(v.trim());
  if (m === null) return undefined;
  return { parts: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] !== undefined };
}

/**
 * Compares two nats-server versions (`2.9.10`, `v2.10.0-beta.3`); a pre-release sorts before
 * its release.
 *
 * @param a a version
 * @param b another version
 * @returns negative when `a` is older, 0 when equal, positive when newer
 * @throws {TypeError} when either is not a `major.minor.patch` version
 */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va === undefined || vb === undefined) {
    throw new TypeError(
      `Invalid version "${va === undefined ? a : b}": expected major.minor.patch`,
    );
  }
  for (let i = 0; i < 3; i++) {
    const d = va.parts[i]! - vb.parts[i]!;
    if (d !== 0) return d;
  }
  return Number(vb.pre) - Number(va.pre);
}

/**
 * Which newer-server features the running server has. The UI shows
 * "requires nats-server ≥ {requires}" for each one that is not `available`.
 *
 * @param version the running server's version (`/varz` version, or `server.ver` of a ping)
 * @returns every known feature with `available`; all unavailable when the version is unreadable
 * @example
 * ```ts
 * serverFeatures("2.9.10").filter((f) => !f.available).map((f) => `${f.title}: requires ≥ ${f.requires}`);
 * ```
 */
export function serverFeatures(version: string): FeatureStatus[] {
  const known = parseVersion(version) !== undefined;
  return FEATURES.map((f) => ({
    ...f,
    available: known && compareVersions(version, f.requires) >= 0,
  }));
}

/**
 * One feature of {@linkcode FEATURES} by its key.
 *
 * @param feature the key, e.g. `"consumer_pause"`
 * @returns the feature
 * @throws {TypeError} for a key FEATURES does not list (a bug, not a server's age)
 */
export function featureInfo(feature: string): FeatureInfo {
  const f = FEATURES.find((x) => x.feature === feature);
  if (f === undefined) throw new TypeError(`Unknown nats-server feature "${feature}"`);
  return f;
}

/**
 * Whether a server version has a feature of {@linkcode FEATURES}.
 *
 * @param version the server's version (`/varz` version, a ping's `server.ver`, INFO's version)
 * @param feature the feature's key
 * @returns true when the version is at least the feature's; false when it is unreadable
 * @throws {TypeError} for an unknown feature
 */
export function hasFeature(version: string, feature: string): boolean {
  const f = featureInfo(feature);
  return parseVersion(version) !== undefined && compareVersions(version, f.requires) >= 0;
}
