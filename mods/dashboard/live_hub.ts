import { RingBuffer } from "../monitor/mod.ts";

/** The named events of the live stream, one per resource a page shows live. */
export const LIVE_TOPICS = [
  "overview",
  "rates",
  "units",
  "activity",
  "cluster",
  "alerts",
  "history",
  "topology",
] as const;

/**
 * A live topic: `overview` figures, `rates` points, `units` deltas, `activity` events, `cluster`
 * servers, the `alerts` view (states, silences, rules), `history`: a new point
 * `{ tier, kind, t }` was written, `topology` views (hub, leaf nodes, units per leaf node, link
 * RTTs).
 */
export type LiveTopic = (typeof LIVE_TOPICS)[number];

/** One event as it goes to every subscriber: encoded once, as a Server-Sent Events frame. */
export interface LiveFrame {
  /** Position in this hub's sequence, from 1. */
  readonly seq: number;
  /** The event's name. */
  readonly topic: LiveTopic;
  /** `id: <epoch>-<seq>`, `event: <topic>`, `data: <JSON>`, a blank line. */
  readonly bytes: Uint8Array;
  /** The event's data, for subscribers that see only part of it (see {@linkcode LiveFilter}). */
  readonly data: unknown;
}

/**
 * What one subscriber may see of an event: the data as is, a part of it (a new object), or
 * undefined to skip the event. An account-scoped user's stream is filtered so.
 */
export type LiveFilter = (topic: LiveTopic, data: unknown) => unknown;

/** What a subscriber receives first: missed events, or a fresh snapshot of each topic. */
export interface LiveBacklog {
  /** `replay`: the events after the cursor; `snapshot`: each topic's current state. */
  readonly kind: "replay" | "snapshot";
  /** The frames to send before the live ones. */
  readonly frames: readonly LiveFrame[];
}

/** Options of {@linkcode LiveHub}. */
export interface LiveHubOptions {
  /** Events kept for resuming (default 5000). */
  readonly bufferSize?: number;
  /**
   * The current state of a topic, as the data of the events that make it (a subscriber that
   * cannot resume starts from these): e.g. the whole units table, the rate history, the recent
   * activity.
   */
  readonly snapshot: (topic: LiveTopic) => readonly unknown[];
  /** This boot's epoch (default: random); event IDs of another epoch never resume here. */
  readonly epoch?: string;
}

/** Counters of a {@linkcode LiveHub}. */
export interface LiveHubStats {
  /** This boot's epoch. */
  readonly epoch: string;
  /** Events published. */
  readonly published: number;
  /** Subscribers now. */
  readonly subscribers: number;
  /** Subscriptions that resumed from the buffer, and that started from a snapshot. */
  readonly resumed: number;
  /** Subscriptions that started from a snapshot. */
  readonly snapshots: number;
}

const encoder = new TextEncoder();

/**
 * The fan-out of live data to every open page: each event is published once, encoded once as an
 * SSE frame with the ID `<epoch>-<seq>` and kept in a ring buffer. A subscriber names its topics
 * and where it stands (its `Last-Event-ID`, or the cursor its page was rendered at): with an ID
 * of this epoch that the buffer still covers it gets exactly the events it missed; with any
 * other (a restarted or another dashboard instance, or too old) it gets a snapshot of each topic
 * and goes on from there. No subscriber goes silent after a restart.
 *
 * @example
 * ```ts
 * const hub = new LiveHub({ snapshot: (topic) => topic === "units" ? [everyUnit()] : [] });
 * const { backlog, close } = hub.subscribe(["units"], lastEventId, (f) => write(f.bytes));
 * hub.publish("units", { changed: [unit] });
 * ```
 */
