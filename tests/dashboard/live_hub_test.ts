import assert from "node:assert/strict";
import {
  applyUnitsEvent,
  DEFAULT_UNITS_QUERY,
  LiveHub,
  type LiveTopic,
  OverviewSampler,
} from "../../mods/dashboard/mod.ts";
import type { UnitState } from "../../mods/monitor/mod.ts";
import { formatAxisTime } from "../../components/format.ts";

// The hub, the units view and the chart's time labels are pure: no server, no clock.

const decoder = new TextDecoder();
const text = (frames: readonly { bytes: Uint8Array }[]) =>
  frames.map((f) => decoder.decode(f.bytes));

function hub(bufferSize = 5) {
  return new LiveHub({
    epoch: "boot1",
    bufferSize,
    snapshot: (topic: LiveTopic) => topic === "units" ? [{ reset: true }] : [],
  });
}

Deno.test("live hub: IDs are <epoch>-<seq>, each frame encoded once for every subscriber", () => {
  const h = hub();
  const got: string[] = [];
  const other: Uint8Array[] = [];
  h.subscribe(["activity"], undefined, (f) => got.push(decoder.decode(f.bytes)));
  h.subscribe(["activity"], undefined, (f) => other.push(f.bytes));
  const f = h.publish("activity", { n: 1 });
  h.publish("units", { n: 2 });
  assert.deepEqual(got, ['id: boot1-1\nevent: activity\ndata: {"n":1}\n\n']);
  assert.equal(other[0], f.bytes, "the same bytes, not a copy");
  assert.equal(h.cursor(), "boot1-2");
});

Deno.test("live hub: an ID of this boot resumes with exactly the missed events of its topics", () => {
  const h = hub();
  h.publish("activity", { n: 1 });
  const at = h.cursor();
  h.publish("units", { n: 2 });
  h.publish("activity", { n: 3 });
  const { backlog } = h.subscribe(["activity"], at, () => {});
  assert.equal(backlog.kind, "replay");
  assert.deepEqual(text(backlog.frames), ['id: boot1-3\nevent: activity\ndata: {"n":3}\n\n']);
  assert.equal(h.subscribe(["units"], h.cursor(), () => {}).backlog.frames.length, 0);
});

Deno.test("live hub: another boot's ID, a future one or a gap gets a snapshot", () => {
  const h = hub(2);
  for (let n = 1; n <= 4; n++) h.publish("units", { n });
  // boot1-1 is older than the buffer (it holds 3 and 4): events 2 would be missing.
  for (const after of ["boot0-3", "boot1-9", "boot1-1", "3", "", "boot1-x"]) {
    const { backlog } = h.subscribe(["units"], after, () => {});
    assert.equal(backlog.kind, "snapshot", after);
    assert.deepEqual(text(backlog.frames), ['id: boot1-4\nevent: units\ndata: {"reset":true}\n\n']);
  }
  // The oldest resumable position: everything after it is still buffered.
  assert.equal(h.subscribe(["units"], "boot1-2", () => {}).backlog.kind, "replay");
  assert.equal(h.stats().snapshots, 6);
});

Deno.test("units view: deltas replace the page's units in place, never go back in time, and say when to fetch the page again", () => {
  const unit = (unitId: string, lastSeen: number) =>
    ({ key: unitId, account: "OPS", unitId, lastSeen }) as UnitState;
  const stats = null as never;
  const query = DEFAULT_UNITS_QUERY;
  const empty = { now: 0, query, total: 0, units: [], stats };
  // A reset for the page's own query is the page; for another query, fetch.
  let r = applyUnitsEvent(empty, {
    reset: true,
    now: 10,
    query,
    total: 2,
    units: [unit("a", 10), unit("b", 10)],
    stats,
  });
  assert.equal(r.refetch, false);
  assert.deepEqual(r.view.units.map((u) => u.unitId), ["a", "b"]);
  const other = applyUnitsEvent({ ...empty, query: { ...query, offset: 100 } }, {
    reset: true,
    now: 10,
    query,
    total: 2,
    units: [],
    stats,
  });
  assert.equal(other.refetch, true);
  // Changes of the page's units apply in place; an older state never replaces a newer one.
  r = applyUnitsEvent(r.view, {
    now: 20,
    changed: [unit("b", 20), unit("a", 5)],
    removed: [],
    more: false,
    stats,
  });
  assert.equal(r.refetch, false);
  assert.deepEqual(r.view.units.map((u) => [u.unitId, u.lastSeen]), [["a", 10], ["b", 20]]);
  assert.equal(r.view.now, 20);
  // A unit off the page, a removal, or too many changes: fetch the page again.
  const delta = { now: 30, changed: [], removed: [], more: false, stats };
  assert.equal(applyUnitsEvent(r.view, { ...delta, changed: [unit("c", 30)] }).refetch, true);
  assert.equal(applyUnitsEvent(r.view, { ...delta, removed: ["b"] }).refetch, true);
  assert.equal(applyUnitsEvent(r.view, { ...delta, more: true }).refetch, true);
  // A tenant's unit of the same ID is another unit, by its key: not on this page.
  const tenant = { ...unit("a", 40), key: "BRIDGE.a", account: "BRIDGE" };
  const t = applyUnitsEvent(r.view, { ...delta, changed: [tenant] });
  assert.equal(t.refetch, true);
  assert.deepEqual(t.view.units.map((u) => [u.key, u.lastSeen]), [["a", 10], ["b", 20]]);
  // Sorted by a changing value, any change may reorder the page.
  const bySeen = { ...r.view, query: { ...query, sort: "seen" as const } };
  assert.equal(applyUnitsEvent(bySeen, { ...delta, changed: [unit("a", 40)] }).refetch, true);
});

Deno.test("chart time labels are UTC times of day, never dates", () => {
  const t = Date.UTC(2026, 11, 1, 21, 4, 0) / 1000;
  assert.equal(formatAxisTime(t), "21:04");
  assert.equal(formatAxisTime(t + 30), "21:04:30");
});

Deno.test("overview sampler: concurrent readers share one read; consecutive reads make rates", async () => {
  let reads = 0;
  let t = Date.UTC(2026, 0, 1);
  const fake = () => {
    reads++;
    t += 60_000;
    const n = reads * 6000;
    return Promise.resolve({
      varz: {
        now: new Date(t).toISOString(),
        in_msgs: n,
        out_msgs: 2 * n,
        in_bytes: 10 * n,
        out_bytes: 20 * n,
        cpu: 1,
        mem: 2,
        connections: 3,
      },
      healthz: { status: "ok" },
    } as never);
  };
  const states: unknown[] = [];
  const sampler = new OverviewSampler(fake, {
    intervalMs: 60_000,
    onOverview: (s) => states.push(s),
  });
  try {
    await Promise.all(Array.from({ length: 50 }, () => sampler.sample()));
    assert.equal(reads, 1, "fifty readers, one read");
    await sampler.sample(0); // too old for this reader: read again
    assert.equal(reads, 2);
    const s = sampler.series();
    assert.deepEqual(s.t, [t / 1000]);
    assert.deepEqual(s.inMsgs, [100], "6,000 messages in a minute");
    assert.deepEqual(s.outBytes, [2000]);
    assert.equal(states.length, 2);
  } finally {
    sampler.stop();
  }
});
