import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import {
  createConsumer,
  createStream,
  DEAD_LETTER_STREAM,
  deadLetterStatus,
  deleteDeadLetter,
  enableDeadLetters,
  getMessage,
  listDeadLetters,
  MAX_DELIVERIES_SUBJECT,
  MSG_TERMINATED_SUBJECT,
  NotFoundError,
  REPLAY_HEADER,
  replayDeadLetter,
} from "../../mods/jetstream/mod.ts";
import { serverHas, until } from "../_kit/mod.ts";
import { fill, startJs, testPool } from "./_setup.ts";

const requester = { user: "admin", role: "admin" } as const;

Deno.test("dead letters: kept from max-deliveries advisories, listed, replayed, deleted", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  assert.deepEqual(await deadLetterStatus(ctx), { enabled: false, count: 0, maxAge: 0 });
  await assert.rejects(listDeadLetters(ctx), /enable dead letters first/);
  const status = await enableDeadLetters(ctx);
  assert.equal(status.enabled, true);
  assert.equal(status.maxAge, 7 * 86_400e9);
  await enableDeadLetters(ctx); // idempotent

  await createStream(ctx, { name: "Q", subjects: ["q.>"], retention: "workqueue" });
  await createConsumer(ctx, "Q", { durable_name: "picky", max_deliver: 2, ack_wait: "10s" });
  await fill(js.nc, 3, (i) => `q.${i}`);
  const c = await jetstream(js.nc).consumers.get("Q", "picky");
  // Refuse message 2 until the server gives up on it; accept the others.
  await until(async () => {
    const m = await c.next({ expires: 1000 });
    if (m === null) return (await deadLetterStatus(ctx)).count > 0;
    if (m.seq === 2) m.nak();
    else m.ack();
    return (await deadLetterStatus(ctx)).count > 0;
  }, "the max-deliveries advisory of message 2");

  const [dl] = await listDeadLetters(ctx, { stream: "Q" });
  assert.ok(dl);
  assert.deepEqual(
    [dl.cause, dl.reason, dl.stream, dl.consumer, dl.streamSeq, dl.deliveries, dl.message?.subject],
    ["max_deliveries", null, "Q", "picky", 2, 2, "q.1"],
  );
  assert.deepEqual(await listDeadLetters(ctx, { stream: "OTHER" }), []);

  await createStream(ctx, { name: "RETRY", subjects: ["retry.>"] });
  const r = await replayDeadLetter(ctx, dl.id, "retry.q");
  assert.equal(r.stream, "RETRY");
  const copy = await getMessage(ctx, "RETRY", r.seq!);
  assert.equal(copy.payload.text, '{"i":1}');
  assert.deepEqual(copy.headers.find(([k]) => k === REPLAY_HEADER), [REPLAY_HEADER, "Q:2"]);

  await deleteDeadLetter(ctx, dl.id, true);
  assert.deepEqual(await listDeadLetters(ctx), []);
  await assert.rejects(getMessage(ctx, "Q", 2), NotFoundError);
  await assert.rejects(replayDeadLetter(ctx, dl.id), NotFoundError);
});

Deno.test("dead letters: a terminated message is kept with its reason", async () => {
  await using js = await startJs();
  await using pool = await testPool(js.ns);
  const ctx = await pool.connect("OPS", requester);
  // The stream as enabling made it before terminated messages were kept: enabling again adds them.
  await js.jsm.streams.add({
    name: DEAD_LETTER_STREAM,
    subjects: [`${MAX_DELIVERIES_SUBJECT}.>`],
    allow_direct: true,
  });
  await enableDeadLetters(ctx);
  assert.deepEqual((await js.jsm.streams.info(DEAD_LETTER_STREAM)).config.subjects, [
    `${MAX_DELIVERIES_SUBJECT}.>`,
    `${MSG_TERMINATED_SUBJECT}.>`,
  ]);

  const withReason = serverHas("term_reason");
  await createStream(ctx, { name: "T", subjects: ["t.>"] });
  await createConsumer(ctx, "T", { durable_name: "strict", ack_wait: "10s" });
  await fill(js.nc, 3, (i) => `t.${i}`);
  const c = await jetstream(js.nc).consumers.get("T", "strict");
  await until(async () => {
    const m = await c.next({ expires: 1000 });
    // An older server ignores "+TERM <reason>" (the message is not terminated): plain +TERM there.
    if (m?.seq === 3) withReason ? m.term("malformed order") : m.term();
    else m?.ack();
    return (await deadLetterStatus(ctx)).count > 0;
  }, "the terminated advisory of message 3");

  const letters = await listDeadLetters(ctx, { stream: "T", consumer: "strict" });
  assert.equal(letters.length, 1);
  const [dl] = letters;
  assert.deepEqual(
    [dl!.cause, dl!.reason, dl!.stream, dl!.consumer, dl!.streamSeq, dl!.deliveries],
    ["terminated", withReason ? "malformed order" : null, "T", "strict", 3, 1],
  );
  assert.equal(dl!.message?.subject, "t.2");
  assert.deepEqual(await listDeadLetters(ctx, { consumer: "other" }), []);
  // Terminated means no redelivery: the consumer has nothing left.
  assert.equal((await c.info()).num_pending + (await c.info()).num_ack_pending, 0);
});
