// The registry's pure parts: subject overlap, and the table's view of leaf nodes and units from
// polls (moves, moves across a gap, two connections of one unit, outages, a hub server that
// missed a poll, forgetting).
import assert from "node:assert/strict";
import {
  FORGET_AFTER_MS,
  type HubReport,
  RegistryTable,
  subjectsOverlap,
  whoNeeds,
} from "../../mods/registry/mod.ts";

Deno.test("subjectsOverlap: wildcards on either side", () => {
  const yes: [string, string][] = [
    ["bridge.audio.>", "bridge.audio.left"],
    ["bridge.audio.>", "bridge.*.left"],
    ["bridge.audio.>", "bridge.>"],
    ["bridge.*.left", "bridge.audio.*"],
    ["ops.echo.a", "ops.echo.a"],
    [">", "x"],
  ];
  const no: [string, string][] = [
    ["bridge.audio.>", "bridge.audio"],
    ["bridge.audio.>", "bridge.video.left"],
    ["bridge.*", "bridge.audio.left"],
    ["ops.echo.a", "ops.echo.b"],
    ["a.b", "a.b.c"],
  ];
  for (const [a, b] of yes) {
    assert.ok(subjectsOverlap(a, b), `${a} ~ ${b}`);
    assert.ok(subjectsOverlap(b, a), `${b} ~ ${a}`);
  }
  for (const [a, b] of no) {
    assert.ok(!subjectsOverlap(a, b), `${a} !~ ${b}`);
    assert.ok(!subjectsOverlap(b, a), `${b} !~ ${a}`);
  }
});

const leaf = (name: string, subjects: string[], rttUs = 900) => ({
  name,
  account: "OPS",
  ip: `10.0.0.${name.length}`,
  rttUs,
  subjects,
});

Deno.test("RegistryTable: units per leaf node, moves (also across a gap), interest", () => {
  const t = new RegistryTable();
  const hub = (...leafs: ReturnType<typeof leaf>[]): HubReport[] => [{ hub: "hub-1", leafs }];
  let c = t.apply(
    hub(
      leaf("r1", ["ops.echo.a", "ops.echo.b", "bridge.audio.>", "_INBOX.x.*"]),
      leaf("r2", ["ops.echo.c"]),
    ),
    1000,
  );
  assert.deepEqual(c.events.map((e) => e.kind), ["leaf_up", "leaf_up"], "first seen: no moves");
  assert.deepEqual(t.leaves().map((l) => [l.name, l.units, l.up]), [
    ["r1", ["a", "b"], true],
    ["r2", ["c"], true],
  ]);
  assert.equal(t.unit("a")?.leaf, "r1");
  assert.deepEqual(c.links, [{ leaf: "r1", hub: "hub-1", rttUs: 900 }, {
    leaf: "r2",
    hub: "hub-1",
    rttUs: 900,
  }]);
  assert.deepEqual(
    t.whoNeeds("bridge.audio.left").map((i) => [i.leaf, i.subjects, i.units]),
    [["r1", ["bridge.audio.>"], ["a", "b"]]],
  );
  // by leaf node name, whatever order the entries come in (the dashboard's follow its KV watch)
  assert.deepEqual(
    whoNeeds([...t.leaves()].reverse(), "ops.echo.>").map((i) => i.leaf),
    ["r1", "r2"],
  );

  // a appears on r2 while r1 still has its interest (r1 notices the gone client later): a move
  c = t.apply(
    hub(leaf("r1", ["ops.echo.a", "ops.echo.b"]), leaf("r2", ["ops.echo.a", "ops.echo.c"])),
    2000,
  );
  assert.deepEqual(c.events, [{ kind: "moved", unitId: "a", from: "r1", to: "r2", atMs: 2000 }]);
  assert.deepEqual(t.unit("a"), {
    unitId: "a",
    leaf: "r2",
    previous: "r1",
    sinceMs: 2000,
    alsoOn: ["r1"],
  });
  // r1 lets go: no new move, and it stays on r2
  c = t.apply(hub(leaf("r1", ["ops.echo.b"]), leaf("r2", ["ops.echo.a", "ops.echo.c"])), 3000);
  assert.deepEqual(c.events, []);
  assert.equal(t.unit("a")?.leaf, "r2");

  // b vanishes (reconnecting), then shows up on r2: a move from r1 across the gap
  c = t.apply(hub(leaf("r1", []), leaf("r2", ["ops.echo.a", "ops.echo.c"])), 4000);
  assert.deepEqual(t.unit("b"), {
    unitId: "b",
    leaf: null,
    previous: "r1",
    sinceMs: 4000,
    alsoOn: [],
  });
  c = t.apply(hub(leaf("r1", []), leaf("r2", ["ops.echo.a", "ops.echo.b", "ops.echo.c"])), 5000);
  assert.deepEqual(c.events, [{ kind: "moved", unitId: "b", from: "r1", to: "r2", atMs: 5000 }]);
  // unchanged polls write nothing
  c = t.apply(hub(leaf("r1", []), leaf("r2", ["ops.echo.a", "ops.echo.b", "ops.echo.c"])), 6000);
  assert.deepEqual([c.leaves, c.units, c.events], [[], [], []]);
});

Deno.test("RegistryTable: a leaf node cut off keeps its units and reports the outage when back", () => {
  const t = new RegistryTable();
  const r1 = leaf("r1", ["ops.echo.a"]);
  t.apply([{ hub: "hub-1", leafs: [r1] }, { hub: "hub-2", leafs: [] }], 1000);
  // hub-1 did not answer this poll: no news about r1
  let c = t.apply([{ hub: "hub-2", leafs: [] }], 2000);
  assert.deepEqual(c.events, []);
  c = t.apply([{ hub: "hub-1", leafs: [] }, { hub: "hub-2", leafs: [] }], 3000);
  assert.deepEqual(c.events, [{ kind: "leaf_down", leaf: "r1", units: ["a"], atMs: 3000 }]);
  assert.equal(t.unit("a")?.leaf, "r1", "cut off with its leaf node, not gone");
  assert.equal(t.leaves()[0]?.up, false);
  // back through the other hub server
  c = t.apply([{ hub: "hub-1", leafs: [] }, { hub: "hub-2", leafs: [r1] }], 11_500);
  const outage = { fromMs: 3000, toMs: 11_500, durationMs: 8500 };
  assert.deepEqual(c.events, [{ kind: "leaf_up", leaf: "r1", outage, atMs: 11_500 }]);
  assert.deepEqual(
    [t.leaves()[0]?.hub, t.leaves()[0]?.outages, t.leaves()[0]?.lastOutage],
    ["hub-2", 1, outage],
  );
  // a restart from the entries kept: no events for what it already knew
  const again = new RegistryTable(t.leaves(), t.units());
  assert.deepEqual(again.apply([{ hub: "hub-2", leafs: [r1] }], 12_000).events, []);
});

Deno.test("RegistryTable: units on no leaf node are forgotten after a day", () => {
  const t = new RegistryTable();
  t.apply([{ hub: "h", leafs: [leaf("r1", ["ops.echo.a"])] }], 0);
  t.apply([{ hub: "h", leafs: [leaf("r1", [])] }], 1000);
  assert.deepEqual(t.apply([{ hub: "h", leafs: [leaf("r1", [])] }], 2000).forgotten, []);
  const c = t.apply([{ hub: "h", leafs: [leaf("r1", [])] }], 1000 + FORGET_AFTER_MS + 1);
  assert.deepEqual(c.forgotten, ["a"]);
  assert.equal(t.unit("a"), undefined);
});
