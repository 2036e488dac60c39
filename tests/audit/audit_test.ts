import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import {
  AUDIT_STREAM,
  AuditLog,
  auditSubject,
  AuditUnavailableError,
  ensureAuditStream,
  InvalidAuditRecordError,
} from "../../mods/audit/mod.ts";
import { startNats } from "../_kit/mod.ts";

Deno.test("audit: records are appended, read back newest last, and cannot be deleted or purged", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await ensureAuditStream(nc, { maxAgeMs: 30 * 86_400_000 });
    const audit = new AuditLog(nc);
    const before = (await audit.recent({ limit: 1000 })).length;
    const a = await audit.append({
      actor: "admin",
      action: "account.update",
      target: "account BRIDGE",
      before: { connections: 10 },
      after: { connections: 50 },
      ok: true,
    });
    await audit.append({
      actor: "cli:ops",
      action: "user.revoke",
      target: "unit router-7 in OPS",
      before: null,
      after: null,
      ok: false,
      error: "Nothing to revoke",
    });
    const recent = await audit.recent({ limit: 2 });
    assert.deepEqual(recent.map((r) => r.action), ["account.update", "user.revoke"]);
    assert.deepEqual(recent[0], a);
    assert.equal((await audit.recent({ limit: 1000 })).length, before + 2);
    assert.deepEqual((await audit.recent({ action: "user.>" })).map((r) => r.ok), [false]);

    // The same record ID is stored once (a retried append, a journal moved twice).
    await audit.append({ ...a, id: a.id });
    assert.equal((await audit.recent({ limit: 1000 })).length, before + 2);

    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(AUDIT_STREAM);
    assert.equal(info.config.deny_delete, true);
    assert.equal(info.config.deny_purge, true);
    assert.equal(info.config.max_age, 30 * 86_400_000 * 1e6, "its own retention");
    await assert.rejects(() => jsm.streams.purge(AUDIT_STREAM));
    await assert.rejects(() => jsm.streams.deleteMessage(AUDIT_STREAM, 1));
    // A new retention setting is applied to the stream that exists.
    await ensureAuditStream(nc, { maxAgeMs: 7 * 86_400_000 });
    assert.equal((await jsm.streams.info(AUDIT_STREAM)).config.max_age, 7 * 86_400_000 * 1e6);
  } finally {
    await nc.close();
  }
});

Deno.test("audit: a record holding a seed or a creds block is refused, not stored", async () => {
  await using ns = await startNats();
  const seed = new TextDecoder().decode(createUser().getSeed());
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await ensureAuditStream(nc);
    const audit = new AuditLog(nc);
    const creds = `-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n`;
    for (const after of [{ seed }, { creds }]) {
      const err = await audit.append({
        actor: "admin",
        action: "user.issue",
        target: "unit router-1",
        before: null,
        after,
        ok: true,
      }).catch((e) => e);
      assert.ok(err instanceof InvalidAuditRecordError);
      assert.match(err.message, /contains a seed or a credentials block/);
      assert.ok(!err.message.includes(seed));
    }
    assert.throws(() =>
      audit.submit({
        actor: "admin",
        action: "user.issue",
        target: "x",
        before: null,
        after: { seed },
        ok: true,
      }), InvalidAuditRecordError);
    assert.throws(() => auditSubject("Not An Action"), InvalidAuditRecordError);
    assert.equal((await audit.recent()).length, 0);
  } finally {
    await nc.close();
  }
});

Deno.test("audit: search pages backwards by user, action group, target, time and outcome; submit stores in order", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    await ensureAuditStream(nc);
    const audit = new AuditLog(nc);
    const t0 = Date.now() - 10_000;
    for (let i = 0; i < 1200; i++) {
      audit.submit({
        at: t0 + i,
        actor: i % 3 === 0 ? "anna" : "ben",
        action: i % 2 === 0 ? "streams.purge" : "users.create",
        target: `thing-${i}`,
        before: null,
        after: null,
        ok: i % 5 !== 0,
        ...(i % 5 === 0 ? { error: "refused" } : {}),
      });
    }
    await audit.flush();
    assert.equal(audit.failed, 0);
    const all = await audit.search({ limit: 10_000 });
    assert.equal(all.records.length, 1200);
    assert.equal(all.records[0]!.target, "thing-1199", "newest first");
    assert.equal(all.next, null);

    const page1 = await audit.search({ actor: "anna", action: "users", limit: 50 });
    assert.equal(page1.records.length, 50);
    assert.ok(page1.records.every((r) => r.actor === "anna" && r.action === "users.create"));
    const page2 = await audit.search({
      actor: "anna",
      action: "users",
      limit: 50,
      before: page1.next!,
    });
    assert.ok(page2.records[0]!.seq < page1.records.at(-1)!.seq, "the next page is older");
    assert.deepEqual(
      (await audit.search({ target: "THING-7", limit: 1000 })).records.map((r) => r.target).slice(
        -3,
      ),
      [
        "thing-71",
        "thing-70",
        "thing-7",
      ],
    );
    const window = await audit.search({ from: t0 + 100, to: t0 + 199, limit: 1000 });
    assert.equal(window.records.length, 100);
    assert.equal((await audit.search({ ok: false, limit: 1000 })).records.length, 240);
  } finally {
    await nc.close();
  }
});

Deno.test("audit: submitted records that JetStream cannot store are reported, never silently lost", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    // No audit stream: nothing answers the confirmation.
    const lost: string[] = [];
    const audit = new AuditLog(nc, { onLost: (record) => lost.push(record.target) });
    for (const target of ["a", "b", "c"]) {
      audit.submit({ actor: "x", action: "t.lost", target, before: null, after: null, ok: true });
    }
    await audit.flush();
    assert.deepEqual(lost.sort(), ["a", "b", "c"]);
    assert.equal(audit.failed, 3);
    // Once the stream is there, a confirmed batch is stored once, even when sent twice.
    await ensureAuditStream(nc);
    const ok = new AuditLog(nc);
    for (let i = 0; i < 100; i++) {
      ok.submit({
        actor: "x",
        action: "t.kept",
        target: `${i}`,
        before: null,
        after: null,
        ok: true,
      });
    }
    await ok.flush();
    assert.equal(ok.failed, 0);
    assert.equal((await ok.search({ action: "t.kept", limit: 1000 })).records.length, 100);
  } finally {
    await nc.close();
  }
});

Deno.test("audit: an append JetStream does not store throws with the record; check() refuses until the trail stores, then marks the gap", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const audit = new AuditLog(nc);
    await audit.check(); // nothing failed yet: nothing to prove
    // No audit stream: nothing stores the record.
    const err = await audit.append({
      actor: "x",
      action: "t.gone",
      target: "a",
      before: null,
      after: null,
      ok: true,
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof AuditUnavailableError, String(err));
    assert.equal(err.record?.target, "a", "the caller gets the record to keep or report");
    assert.equal(audit.failed, 1);
    await assert.rejects(audit.check(), AuditUnavailableError);
    await ensureAuditStream(nc);
    await audit.check();
    const [gap] = await audit.recent({ action: "audit.resume" });
    assert.equal(gap?.actor, "nunect");
    assert.match(JSON.stringify(gap?.before), /error/);
  } finally {
    await nc.close();
  }
});
