/**
 * The controller's answer to a change made for a dashboard request says whether the audit trail
 * holds the change's record (`recorded`), made or failed: only then does the dashboard store no
 * record of its own. A record kept in the controller's journal is not in the trail; a change
 * whose record could be stored nowhere is answered 503, never as done. In process, over a real
 * identity store and resolver directory; the sink decides where records go (the stream, the
 * journal, nowhere) as StreamOrJournal and a failing disk would.
 */
import assert from "node:assert/strict";
import type { AuditInput, AuditRequest } from "../../mods/audit/mod.ts";
import {
  type AuditPlace,
  Controller,
  handleControllerRequest,
  IdentityStore,
  initIdentity,
  ResolverDir,
} from "../../mods/controller/mod.ts";

const REQUEST: AuditRequest = {
  role: "admin",
  scope: "*",
  via: "token:t1",
  request: "POST /api/identity/accounts",
  address: "192.0.2.7",
};

Deno.test("controller: a change's answer says whether its record is in the trail, made or failed; a record stored nowhere is a 503", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-audit-reply-" });
  try {
    const identityDir = `${dir}/identity`;
    const dataDir = `${dir}/data`;
    await initIdentity({ identityDir, dataDir, hubUnitId: "test-hub", timeMaster: false });
    const records: AuditInput[] = [];
    let place: AuditPlace | "nowhere" = "trail";
    const controller = new Controller({
      store: new IdentityStore(identityDir),
      claims: new ResolverDir(`${dataDir}/jwt`),
      audit: {
        append: (input) => {
          if (place === "nowhere") return Promise.reject(new Error("disk full"));
          records.push(input);
          return Promise.resolve(place);
        },
      },
    });
    const ask = (op: string, body: Record<string, unknown>) =>
      handleControllerRequest(controller, op, { actor: "admin", ...body }, {
        hubLeafUrl: "nats-leaf://127.0.0.1:7422",
      });

    // Made, its record in the trail with the request's fields.
    assert.deepEqual(await ask("account.create", { audit: REQUEST, name: "ONE" }), {
      ok: true,
      result: await controller.account("ONE"),
      recorded: true,
    });
    assert.deepEqual(
      { ...records.at(-1), after: undefined },
      {
        ...REQUEST,
        actor: "admin",
        action: "account.create",
        target: "account ONE",
        before: null,
        after: undefined,
        ok: true,
      },
    );

    // Failed in the controller, its failure recorded in the trail.
    const unknown = `U${"A".repeat(55)}`;
    const failed = await ask("user.creds", { audit: REQUEST, account: "OPS", publicKey: unknown });
    assert.equal(failed.ok, false);
    assert.equal(!failed.ok && failed.status, 404);
    assert.equal(failed.recorded, true);
    assert.equal(records.at(-1)!.ok, false);
    assert.equal(records.at(-1)!.request, REQUEST.request);

    // Refused before it was tried (no such account to change): nothing recorded, not `recorded`.
    const before = records.length;
    const refused = await ask("account.update", { audit: REQUEST, name: "NOPE" });
    assert.equal(!refused.ok && refused.status, 404);
    assert.equal(refused.recorded, undefined);
    assert.equal(records.length, before);

    // The CLI sends no request: its record has none of the fields, and the answer says nothing.
    const cli = await ask("account.create", { name: "TWO" });
    assert.equal(cli.ok, true);
    assert.equal(cli.recorded, undefined);
    assert.equal(records.at(-1)!.role, undefined);

    // Kept in the journal, not the trail: the dashboard must record the request itself.
    place = "journal";
    const journaled = await ask("account.create", { audit: REQUEST, name: "THREE" });
    assert.equal(journaled.ok, true);
    assert.equal(journaled.recorded, undefined);

    // Stored nowhere: made, but not answered as done.
    place = "nowhere";
    const lost = await ask("account.create", { audit: REQUEST, name: "FOUR" });
    assert.equal(lost.ok, false);
    assert.equal(!lost.ok && lost.status, 503);
    assert.match(
      !lost.ok ? lost.error : "",
      /^The change "account\.create" on "account FOUR" was made, but its audit record could not be stored \(disk full\)/,
    );
    assert.equal(lost.recorded, undefined);
    assert.equal((await controller.account("FOUR")).name, "FOUR", "the change was made");
    // A failure stored nowhere: its own reason, not `recorded` (the dashboard records it).
    const failedLost = await ask("user.creds", {
      audit: REQUEST,
      account: "OPS",
      publicKey: unknown,
    });
    assert.equal(!failedLost.ok && failedLost.status, 404);
    assert.equal(failedLost.recorded, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