export class LiveHub {
  /** This boot's epoch: the first part of every event ID. */
  readonly epoch: string;
  readonly #buffer: RingBuffer<LiveFrame>;
  readonly #snapshot: (topic: LiveTopic) => readonly unknown[];
  readonly #subscribers = new Set<{
    topics: ReadonlySet<LiveTopic>;
    fn: (f: LiveFrame) => void;
    filter?: LiveFilter;
  }>();
  #seq = 0;
  #resumed = 0;
  #snapshots = 0;

  /**
   * Creates a hub with an empty buffer.
   *
   * @param options buffer size, snapshot provider, epoch
   */
  constructor(options: LiveHubOptions) {
    this.#buffer = new RingBuffer(options.bufferSize ?? 5000);
    this.#snapshot = options.snapshot;
    this.epoch = options.epoch ??
      `${Date.now().toString(36)}${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
  }

  /**
   * Where the stream stands now, as an event ID: a page rendered now subscribes `after` it and
   * misses nothing published in between.
   *
   * @returns `<epoch>-<seq>`
   */
  cursor(): string {
    return `${this.epoch}-${this.#seq}`;
  }

  /**
   * Publishes an event to every subscriber of its topic and keeps it for resuming.
   *
   * @param topic the event's name
   * @param data its JSON-serialisable data
   * @returns the frame
   */
  publish(topic: LiveTopic, data: unknown): LiveFrame {
    const seq = ++this.#seq;
    const frame = { seq, topic, bytes: this.#encode(seq, topic, data), data };
    this.#buffer.push(frame);
    for (const s of this.#subscribers) {
      if (!s.topics.has(topic)) continue;
      try {
        const seen = s.filter ? this.#filtered(frame, s.filter) : frame;
        if (seen !== undefined) s.fn(seen);
      } catch { /* a subscriber's failure is its own */ }
    }
    return frame;
  }

  /**
   * Subscribes to topics from a position: the backlog (missed events or snapshots) is computed
   * and the subscription starts in the same turn, so nothing falls between them.
   *
   * @param topics the topics
   * @param after the last event ID the subscriber has (`Last-Event-ID`), if any
   * @param fn receives each live frame
   * @param filter what this subscriber may see of each event (default: all of it)
   * @returns the backlog and a function that ends the subscription
   */
  subscribe(
    topics: readonly LiveTopic[],
    after: string | undefined,
    fn: (frame: LiveFrame) => void,
    filter?: LiveFilter,
  ): { backlog: LiveBacklog; close: () => void } {
    const wanted = new Set(topics);
    const full = this.#backlog(wanted, after);
    const backlog = filter === undefined ? full : {
      kind: full.kind,
      frames: full.frames.flatMap((f) => this.#filtered(f, filter) ?? []),
    };
    const sub = { topics: wanted, fn, filter };
    this.#subscribers.add(sub);
    return { backlog, close: () => this.#subscribers.delete(sub) };
  }

  #filtered(frame: LiveFrame, filter: LiveFilter): LiveFrame | undefined {
    const data = filter(frame.topic, frame.data);
    if (data === undefined) return undefined;
    if (data === frame.data) return frame;
    return { ...frame, data, bytes: this.#encode(frame.seq, frame.topic, data) };
  }

  /**
   * Counters.
   *
   * @returns a snapshot
   */
  stats(): LiveHubStats {
    return {
      epoch: this.epoch,
      published: this.#seq,
      subscribers: this.#subscribers.size,
      resumed: this.#resumed,
      snapshots: this.#snapshots,
    };
  }

  #backlog(topics: ReadonlySet<LiveTopic>, after: string | undefined): LiveBacklog {
    const seq = this.#resumeFrom(after);
    if (seq !== undefined) {
      this.#resumed++;
      const frames = this.#buffer.toArray().filter((f) => f.seq > seq && topics.has(f.topic));
      return { kind: "replay", frames };
    }
    this.#snapshots++;
    // Snapshot frames carry the current position: a reconnect resumes after them.
    const frames = LIVE_TOPICS.filter((t) => topics.has(t)).flatMap((topic) =>
      this.#snapshot(topic).map((data) => ({
        seq: this.#seq,
        topic,
        bytes: this.#encode(this.#seq, topic, data),
        data,
      }))
    );
    return { kind: "snapshot", frames };
  }

  /** The sequence to replay after, or undefined when the ID cannot be resumed here. */
  #resumeFrom(after: string | undefined): number | undefined {
    if (after === undefined) return undefined;
    const at = after.lastIndexOf("-");
    if (at < 0 || after.slice(0, at) !== this.epoch) return undefined;
    const text = after.slice(at + 1);
    if (!/^\d{1,15}$/.test(text)) return undefined;
    const seq = Number(text);
    if (seq > this.#seq) return undefined;
    // Everything after `seq` must still be in the buffer (sequences are consecutive).
    const oldest = this.#seq - this.#buffer.size + 1;
    return seq + 1 >= oldest ? seq : undefined;
  }

  #encode(seq: number, topic: LiveTopic, data: unknown): Uint8Array {
    return encoder.encode(
      `id: ${this.epoch}-${seq}\nevent: ${topic}\ndata: ${JSON.stringify(data)}\n\n`,
    );
  }
}
