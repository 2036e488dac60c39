import { type AuditInput, type AuditLog, auditRecord } from "../audit/mod.ts";
import { auditRecordSchema } from "../audit/record.ts";

/**
 * Where a record went: `trail` when the audit stream stored it (JetStream acknowledged it),
 * `journal` when the controller's journal keeps it until the stream takes it.
 */
export type AuditPlace = "trail" | "journal";

/** Where the controller records its changes: the audit stream, or the journal while offline. */
export interface AuditSink {
  /**
   * Records one change.
   *
   * @param input who, what, before, after
   * @returns where the record went
   * @throws when it could be stored nowhere
   */
  append(input: AuditInput): Promise<AuditPlace>;
}

/**
 * Audit records kept in a file (JSON lines in the controller's private directory) while
 * nats-server is not running — the first start, a command run with the server down. The
 * controller service moves them into the audit stream when it starts, keeping each record's ID
 * and time.
 */
export class AuditJournal implements AuditSink {
  readonly #path: string;

  /**
   * Creates it.
   *
   * @param path the journal file
   */
  constructor(path: string) {
    this.#path = path;
  }

  /** Appends one record. */
  async append(input: AuditInput): Promise<AuditPlace> {
    const record = auditRecord(input);
    await Deno.writeTextFile(this.#path, JSON.stringify(record) + "\n", {
      append: true,
      create: true,
      mode: 0o600,
    });
    return "journal";
  }

  /**
   * Moves every journal record to `sink` (oldest first) and empties the journal. Lines that do
   * not parse are dropped and counted.
   *
   * @param sink the audit stream's writer
   * @returns records moved and lines dropped
   */
  async drainInto(
    sink: Pick<AuditLog, "append">,
  ): Promise<{ moved: number; dropped: number }> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return { moved: 0, dropped: 0 };
      throw e;
    }
    let moved = 0;
    let dropped = 0;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        dropped++;
        continue;
      }
      const r = auditRecordSchema.safeParse(json);
      if (!r.success) {
        dropped++;
        continue;
      }
      await sink.append(r.data);
      moved++;
    }
    await Deno.remove(this.#path);
    return { moved, dropped };
  }
}

/**
 * Records to the audit stream and, when JetStream cannot take a record (not ready yet in a
 * cluster that is forming, disabled, full), to the journal instead; {@linkcode
 * StreamOrJournal.catchUp} moves the journal into the stream once it works. A change is never
 * left unrecorded because JetStream is down.
 */
export class StreamOrJournal implements AuditSink {
  readonly #stream: Pick<AuditLog, "append">;
  readonly #journal: AuditJournal;
  readonly #ensure: () => Promise<void>;
  #ready = false;

  /**
   * Creates it.
   *
   * @param stream the audit stream's writer
   * @param journal the journal
   * @param ensure creates the stream (retried until it works)
   */
  constructor(
    stream: Pick<AuditLog, "append">,
    journal: AuditJournal,
    ensure: () => Promise<void>,
  ) {
    this.#stream = stream;
    this.#journal = journal;
    this.#ensure = ensure;
  }

  /** Appends one record: to the stream (`trail`), or to the journal while the stream fails. */
  async append(input: AuditInput): Promise<AuditPlace> {
    if (!this.#ready) await this.catchUp().catch(() => {});
    if (this.#ready) {
      try {
        await this.#stream.append(input);
        return "trail";
      } catch {
        this.#ready = false; // try the stream again next time; keep the record meanwhile
      }
    }
    return await this.#journal.append(input);
  }

  /**
   * Makes sure the stream exists and moves journal records into it.
   *
   * @returns records moved
   * @throws when the stream still cannot be created or written
   */
  async catchUp(): Promise<number> {
    await this.#ensure();
    const { moved } = await this.#journal.drainInto(this.#stream);
    this.#ready = true;
    return moved;
  }
}
