// The configuration's hand-written address checks (mods/config/text_schema.ts, zod-free so that
// the router's guardian loads no zod) against zod's own: the same texts accepted. (When the
// configuration's zod schemas were replaced, every variable was also compared with its zod schema
// on ~90 edge-case texts and its default: same acceptance, same data; the hand-written checks are
// the definition since, and tests/config/ tests them as such.)
import assert from "node:assert/strict";
import * as z from "zod";
import { isCidr, isIpv4, isIpv6 } from "../../mods/config/text_schema.ts";

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
