// The readers against real daemons that never touch the clock: chronyd -x (a local-stratum server
// and a client syncing from it on loopback) and ptp4l master/slave with software timestamping and
// free_running over a veth pair between two network namespaces made by the test.
import assert from "node:assert/strict";
import { loadConfig } from "../../mods/config/mod.ts";
import { createClockReader } from "../../mods/timesync/mod.ts";
import {
  CHRONY,
  output,
  pmcPrint,
  rootSkipReason,
  startChronyPair,
  startPtpPair,
} from "./_daemons.ts";

function timesync(env: Record<string, string>) {
  return loadConfig(["timesync"], (name) => env[name]).timesync;
}

Deno.test({
  name: "chrony: the reading matches what chronyc prints, then the daemon goes away",
  ignore: rootSkipReason !== undefined,
  async fn() {
    await using chrony = await startChronyPair();
    const reader = createClockReader(
      timesync({ TIME_SYNC_MODE: "chrony", CHRONY_SOCKET: chrony.clientSocket }),
      { chronyc: CHRONY.chronyc },
    );
    const reading = await reader.read();
    const csv = (await output(CHRONY.chronyc, ["-h", chrony.clientSocket, "-c", "tracking"]))
      .trim().split(",");
    assert.equal(reading.source, "ntp");
    assert.equal(reading.quality, "locked", chrony.log());
    assert.equal(reading.ntp?.referenceId, csv[0]);
    assert.equal(reading.ntp?.referenceName, csv[1]);
    assert.equal(reading.ntp?.stratum, Number(csv[2]));
    assert.equal(reading.ntp?.leapStatus, csv[13]);
    // the offset moves between two calls; on one machine it stays within microseconds
    const printedOffsetNs = -Number(csv[4]) * 1e9;
    assert.ok(
      Math.abs((reading.offsetNs ?? NaN) - printedOffsetNs) < 100_000,
      `${reading.offsetNs} vs ${printedOffsetNs}`,
    );

    const server = await createClockReader(
      timesync({ TIME_SYNC_MODE: "auto", CHRONY_SOCKET: chrony.serverSocket, PTP_UDS_PATH: "/x" }),
      { chronyc: CHRONY.chronyc },
    ).read();
    assert.deepEqual([server.source, server.quality, server.ntp?.referenceId], [
      "ntp",
      "freerun",
      "7F7F0101",
    ]);

    await chrony.stopClient();
    const gone = await reader.read();
    assert.deepEqual([gone.source, gone.quality, gone.ntp], ["ntp", "freerun", null]);
    assert.match(gone.problems.join(), /chrony: .*(Could not open|Cannot talk)/);
  },
});

Deno.test({
  name: "ptp: the reading matches what pmc prints, auto selects PTP, then ptp4l goes away",
  ignore: rootSkipReason !== undefined,
  async fn() {
    await using ptp = await startPtpPair();
    const env = {
      TIME_SYNC_MODE: "auto",
      PTP_UDS_PATH: ptp.slaveUds,
      PTP_DOMAIN: String(ptp.domain),
      CHRONY_SOCKET: "/nonexistent/chronyd.sock",
    };
    const reader = createClockReader(timesync(env));
    const reading = await reader.read();
    const printed = await pmcPrint(ptp, ptp.slaveUds);
    const value = (key: string) => new RegExp(`\\t\\t${key}\\s+(\\S+)`).exec(printed)?.[1];
    const masterPrinted = await pmcPrint(ptp, ptp.masterUds, ["GET PORT_DATA_SET"]);
    const masterIdentity = /portIdentity\s+(\S+)-1/.exec(masterPrinted)?.[1];

    assert.equal(reading.source, "ptp", ptp.log());
    // free_running: the servo never locks, so the port stays UNCALIBRATED
    assert.equal(reading.quality, "acquiring");
    assert.equal(reading.ptp?.portState, value("portState"));
    assert.equal(reading.ptp?.gmPresent, true);
    assert.equal(reading.ptp?.gmIdentity, value("gmIdentity"));
    assert.equal(reading.ptp?.gmIdentity, masterIdentity);
    assert.equal(reading.ptp?.stepsRemoved, Number(value("stepsRemoved")));
    assert.ok(Math.abs((reading.offsetNs ?? NaN) - Number(value("master_offset"))) < 100_000);
    assert.ok((reading.ptp?.meanPathDelayNs ?? -1) >= 0);

    const master = await createClockReader(timesync({ ...env, PTP_UDS_PATH: ptp.masterUds }))
      .read();
    assert.deepEqual([master.source, master.ptp?.portState], ["none", "MASTER"]);

    await ptp.stopSlave();
    const gone = await reader.read();
    assert.deepEqual([gone.source, gone.quality, gone.ptp], ["none", "freerun", null]);
    assert.ok(gone.problems.includes("PTP: ptp4l did not answer"), gone.problems.join());
  },
});
