// Parsers, states, selection and quality on output captured from the real chronyc 4.3 and pmc
// (linuxptp 3.1.1) of this machine; see fixtures/*.json for the command behind each capture.
import assert from "node:assert/strict";
import {
  chronycTarget,
  chronyState,
  type CommandResult,
  createClockReader,
  parseChronySources,
  parseChronyTracking,
  parsePmc,
  ptpState,
  selectClock,
  TimesyncParseError,
} from "../../mods/timesync/mod.ts";
import { timeMetricSchema } from "../../mods/protocol/mod.ts";

interface Fixture {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

function fixture(name: string): Fixture {
  return JSON.parse(Deno.readTextFileSync(new URL(`./fixtures/${name}.json`, import.meta.url)));
}

const thresholds = { ptpLockThresholdNs: 1000, ntpLockThresholdNs: 1_000_000 };

/** The real slave capture with the port SLAVE, as ptp4l reports once its servo locks. */
function slaveFixture(offsetNs: number): Fixture {
  const f = fixture("pmc_slave_uncalibrated");
  return {
    ...f,
    stdout: f.stdout.replace("UNCALIBRATED", "SLAVE").replace(
      /master_offset(\s+)-?\d+/,
      `master_offset$1${offsetNs}`,
    ),
  };
}

Deno.test("chronyc -c tracking of a synchronised chronyd parses every field", () => {
  const t = parseChronyTracking(fixture("chrony_tracking_synced").stdout);
  assert.deepEqual(t, {
    referenceId: "7F000001",
    referenceName: "127.0.0.1",
    stratum: 11,
    refTimeS: 1795424921.009424338,
    offsetNs: 1785, // CSV "System time" -0.000001785 s: the clock is 1785 ns fast
    lastOffsetNs: -7,
    rmsOffsetNs: 21,
    freqPpm: -0.001,
    residualFreqPpm: -0.002,
    skewPpm: 0.11,
    rootDelayNs: 7120,
    rootDispersionNs: 457,
    updateIntervalS: 0.1,
    leapStatus: "Normal",
  });
});

Deno.test("chronyc -c sources parses the selected source", () => {
  const [s, ...rest] = parseChronySources(fixture("chrony_sources_synced").stdout);
  assert.equal(rest.length, 0);
  assert.deepEqual(s, {
    mode: "^",
    state: "*",
    name: "127.0.0.1",
    stratum: 10,
    poll: -4,
    reach: 255,
    lastRxS: 0,
    adjustedOffsetNs: 332,
    measuredOffsetNs: 325,
    errorNs: 3998,
  });
  assert.deepEqual(parseChronySources(fixture("chrony_sources_local").stdout), []);
});

Deno.test("synchronised chronyd: state, selected source, locked under the threshold", () => {
  const state = chronyState(fixture("chrony_tracking_synced"), fixture("chrony_sources_synced"));
  assert.equal(state.status, "synchronised");
  assert.ok(state.status === "synchronised");
  assert.equal(state.selected?.name, "127.0.0.1");
  assert.equal(state.localReference, false);
  const r = selectClock("auto", undefined, state, thresholds);
  assert.equal(r.source, "ntp");
  assert.equal(r.quality, "locked");
  assert.equal(r.offsetNs, 1785);
  assert.equal(r.freqPpm, -0.001);
  assert.equal(r.ntp?.referenceId, "7F000001");
  const loose = selectClock("chrony", undefined, state, {
    ...thresholds,
    ntpLockThresholdNs: 1000,
  });
  assert.equal(loose.quality, "tracking");
});

Deno.test("not synchronised (reference 00000000) is a state: acquiring or freerun", () => {
  const state = chronyState(
    fixture("chrony_tracking_unsynced"),
    fixture("chrony_sources_unsynced"),
  );
  assert.equal(state.status, "unsynchronised");
  assert.ok(state.status === "unsynchronised");
  assert.equal(state.tracking.leapStatus, "Not synchronised");
  assert.equal(state.sources[0]?.state, "?");
  // the only source never answered (reach 0): free running
  assert.equal(selectClock("chrony", undefined, state, thresholds).quality, "freerun");
  const auto = selectClock("auto", undefined, state, thresholds);
  assert.equal(auto.source, "none");
  assert.equal(auto.quality, "freerun");
  assert.equal(auto.ntp?.leapStatus, "Not synchronised");
  // a source that answered but is not selected yet: acquiring
  const acquiring = chronyState(fixture("chrony_tracking_unsynced"), {
    code: 0,
    stdout: "^,?,127.0.0.1,10,-4,3,1,0.000000100,0.000000100,0.000004000\n",
  });
  assert.equal(selectClock("chrony", undefined, acquiring, thresholds).quality, "acquiring");
});

Deno.test("a chronyd serving its local clock is synchronised but free running", () => {
  const state = chronyState(fixture("chrony_tracking_local"), fixture("chrony_sources_local"));
  assert.ok(state.status === "synchronised");
  assert.equal(state.localReference, true);
  assert.equal(state.selected, undefined);
  const r = selectClock("auto", undefined, state, thresholds);
  assert.deepEqual([r.source, r.quality], ["ntp", "freerun"]);
});

Deno.test("506 Cannot talk to daemon and a missing socket are states, not crashes", () => {
  const udp = chronyState(fixture("chrony_tracking_down_udp"), undefined);
  assert.deepEqual(udp, { status: "unreachable", reason: "506 Cannot talk to daemon" });
  const sock = chronyState(fixture("chrony_tracking_down_socket"), undefined);
  assert.deepEqual(sock, { status: "unreachable", reason: "Could not open connection to daemon" });
  const timedOut = chronyState({ code: -1, stdout: "", stderr: "", timedOut: true }, undefined);
  assert.equal(timedOut.status, "unreachable");
  const r = selectClock("chrony", undefined, udp, thresholds);
  assert.deepEqual([r.source, r.quality, r.ntp, r.offsetNs], ["ntp", "freerun", null, null]);
  assert.deepEqual(r.problems, ["chrony: 506 Cannot talk to daemon"]);
});

Deno.test("chronyc output of an unknown shape is a parse error naming it", () => {
  assert.throws(() => parseChronyTracking("7F000001,x,11"), TimesyncParseError);
  assert.throws(
    () => parseChronyTracking(fixture("chrony_tracking_synced").stdout.replace(",11,", ",eleven,")),
    /field 3 \(stratum\) is not a number/,
  );
  assert.throws(() => parseChronySources("^,*,a,b"), /expected 10 comma-separated fields/);
});

Deno.test("chronyc targets: socket path, host:port, [v6]:port, default", () => {
  assert.deepEqual(chronycTarget(""), []);
  assert.deepEqual(chronycTarget("/run/chrony/chronyd.sock"), ["-h", "/run/chrony/chronyd.sock"]);
  assert.deepEqual(chronycTarget("127.0.0.1:323"), ["-h", "127.0.0.1", "-p", "323"]);
  assert.deepEqual(chronycTarget("[::1]:323"), ["-h", "::1", "-p", "323"]);
  assert.deepEqual(chronycTarget("ntp-box"), ["-h", "ntp-box"]);
});

Deno.test("pmc output of a slave: three responses, sending: lines ignored", () => {
  const f = fixture("pmc_slave_uncalibrated");
  const r = parsePmc(f.stdout);
  assert.deepEqual(Object.keys(r).sort(), ["CURRENT_DATA_SET", "PORT_DATA_SET", "TIME_STATUS_NP"]);
  const state = ptpState(f);
  assert.deepEqual(state, {
    status: "answering",
    report: {
      portState: "UNCALIBRATED",
      portIdentity: "2a4dea.fffe.ebd0e8-1",
      gmPresent: true,
      gmIdentity: "b60844.fffe.350f17",
      masterOffsetNs: -235,
      meanPathDelayNs: 2830,
      stepsRemoved: 1,
    },
  });
  const sel = selectClock("auto", state, undefined, thresholds);
  assert.deepEqual([sel.source, sel.quality, sel.offsetNs], ["ptp", "acquiring", -235]);
});

Deno.test("PTP SLAVE: locked under PTP_LOCK_THRESHOLD_NS, tracking above", () => {
  const locked = selectClock("auto", ptpState(slaveFixture(-235)), undefined, thresholds);
  assert.deepEqual([locked.source, locked.quality], ["ptp", "locked"]);
  const far = selectClock("ptp", ptpState(slaveFixture(5000)), undefined, thresholds);
  assert.deepEqual([far.quality, far.ptp?.masterOffsetNs], ["tracking", 5000]);
});

Deno.test("PTP master, listening and absent ptp4l: freerun, auto falls back to chrony", () => {
  const master = ptpState(fixture("pmc_master"));
  assert.ok(master.status === "answering");
  assert.deepEqual([master.report.portState, master.report.gmPresent], ["MASTER", false]);
  const listening = ptpState(fixture("pmc_listening"));
  assert.ok(listening.status === "answering");
  assert.equal(listening.report.portState, "LISTENING");
  const down = ptpState(fixture("pmc_down"));
  assert.deepEqual(down, { status: "unreachable", reason: "ptp4l did not answer" });
  const chrony = chronyState(fixture("chrony_tracking_synced"), fixture("chrony_sources_synced"));
  for (const ptp of [master, listening, down]) {
    assert.equal(selectClock("ptp", ptp, undefined, thresholds).quality, "freerun");
    const auto = selectClock("auto", ptp, chrony, thresholds);
    assert.deepEqual([auto.source, auto.quality], ["ntp", "locked"]);
  }
  const none = selectClock("auto", down, undefined, thresholds);
  assert.deepEqual([none.source, none.quality, none.ptp], ["none", "freerun", null]);
  assert.deepEqual(none.problems, ["PTP: ptp4l did not answer"]);
});

Deno.test("pmc answer missing a field is a parse error; a partial answer is a state", () => {
  const f = fixture("pmc_slave_uncalibrated");
  assert.throws(
    () => ptpState({ ...f, stdout: f.stdout.replace(/\t\tgmPresent.*\n/, "") }),
    /TIME_STATUS_NP has no "gmPresent"/,
  );
  const partial = ptpState({
    ...f,
    stdout: f.stdout.split("\t2a4dea.fffe.ebd0e8-0 seq 2")[0]!,
  });
  assert.deepEqual(partial, {
    status: "unreachable",
    reason: "ptp4l did not answer CURRENT_DATA_SET",
  });
});

Deno.test("the reader runs chronyc and pmc by absolute path with the configured targets", async () => {
  const calls: string[] = [];
  const out = (name: string): CommandResult => ({ ...fixture(name), timedOut: false });
  const reader = createClockReader({
    mode: "auto",
    ptpMasterAddress: "",
    ptpDomain: 3,
    ptpHwTimestamp: false,
    ptpUdsPath: "/run/ptp4l-test",
    ptpLockThresholdNs: 1000,
    ntpServers: [],
    chronySocket: "/run/chrony/test.sock",
    ntpLockThresholdNs: 1_000_000,
  }, {
    run: (path, args) => {
      calls.push([path, ...args].join(" "));
      if (path.endsWith("pmc")) return Promise.resolve(out("pmc_down"));
      return Promise.resolve(
        out(args.includes("tracking") ? "chrony_tracking_synced" : "chrony_sources_synced"),
      );
    },
  });
  const reading = await reader.read();
  assert.deepEqual(calls.sort(), [
    "/usr/bin/chronyc -h /run/chrony/test.sock -n -c sources",
    "/usr/bin/chronyc -h /run/chrony/test.sock -n -c tracking",
    "/usr/sbin/pmc -u -b 0 -d 3 -s /run/ptp4l-test GET TIME_STATUS_NP GET PORT_DATA_SET " +
    "GET CURRENT_DATA_SET",
  ]);
  assert.deepEqual([reading.source, reading.quality], ["ntp", "locked"]);
  const metric = timeMetricSchema.safeParse({ unitId: "u1", ts: Date.now(), ...reading });
  assert.ok(metric.success, metric.success ? "" : JSON.stringify(metric.error.issues));
});

Deno.test("a chronyc that cannot be started is reported, not thrown", async () => {
  const reader = createClockReader({
    mode: "chrony",
    ptpMasterAddress: "",
    ptpDomain: 0,
    ptpHwTimestamp: false,
    ptpUdsPath: "/nonexistent",
    ptpLockThresholdNs: 1000,
    ntpServers: [],
    chronySocket: "",
    ntpLockThresholdNs: 1_000_000,
  }, { chronyc: "/nonexistent/chronyc" });
  const r = await reader.read();
  assert.deepEqual([r.source, r.quality, r.ntp], ["ntp", "freerun", null]);
  assert.match(r.problems[0] ?? "", /^chrony: Cannot run "\/nonexistent\/chronyc"/);
});
