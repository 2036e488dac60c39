/**
 * Attacks on the telemetry store, replayed against a real stack: forged units without bound,
 * huge strings in schema-valid messages, junk that wiped the history, a heartbeat from the
 * future that hid a dead unit, and log records of any size. The guardian user (shared by every
 * router today) is the attacker: it may publish any unit's telemetry.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { rssKiB, sampleHeartbeat, startStack, until } from "../_kit/mod.ts";
import { type Browser, login } from "./_http.ts";

const MAX_UNITS = 500;
const PER_UNIT = 50;

function heartbeat(unitId: string, seq: number, ts: number) {
  return sampleHeartbeat(unitId, {
    seq,
    ts,
    version: "1.0.0",
    host: "forged",
    clock: { source: "ntp", quality: "locked" },
  });
}

function rtt(unitId: string, seq: number) {
  return { unitId, seq, ts: Date.now(), target: "t", nativeRttUs: 100 + seq, appRttUs: null };
}

Deno.test("security: telemetry attacks on a running stack", async (t) => {
  await using stack = await startStack({
    env: { TELEMETRY_MAX_UNITS: String(MAX_UNITS), TELEMETRY_HISTORY_PER_UNIT: String(PER_UNIT) },
  });
  const base = stack.dashboardUrl;
  await until(async () => {
    const res = await fetch(`${base}/healthz`).catch(() => undefined);
    await res?.body?.cancel();
    return res?.status === 200;
  }, "the dashboard to be connected");
  const browser: Browser = await login(base, "admin", stack.env.DASHBOARD_ADMIN_PASSWORD!);
  const units = async (query = "") => {
    const res = await fetch(`${base}/api/units${query}`, { headers: { cookie: browser.cookie } });
    const text = await res.text();
    return { bytes: text.length, view: JSON.parse(text) };
  };
  // The attacker may publish any unit's telemetry (as a stolen router may, for the units behind
  // it): the dashboard's own OPS user here.
  const attacker: NatsConnection = await connect({
    servers: stack.natsUrl,
    authenticator: credsAuthenticator(
      await Deno.readFile(`${stack.env.NATS_IDENTITY_DIR}/creds/dashboard/ops.creds`),
    ),
  });
  const ops = await connect({
    servers: stack.natsUrl,
    authenticator: credsAuthenticator(
      await Deno.readFile(`${stack.env.NATS_IDENTITY_DIR}/creds/dashboard/ops.creds`),
    ),
  });
  const dashboard = stack.pids().dashboard!;
  try {
    await t.step(
      "2.5× the unit limit in forged units: the table stays at its limit, counts the rest",
      async () => {
        const now = Date.now();
        for (let i = 0; i < MAX_UNITS * 2.5; i++) {
          const id = `forged-${i}`;
          // Two heartbeats 2 s apart by their own clock: stale 6 s after they stop. Not sooner:
          // on a loaded machine the first would go stale (and be evicted) before the last
          // arrived, and nothing would be refused.
          attacker.publish(`ops.heartbeat.${id}`, JSON.stringify(heartbeat(id, 1, now - 2000)));
          attacker.publish(`ops.heartbeat.${id}`, JSON.stringify(heartbeat(id, 2, now)));
        }
        await attacker.flush();
        // Each of the 1.5 × MAX_UNITS units beyond the limit is refused or takes the place of a
        // stale one (on a loaded machine the first forged units may go stale during the flood).
        await until(async () => {
          const { stats } = (await units()).view;
          return stats.refused + stats.evicted >= MAX_UNITS * 1.5;
        }, "every unit beyond the limit refused or evicting a stale unit");
        const { view } = await units();
        assert.equal(view.stats.units, MAX_UNITS);
        assert.equal(view.stats.maxUnits, MAX_UNITS);
        // The forged units go stale; a real unit now takes the place of the oldest of them.
        await until(
          async () => (await units()).view.stats.staleUnits >= MAX_UNITS - 5,
          "staleness",
        );
        attacker.publish(
          "ops.heartbeat.real-router",
          JSON.stringify(heartbeat("real-router", 1, Date.now())),
        );
        await until(
          async () => (await units("?q=real-router")).view.total === 1,
          "the real unit in the table",
        );
        const after = (await units()).view;
        assert.equal(after.stats.units, MAX_UNITS);
        assert.ok(after.stats.evicted >= 1, "a stale unit was evicted, and counted");
        const page = await fetch(`${base}/units`, { headers: { cookie: browser.cookie } });
        const html = await page.text();
        assert.match(html, /evicted/i, "the Units page shows evictions");
      },
    );

    await t.step(
      "450 KB strings in schema-valid time metrics are dropped as malformed",
      async () => {
        const before = (await units()).view.stats.dropped.schema;
        for (let i = 0; i < 30; i++) {
          const id = `big-${i}`;
          attacker.publish(
            `ops.metric.time.${id}`,
            JSON.stringify({
              unitId: id,
              ts: Date.now(),
              source: "ptp",
              quality: "locked",
              offsetNs: 1,
              freqPpm: 1,
              ptp: {
                portState: "SLAVE",
                gmPresent: true,
                gmIdentity: "A".repeat(450_000),
                masterOffsetNs: 1,
                meanPathDelayNs: 1,
                stepsRemoved: 1,
              },
              ntp: null,
            }),
          );
        }
        await attacker.flush();
        await until(
          async () => (await units()).view.stats.dropped.schema >= before + 30,
          "the drops",
        );
        const { bytes, view } = await units();
        assert.equal((await units("?q=big-")).view.total, 0);
        assert.equal(view.units.length, 100, "one page of the 500 units");
        assert.ok(bytes < 500_000, `/api/units is ${bytes} bytes`);
      },
    );

    await t.step(
      "junk and a valid flood on one unit leave another unit's history alone",
      async () => {
        for (let i = 0; i < 5; i++) {
          attacker.publish("ops.metric.rtt.victim", JSON.stringify(rtt("victim", i)));
        }
        const junk = new Uint8Array(1024 * 1024 - 1024).fill(0x7a);
        for (let i = 0; i < 270; i++) {
          attacker.publish("ops.metric.rtt.flooder", junk);
        }
        await attacker.flush();
        // 270 MB at once may cost the dashboard its connection (a slow consumer); once a probe
        // gets through again, the valid flood follows.
        await until(async () => {
          attacker.publish("ops.metric.rtt.probe", JSON.stringify(rtt("probe", 1)));
          return (await units("?q=probe")).view.total === 1;
        }, "the dashboard to take telemetry again");
        for (let i = 0; i < PER_UNIT * 10; i++) {
          attacker.publish("ops.metric.rtt.flooder", JSON.stringify(rtt("flooder", i)));
        }
        await attacker.flush();
        const jsm = await jetstreamManager(ops);
        const count = async (unit: string) =>
          (await jsm.streams.info("nunect_telemetry", {
            subjects_filter: `nunect.telemetry.rtt.${unit}`,
          }))
            .state.subjects?.[`nunect.telemetry.rtt.${unit}`] ?? 0;
        await until(
          async () => (await count("flooder")) === PER_UNIT,
          "the flooder's records, capped",
        );
        assert.equal(await count("victim"), 5, "the victim's history survived");
        const info = await jsm.streams.info("nunect_telemetry");
        assert.ok(info.state.bytes < 5 * 1024 * 1024, `the stream holds ${info.state.bytes} bytes`);
      },
    );

    await t.step(
      "a heartbeat 28 years ahead is dropped; a stopped unit does not look live",
      async () => {
        const before = (await units()).view.stats.dropped.timestamp;
        const now = Date.now();
        attacker.publish(
          "ops.heartbeat.sleeper",
          JSON.stringify(heartbeat("sleeper", 1, now - 1000)),
        );
        attacker.publish("ops.heartbeat.sleeper", JSON.stringify(heartbeat("sleeper", 2, now)));
        attacker.publish(
          "ops.heartbeat.sleeper",
          JSON.stringify(heartbeat("sleeper", 3, now + 28 * 365 * 86_400_000)),
        );
        await attacker.flush();
        await until(
          async () => (await units()).view.stats.dropped.timestamp === before + 1,
          "the drop",
        );
        const sleeper = (await units("?q=sleeper")).view.units[0];
        assert.ok(sleeper.heartbeatIntervalMs <= 600_000);
        assert.equal(sleeper.heartbeat.seq, 2);
      },
    );

    await t.step(
      "400 valid 1 MB log records are cut and counted; the dashboard stays small",
      async () => {
        const rssBefore = rssKiB(dashboard);
        const before = (await units()).view.stats.truncatedLogs;
        const msg = "m".repeat(1024 * 1024 - 200);
        // In batches the dashboard takes in (all at once it would be a slow consumer).
        for (let sent = 0; sent < 400; sent += 20) {
          for (let i = 0; i < 20; i++) {
            attacker.publish(
              "ops.log.info.chatty",
              JSON.stringify({ ts: Date.now(), level: "info", unitId: "chatty", msg }),
            );
          }
          await attacker.flush();
          await until(
            async () => (await units()).view.stats.truncatedLogs >= before + sent + 20,
            `${sent + 20} records cut`,
          );
        }
        const grown = (rssKiB(dashboard) - rssBefore) / 1024;
        assert.ok(grown < 100, `the dashboard grew by ${grown.toFixed(0)} MB`);
      },
    );
  } finally {
    await attacker.close();
    await ops.close();
  }
});
