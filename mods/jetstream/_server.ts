import type { NatsConnection } from "@nats-io/nats-core";
import { JetStreamApiError, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import {
  hasFeature as serverHasFeature,
  requireFeature as serverRequireFeature,
} from "../monitor/mod.ts";
import { NotFoundError, type ObjectKind, ServerRefusedError } from "./errors.ts";

/**
 * The version of the server the connection is attached to, from its INFO.
 *
 * @param nc a connection
 * @returns e.g. `2.15.2`, or `0.0.0` before the first INFO
 */
export function serverVersion(nc: NatsConnection): string {
  return nc.info?.version ?? "0.0.0";
}

/**
 * Whether the connection's server has a feature of mods/monitor's FEATURES.
 *
 * @param nc a connection
 * @param feature a FEATURES key
 * @returns true when the server is at least the feature's version
 */
export function hasFeature(nc: NatsConnection, feature: string): boolean {
  return serverHasFeature(serverVersion(nc), feature);
}

/**
 * Throws mods/monitor's `FeatureUnavailableError` unless the connection's server has
 * the feature.
 *
 * @param nc a connection
 * @param feature a FEATURES key
 * @throws {FeatureUnavailableError} naming the version needed
 */
export function requireFeature(nc: NatsConnection, feature: string): void {
  serverRequireFeature(serverVersion(nc), feature);
}

/** The connection's inbox prefix (users with narrow permissions may have their own). */
export function inboxPrefix(nc: NatsConnection): string | undefined {
  return (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
}

/** A JetStream manager without the extra account-info round trip on creation. */
export function manager(nc: NatsConnection): Promise<JetStreamManager> {
  return jetstreamManager(nc, { checkAPI: false });
}

/** Server error codes and the configuration field each concerns. */
const FIELD_OF_CODE: Readonly<Record<number, string>> = {
  10058: "name",
  10128: "name",
  10065: "subjects",
  10034: "subjects",
  10074: "num_replicas",
  10061: "num_replicas",
  10133: "num_replicas",
  10113: "max_bytes",
  10122: "max_bytes",
  10030: "max_msg_size",
  10046: "max_msg_size",
  10031: "sources",
  10140: "sources",
  10141: "sources",
  10144: "sources",
  10145: "sources",
  10146: "sources",
  10147: "sources",
  10142: "mirror",
  10143: "first_seq",
  10032: "mirror",
  10033: "mirror",
  10055: "mirror",
  10150: "mirror",
  10151: "mirror",
  10152: "mirror",
  10154: "mirror",
  10155: "subject_transform",
  10156: "subject_transform",
  10013: "name",
  10148: "name",
  10102: "name",
  10103: "durable_name",
  10127: "name",
  10107: "description",
  10098: "ack_policy",
  10084: "ack_policy",
  10082: "ack_policy",
  10099: "filter_subject",
  10100: "filter_subject",
  10093: "filter_subject",
  10136: "filter_subjects",
  10138: "filter_subjects",
  10139: "filter_subjects",
  10101: "deliver_policy",
  10116: "max_deliver",
  10083: "idle_heartbeat",
  10088: "idle_heartbeat",
  10089: "flow_control",
  10108: "flow_control",
  10080: "max_waiting",
  10087: "max_waiting",
  10086: "rate_limit_bps",
  10112: "deliver_subject",
  10079: "deliver_subject",
  10081: "deliver_subject",
  10114: "max_batch",
  10125: "max_batch",
  10115: "max_expires",
  10121: "max_ack_pending",
  10126: "num_replicas",
  10134: "num_replicas",
  10135: "metadata",
  10153: "inactive_threshold",
  10159: "priority_groups",
  10161: "priority_groups",
  10162: "priority_groups",
};

/** Words in a generic "invalid config" description and the field they concern. */
const FIELD_WORDS: readonly (readonly [RegExp, string])[] = [
  [/subject/i, "subjects"],
  [/replica/i, "num_replicas"],
  [/max.?age|duplicate/i, "max_age"],
  [/retention|workqueue|interest/i, "retention"],
  [/storage/i, "storage"],
  [/discard/i, "discard"],
  [/mirror/i, "mirror"],
  [/source/i, "sources"],
  [/compression/i, "compression"],
  [/republish/i, "republish"],
  [/ttl/i, "allow_msg_ttl"],
  [/counter/i, "allow_msg_counter"],
];

/**
 * The field a server error concerns: from its error code, else from words in a generic
 * invalid-configuration description.
 *
 * @param errCode the server's error code
 * @param description the server's description
 * @returns the field, or null
 */
export function fieldOfServerError(errCode: number, description: string): string | null {
  const known = FIELD_OF_CODE[errCode];
  if (known !== undefined) return known;
  if (errCode === 10052 || errCode === 10094 || errCode === 10012) {
    for (const [re, field] of FIELD_WORDS) if (re.test(description)) return field;
  }
  return null;
}

/**
 * Turns what nats.js threw for a JetStream API request into the console's errors: not found into
 * {@linkcode NotFoundError}, other API errors into {@linkcode ServerRefusedError} (with the field),
 * anything else unchanged.
 *
 * @param err what was thrown
 * @param action what was asked, e.g. `create stream "ORDERS"`
 * @param notFound the object a 404 means is missing, with where it was looked for
 * @returns the error to throw
 */
export function apiError(
  err: unknown,
  action: string,
  notFound?: { kind: ObjectKind; name: string; where: string },
): Error {
  if (err instanceof JetStreamApiError) {
    const { code, description, err_code } = err.apiError();
    if (notFound && (code === 404 || err_code === 10059 || err_code === 10014)) {
      return new NotFoundError(notFound.kind, notFound.name, notFound.where, { cause: err });
    }
    return new ServerRefusedError(
      action,
      code,
      err_code ?? 0,
      description,
      fieldOfServerError(err_code ?? 0, description),
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
