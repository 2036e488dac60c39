import assert from "node:assert/strict";
import { OutageTracker } from "../../mods/guardian/mod.ts";

Deno.test("OutageTracker: one outage per reconnect, missed heartbeats from the interval", () => {
  const t = new OutageTracker(5000);
  assert.equal(t.reconnected(1000), undefined, "no outage without a disconnect");
  t.disconnected(10_000, 41);
  t.disconnected(12_000, 41); // the client reports again while reconnecting: ignored
  assert.equal(t.down, true);
  assert.deepEqual(t.reconnected(32_500), {
    fromMs: 10_000,
    toMs: 32_500,
    durationMs: 22_500,
    heartbeatsMissed: 4,
    lastSeq: 41,
  });
  assert.equal(t.down, false);
  assert.equal(t.reconnected(40_000), undefined, "the same outage is not reported twice");
  t.disconnected(50_000, 50);
  assert.equal(t.reconnected(50_400)?.heartbeatsMissed, 0);
});
