// The configuration's hand-written checks (mods/config/text_schema.ts, zod-free so that the
// router's guardian loads no zod) against the zod schemas they replaced (_zod_schema.ts) and
// zod's own address checks: the same values accepted, the same data out, so the two cannot drift.
import assert from "node:assert/strict";
import * as z from "zod";
import { sections, type Variable } from "../../mods/config/mod.ts";
import { isCidr, isIpv4, isIpv6 } from "../../mods/config/text_schema.ts";
import { zodSections } from "./_zod_schema.ts";

/** Texts that hit every kind of variable's edges: numbers, words, URLs, addresses, lists. */
const SAMPLES = [
  ...["", " ", "0", "1", "-1", "-2", "00", "007", "99", "100", "1000", "5000", "65535", "65536"],
  ...["300000", "300001", "9007199254740991", "9007199254740992", "99999999999999999999"],
  ...["1.5", "1e3", "0x10", "+1", " 1", "1 ", "abc", "true", "false", "TRUE", "yes", "no"],
  ...["ptp", "chrony", "auto", "off", "verify", "verify_and_map", "url", "id", "name"],
  ...["nunect-hub", "a.b", "a b", "x".repeat(64), "x".repeat(65), "admin", "ops.alerts"],
  ...["ops.*", "ops..x", ".ops", "metric_prefix", "9prefix", "change-me-secret"],
  ...["x".repeat(11), "x".repeat(12), "x".repeat(15), "x".repeat(16), "x".repeat(32)],
  ...["127.0.0.1", "::1", "0.0.0.0", "::", "localhost", "10.0.0.0/8", "fd00::/8"],
  ...["127.0.0.1, 10.0.0.0/8", "127.0.0.1,,::1", "1.2.3.256", "10.0.0.0/33", "a,b , c", ","],
  ...["nats://127.0.0.1:4222", "tls://h:1", "ws://h", "wss://h:8443", "nats://a b", "nats://"],
  ...["nats-leaf://hub.example:7422", "nats-leaf://u@hub:7422", "http://127.0.0.1:8222/"],
  ...["https://x.example/a/", "http://", "http://[::1]:8222", "ftp://x", "smtp://mail:25"],
  ...["smtps://mail", "ws://h:8443/", "wss://", "/usr/bin/nats-server", "relative/path"],
  ...["256MB", "10gb", "10 GB", "1TB", "5X", "10s:1d,1m:7d,1h:365d", "10s:1d", "1m:7d,10s:1d"],
  ...["10s:5s", "7s:1d,10s:1d", "10s:1d,1m:1d", "10s:1d,,1m:7d", "10x:1d"],
];

const ADDRESSES = [
  ...["127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4 "],
  ...["::", "::1", "fe80::1:2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.4"],
  ...["fe80::1%eth0", "::@1\\", "::1\n", "[::1]", "gggg::1", "1::2::3", ":1", "12345::1"],
  ...["10.0.0.0/8", "10.0.0.0/0", "10.0.0.0/32", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/"],
  ...["fd00::/8", "::/0", "::/128", "::/129", "::/01", "::/-0", "::/1/2", "fd00::", "/8"],
  ...["10.0.0.0/64", "localhost", "", " "],
];

Deno.test("the IP and CIDR checks accept exactly what zod's do", () => {
  const zodAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
  for (const text of ADDRESSES) {
    const what = JSON.stringify(text);
    assert.equal(isIpv4(text), z.ipv4().safeParse(text).success, `ipv4 ${what}`);
    assert.equal(isIpv6(text), z.ipv6().safeParse(text).success, `ipv6 ${what}`);
    assert.equal(
      isCidr(text),
      z.union([z.cidrv4(), z.cidrv6()]).safeParse(text).success,
      `cidr ${what}`,
    );
    assert.equal(
      isIpv4(text) || isIpv6(text) || isCidr(text),
      zodAddress.safeParse(text).success,
      `address ${what}`,
    );
  }
});

Deno.test("every variable accepts what its zod schema accepted and yields the same value", () => {
  const ours = Object.entries(sections).flatMap(([section, vars]) =>
    Object.entries(vars as Record<string, Variable<unknown>>).map(([key, v]) => ({
      at: `${section}.${key}`,
      v,
    }))
  );
  const theirs = new Map<string, Variable<unknown>>(
    Object.entries(zodSections).flatMap(([section, vars]) =>
      Object.entries(vars).map(([key, v]) => [`${section}.${key}`, v] as const)
    ),
  );
  const samples = [
    ...SAMPLES,
    ...ADDRESSES,
    ...ours.flatMap(({ v }) => v.fallback ?? []),
  ];
  let compared = 0;
  for (const { at, v } of ours) {
    const reference = theirs.get(at);
    assert.ok(reference, `${at} (${v.name}) has no zod schema in tests/config/_zod_schema.ts`);
    assert.equal(v.name, reference.name, at);
    assert.equal(v.fallback, reference.fallback, at);
    for (const text of samples) {
      const mine = v.schema.safeParse(text);
      const zods = reference.schema.safeParse(text);
      assert.equal(mine.success, zods.success, `${v.name}=${JSON.stringify(text)}`);
      if (mine.success && zods.success) {
        assert.deepEqual(mine.data, zods.data, `${v.name}=${JSON.stringify(text)}`);
      }
      compared++;
    }
    assert.equal(v.schema.safeParse(5).success, false, `${v.name} refuses a non-string`);
  }
  assert.equal(theirs.size, ours.length, "_zod_schema.ts names a variable the contract lacks");
  assert.ok(compared > 5000);
});
