// The guardian's time metric against real daemons (no clock touched): chronyd -x pair on loopback
// and ptp4l master/slave (software timestamps, free_running) in two network namespaces.
import assert from "node:assert/strict";
import { decodeMessage, HEADERS, subjects, timeMetricSchema } from "../../mods/protocol/mod.ts";
import { guardianEnv, startGuardianProgram, startNats } from "../_kit/mod.ts";
import {
  CHRONY,
  chronycOverlay,
  output,
  pmcPrint,
  rootSkipReason,
  startChronyPair,
  startPtpPair,
} from "../timesync/_daemons.ts";
import { collect, observer } from "./_guardian.ts";

Deno.test({
  name: "guardian time metric matches what chronyc and pmc print",
  ignore: rootSkipReason !== undefined,
  async fn() {
    await using chrony = await startChronyPair();
    await using ptp = await startPtpPair();
    await using ns = await startNats();
    await using obs = await observer(ns);
    const unit = "gd-time";
    const times = await collect(obs, subjects.time(unit));
    const heartbeats = await collect(obs, subjects.heartbeat(unit));
    await using _guardian = await startGuardianProgram(
      ns,
      await guardianEnv(ns, unit, {
        TIME_SYNC_MODE: "auto",
        CHRONY_SOCKET: chrony.clientSocket,
        PTP_UDS_PATH: ptp.slaveUds,
        PTP_DOMAIN: String(ptp.domain),
      }),
      chronycOverlay(),
    );
    const [msg] = await times.waitFor(2);
    const d = decodeMessage(timeMetricSchema, msg!.data);
    assert.ok(d.ok, d.ok ? "" : d.error);
    const metric = d.value;
    const pmc = await pmcPrint(ptp, ptp.slaveUds);
    const pmcValue = (key: string) => new RegExp(`\\t\\t${key}\\s+(\\S+)`).exec(pmc)?.[1];
    const csv = (await output(CHRONY.chronyc, ["-h", chrony.clientSocket, "-c", "tracking"]))
      .trim().split(",");

    // auto: a grandmaster is present and the port UNCALIBRATED (free_running never locks)
    assert.deepEqual([metric.source, metric.quality], ["ptp", "acquiring"]);
    assert.equal(msg!.headers?.get(HEADERS.clockSource), "ptp");
    assert.equal(metric.ptp?.portState, pmcValue("portState"));
    assert.equal(metric.ptp?.gmIdentity, pmcValue("gmIdentity"));
    assert.equal(String(metric.ptp?.gmPresent), pmcValue("gmPresent"));
    assert.equal(metric.ptp?.stepsRemoved, Number(pmcValue("stepsRemoved")));
    assert.ok(Math.abs((metric.offsetNs ?? NaN) - Number(pmcValue("master_offset"))) < 100_000);
    // chrony's details travel along although PTP was selected
    assert.equal(metric.ntp?.referenceId, csv[0]);
    assert.equal(metric.ntp?.stratum, Number(csv[2]));
    assert.equal(metric.ntp?.leapStatus, csv[13]);
    assert.ok(Math.abs((metric.ntp?.offsetNs ?? NaN) + Number(csv[4]) * 1e9) < 100_000);

    const [hb] = await heartbeats.waitFor(
      1,
      5000,
      (m) => m.headers?.get(HEADERS.clockSource) === "ptp",
    );
    assert.equal(hb!.headers?.get(HEADERS.clockQuality), "acquiring");
  },
});
