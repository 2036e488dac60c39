/**
 * `deno task backup` of a running stack and `deno task restore` onto a new data directory: the
 * units, alert rules and history, a tenant's stream with its consumer, `.env` and the identity
 * (operator and account keys and JWTs, issued credentials) come back; credentials from before the
 * backup still work; sessions do not come back. A wrong passphrase
 * and a changed archive are refused.
 */
import assert from "node:assert/strict";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AlertStore } from "../../mods/alerts/store.ts";
import { type Stack, stackConnect, stackCreds, startStack, until } from "../_kit/mod.ts";
import { envText, script } from "./_scripts.ts";
import { login } from "../security/_http.ts";
import { CURRENT_LAYOUT, readMarker } from "../../mods/upgrade/mod.ts";
import { NUNECT_VERSION } from "../../mods/protocol/mod.ts";
import { BackupError, createBackup, restoreFiles } from "../../mods/backup/mod.ts";

const PASSPHRASE = "correct horse battery staple";

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

Deno.test("backup of a running stack, restored onto a new data directory, has everything", async () => {
  const work = await Deno.makeTempDir({ prefix: "nunect-backup-" });
  const archive = `${work}/nunect.nunect-backup`;
  const dirB = `${work}/b`;
  try {
    // --- A: a running stack with units, an alert rule and a tenant's stream ---
    let unitRecord: { firstSeen: number };
    let sessionCookie: string;
    let envA: Record<string, string>;
    let opsCreds: string;
    let bridgeCreds: string;
    // The identity lives beside the archive, not in the stack's directory: removed after the
    // backup, it must come back from the archive alone.
    const identityDir = `${work}/identity`;
    {
      await using stack = await startStack({ env: { NATS_IDENTITY_DIR: identityDir } });
      envA = { ...stack.env };
      opsCreds = await stackCreds(stack, "OPS");
      bridgeCreds = await stackCreds(stack, "BRIDGE");
      const ops = await stackConnect(stack, opsCreds);
      const bridge = await stackConnect(stack, bridgeCreds);
      try {
        const unitId = envA.UNIT_ID ?? "nunect-hub";
        const kvm = new Kvm(ops);
        await until(
          async () =>
            (await (await kvm.open("nunect_units")).get(unitId).catch(() => null)) !== null,
          "the hub's guardian is a unit",
        );
        unitRecord = (await (await kvm.open("nunect_units")).get(unitId))!.json();
        const alerts = await AlertStore.open(ops);
        await alerts.putRule({
          id: "hub-silent",
          name: "Hub silent",
          type: "unit_heartbeat",
          threshold: 30,
          target: unitId,
        });
        const jsm = await jetstreamManager(bridge);
        await jsm.streams.add({ name: "orders", subjects: ["orders.>"] });
        for (let i = 1; i <= 10; i++) await jetstream(bridge).publish(`orders.${i}`, `order ${i}`);
        await jsm.consumers.add("orders", {
          durable_name: "billing",
          ack_policy: AckPolicy.Explicit,
        });
        sessionCookie = (await login(
          stack.dashboardUrl,
          envA.DASHBOARD_ADMIN_USER ?? "admin",
          envA.DASHBOARD_ADMIN_PASSWORD!,
        )).cookie;
      } finally {
        await ops.close();
        await bridge.close();
      }
      await Deno.writeTextFile(`${stack.dir}/.env`, envText(envA));

      const made = await script("backup.sh", [archive], {
        NUNECT_ENV_FILE: `${stack.dir}/.env`,
        NUNECT_BACKUP_PASSPHRASE: PASSPHRASE,
        PATH: Deno.env.get("PATH")!,
        HOME: Deno.env.get("HOME")!,
      });
      assert.equal(made.code, 0, made.out);
      assert.match(made.out, /KV_nunect_sessions: skipped/);
      assert.match(made.out, /Backed up \.env, [1-9]\d* secret files and \d+ streams/);
      assert.equal((await Deno.stat(archive)).mode! & 0o777, 0o600, "the archive is private");
      const listed = await script("backup.sh", ["list", archive], {
        NUNECT_ENV_FILE: `${stack.dir}/.env`,
        NUNECT_BACKUP_PASSPHRASE: "a wrong passphrase!",
        PATH: Deno.env.get("PATH")!,
      });
      assert.notEqual(listed.code, 0);
      assert.match(listed.out, /Wrong passphrase/);
    }
    const sealed = await Deno.readFile(archive);
    const seed = /-----BEGIN USER NKEY SEED-----\s*(\S+)/.exec(bridgeCreds)![1]!;
    assert.equal(new TextDecoder().decode(sealed).indexOf(seed), -1, "keys are sealed");
    assert.equal(new TextDecoder().decode(sealed).indexOf(envA.DASHBOARD_SECRET!), -1);
    // A new machine: neither the identity nor the data directory is there.
    await Deno.remove(identityDir, { recursive: true });
    assert.equal(new TextDecoder().decode(sealed).indexOf("order 1"), -1, "messages are sealed");

    // A changed byte anywhere after the header is refused.
    const tampered = `${work}/tampered.nunect-backup`;
    const copy = sealed.slice();
    copy[copy.length - 100]! ^= 1;
    await Deno.writeFile(tampered, copy);
    const refused = await script("restore.sh", [tampered], {
      NUNECT_ENV_FILE: `${work}/tampered.env`,
      NUNECT_BACKUP_PASSPHRASE: PASSPHRASE,
      PATH: Deno.env.get("PATH")!,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /damaged/);

    // --- B: a new data directory ---
    await Deno.mkdir(dirB);
    const restored = await script("restore.sh", [
      archive,
      "--data-dir",
      `${dirB}/data`,
      "--identity-dir",
      `${dirB}/identity`,
    ], {
      NUNECT_ENV_FILE: `${dirB}/.env`,
      NUNECT_BACKUP_PASSPHRASE: PASSPHRASE,
      PATH: Deno.env.get("PATH")!,
      HOME: Deno.env.get("HOME")!,
    });
    assert.equal(restored.code, 0, restored.out);
    assert.match(restored.out, /BRIDGE orders: 10 messages/);
    const envB = parseEnv(await Deno.readTextFile(`${dirB}/.env`));
    assert.equal(envB.NATS_DATA_DIR, `${dirB}/data`);
    assert.equal(envB.NATS_IDENTITY_DIR, `${dirB}/identity`);
    const moved = { NATS_DATA_DIR: "", NATS_IDENTITY_DIR: "" };
    assert.deepEqual({ ...envB, ...moved }, { ...envA, ...moved });
    assert.equal(
      (await Deno.stat(`${dirB}/identity/creds/dashboard/ops.creds`)).mode! & 0o777,
      0o600,
      "restored credentials stay private",
    );
    assert.equal((await Deno.stat(`${dirB}/.env`)).mode! & 0o777, 0o600);
    // The backup's data layout is recorded: the start that follows has nothing to migrate.
    const marker = await readMarker(`${dirB}/data`);
    assert.equal(marker?.layout, CURRENT_LAYOUT);
    assert.equal(marker?.version, NUNECT_VERSION);

    await using stackB = await startStack({ reuse: { dir: dirB, env: envB } as unknown as Stack });
    assert.doesNotMatch(stackB.supervisor.output().stdout, /Data layout|Upgrading/);
    // Credentials from before the backup still work: the tenant's, OPS's, the dashboard's admin.
    const bridge = await stackConnect(stackB, bridgeCreds);
    const ops = await stackConnect(stackB, opsCreds);
    try {
      const jsm = await jetstreamManager(bridge);
      const orders = await jsm.streams.info("orders");
      assert.equal(orders.state.messages, 10);
      assert.equal((await jsm.streams.getMessage("orders", { seq: 7 }))?.string(), "order 7");
      assert.equal((await jsm.consumers.info("orders", "billing")).config.durable_name, "billing");

      const units = await new Kvm(ops).open("nunect_units");
      const unit = (await units.get(envA.UNIT_ID ?? "nunect-hub"))!.json<{ firstSeen: number }>();
      assert.equal(unit.firstSeen, unitRecord.firstSeen, "the unit's record is the backed-up one");
      const alerts = await AlertStore.open(ops, { ensure: false });
      assert.deepEqual((await alerts.rules()).map((r) => r.id), ["hub-silent"]);
      const opsJsm = await jetstreamManager(ops);
      await opsJsm.streams.info("nunect_alerts");
      const sessions = await opsJsm.streams.info("KV_nunect_sessions").catch(() => undefined);
      assert.ok(sessions === undefined || sessions.state.messages === 0, "no session came back");
    } finally {
      await bridge.close();
      await ops.close();
    }
    await until(
      () =>
        fetch(`${stackB.dashboardUrl}/healthz`).then((r) => (r.body?.cancel(), r.ok), () => false),
      "the restored dashboard answers",
    );
    const page = await fetch(`${stackB.dashboardUrl}/`, {
      headers: { cookie: sessionCookie },
      redirect: "manual",
    });
    await page.body?.cancel();
    assert.equal(page.status, 303, "a session from before the backup must log in again");
    const again = await login(
      stackB.dashboardUrl,
      envA.DASHBOARD_ADMIN_USER ?? "admin",
      envA.DASHBOARD_ADMIN_PASSWORD!,
    );
    const rules = await (await fetch(`${stackB.dashboardUrl}/api/alerts/rules`, {
      headers: { cookie: again.cookie },
    })).json() as { rules?: { id: string }[] } | { id: string }[];
    const ids = (Array.isArray(rules) ? rules : rules.rules ?? []).map((r) => r.id);
    assert.deepEqual(ids, ["hub-silent"]);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});

Deno.test("a backup a newer nunect wrote is refused before anything is written", async () => {
  const work = await Deno.makeTempDir({ prefix: "nunect-backup-newer-" });
  try {
    await Deno.writeTextFile(`${work}/.env`, "NATS_PORT=4222\n");
    const file = await Deno.open(`${work}/newer.nunect-backup`, { write: true, create: true });
    await createBackup(
      {
        envFile: `${work}/.env`,
        secretDirs: [],
        accounts: [],
        dial: () => Promise.reject(new Error("no account is backed up")),
      },
      file.writable,
      { passphrase: PASSPHRASE, nunect: "9.0.0", layout: CURRENT_LAYOUT + 1 },
    );
    const target = `${work}/restored.env`;
    await assert.rejects(
      async () =>
        restoreFiles((await Deno.open(`${work}/newer.nunect-backup`)).readable, PASSPHRASE, {
          envFile: target,
          secretDirs: [],
          running: { layout: CURRENT_LAYOUT, version: NUNECT_VERSION },
        }),
      (e) =>
        e instanceof BackupError &&
        new RegExp(
          `Refusing to restore: the backup holds data layout ${
            CURRENT_LAYOUT + 1
          }, written by nunect 9\\.0\\.0; this is nunect ${NUNECT_VERSION}.*Restore it with nunect 9\\.0\\.0 or newer`,
        ).test(e.message),
    );
    assert.equal(await Deno.stat(target).then(() => true, () => false), false, "nothing written");
    // The same backup restores where the layout is known.
    const r = await restoreFiles(
      (await Deno.open(`${work}/newer.nunect-backup`)).readable,
      PASSPHRASE,
      {
        envFile: target,
        secretDirs: [],
        running: { layout: CURRENT_LAYOUT + 1, version: "9.0.0" },
      },
    );
    assert.deepEqual(r.written, [target]);
    assert.equal(await Deno.readTextFile(target), "NATS_PORT=4222\n");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
