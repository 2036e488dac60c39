import assert from "node:assert/strict";
import {
  decodeFrame,
  Downsampler,
  encodeFrame,
  type Frame,
  frameOf,
  roundMean,
  valueOf,
} from "../../mods/history/mod.ts";

const encoder = new TextEncoder();

/** A point of `n` units with values as noisy as measured ones. */
function units(n: number, t = 0): Frame {
  const rows: Record<string, Record<string, number>> = {};
  for (let i = 0; i < n; i++) {
    rows[`router-${String(i).padStart(5, "0")}`] = {
      up: 1,
      heartbeat_age_s: Math.round(Math.random() * 5000) / 1000,
      rtt_native_us: 700 + Math.floor(Math.random() * 400),
      rtt_app_us: 1100 + Math.floor(Math.random() * 600),
      // `|| 0`: JSON has no -0, which Math.round gives for small negative values.
      clock_offset_ns: Math.round((Math.random() - 0.5) * 100_000) || 0,
      clock_quality: 3,
    };
  }
  return frameOf("unit", t, 10_000, rows);
}

Deno.test("history codec: a point is stored as brotli-compressed JSON, a third of its JSON or less, and reads back exactly", () => {
  const frame = units(1000);
  const json = encoder.encode(JSON.stringify(frame)).length;
  const [payload, ...more] = encodeFrame(frame);
  assert.equal(more.length, 0, "one message");
  assert.ok(payload!.length * 3 <= json, `${payload!.length} B stored for ${json} B of JSON`);
  assert.deepEqual(decodeFrame(payload!, "br"), frame);
});

Deno.test("history codec: a large point is split by rows into chunks that each decode on their own", () => {
  const frame = units(20_000);
  const chunks = encodeFrame(frame);
  assert.ok(chunks.length > 1, `${chunks.length} chunk`);
  const merged: Record<string, Frame["rows"][string]> = {};
  for (const c of chunks) {
    const part = decodeFrame(c, "br");
    assert.ok(part, "each chunk is a frame");
    assert.equal(part.t, frame.t);
    Object.assign(merged, part.rows);
  }
  assert.deepEqual(merged, frame.rows);
});

Deno.test("history codec: points written before compression (plain JSON, no header) still read; anything else is dropped", () => {
  const frame = units(3);
  const plain = encoder.encode(JSON.stringify(frame));
  assert.deepEqual(decodeFrame(plain), frame);
  assert.deepEqual(decodeFrame(plain, ""), frame, 'nats.js answers a missing header with ""');
  assert.equal(decodeFrame(plain, "br"), undefined, "not brotli");
  assert.equal(decodeFrame(encodeFrame(frame)[0]!, "gzip"), undefined, "unknown encoding");
  assert.equal(decodeFrame(encoder.encode('{"t":1}')), undefined, "not a frame");
  assert.equal(decodeFrame(encoder.encode("{")), undefined, "not JSON");
});

Deno.test("roundMean: means keep 4 significant digits, large ones the integer; integers stay exact", () => {
  assert.equal(roundMean(812.3333333333334), 812.3);
  assert.equal(roundMean(0.16666666666666666), 0.1667);
  assert.equal(roundMean(-3042.5), -3043);
  assert.equal(roundMean(61579264.5), 61579265);
  assert.equal(roundMean(2147483648), 2147483648);
  assert.equal(roundMean(7), 7);
  // Downsampled gauges come out rounded, counters (last values) untouched.
  const ds = new Downsampler([{ name: "1s", stepMs: 1000 }, { name: "3s", stepMs: 3000 }]);
  const out = [0, 1, 2, 3].flatMap((i) =>
    ds.add(
      frameOf("consumer", i * 1000, 1000, {
        c: { num_pending: i === 2 ? 2 : 0, delivered_stream_seq: 1_000_000_007 + i },
      }),
    )
  );
  const coarse = out[0]!.frame;
  assert.equal(valueOf(coarse, "c", "num_pending"), 0.6667);
  assert.equal(valueOf(coarse, "c", "delivered_stream_seq"), 1_000_000_009);
});
