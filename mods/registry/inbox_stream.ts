import {
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { NatsConnection } from "../client/nats_types.ts";
import { INBOX_STREAM, INBOX_SUBJECTS } from "../protocol/mod.ts";

/** Limits of the inbox stream. */
export interface InboxStreamOptions {
  /** How long a message waits for its unit (ms). */
  readonly maxAgeMs: number;
  /** Messages kept per unit; beyond it the oldest go. */
  readonly maxPerUnit: number;
  /** Replicas (a clustered hub: 3). */
  readonly replicas: number;
}

/**
 * Creates the inbox stream (`nunect_inbox`, subjects `ops.inbox.*`), or updates its limits: a
 * work queue, so a message is gone once its unit acknowledged it; each unit takes its own
 * subject through its durable consumer (`inbox-<unit>`, created by the unit's client), and
 * what waits for a unit that does not come back goes after `maxAgeMs`.
 *
 * @param nc a connection of the OPS user
 * @param options age, per-unit and replica limits
 * @throws when JetStream is unavailable in the account
 */
export async function ensureInboxStream(
  nc: NatsConnection,
  options: InboxStreamOptions,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config: Partial<StreamConfig> & { name: string } = {
    name: INBOX_STREAM,
    subjects: [INBOX_SUBJECTS],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: options.maxAgeMs * 1_000_000,
    max_msgs_per_subject: options.maxPerUnit,
    num_replicas: options.replicas,
    description: "nunect: messages meant for units (ops.inbox.<unit>), kept until each takes them",
  };
  try {
    await jsm.streams.info(INBOX_STREAM);
    await jsm.streams.update(INBOX_STREAM, config);
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
    await jsm.streams.add(config);
  }
}
