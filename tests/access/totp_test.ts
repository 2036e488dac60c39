import assert from "node:assert/strict";
import {
  base32Decode,
  base32Encode,
  otpauthUri,
  totpCode,
  totpStep,
  verifyTotp,
} from "../../mods/access/mod.ts";

const enc = new TextEncoder();

// RFC 6238, Appendix B: the reference implementation's codes (8 digits) for three hashes.
const VECTORS: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

Deno.test("totp: RFC 6238 Appendix B test vectors (SHA-1, SHA-256, SHA-512)", async () => {
  const sha1 = enc.encode("12345678901234567890");
  const sha256 = enc.encode("12345678901234567890123456789012");
  const sha512 = enc.encode("1234567890123456789012345678901234567890123456789012345678901234");
  for (const [t, c1, c256, c512] of VECTORS) {
    const step = totpStep(t * 1000);
    assert.equal(await totpCode(sha1, step, 8), c1, `SHA-1 at ${t}`);
    assert.equal(await totpCode(sha256, step, 8, "SHA-256"), c256, `SHA-256 at ${t}`);
    assert.equal(await totpCode(sha512, step, 8, "SHA-512"), c512, `SHA-512 at ${t}`);
  }
});

Deno.test("totp: base32 round trip (RFC 4648 vectors), and codes accepted once, one step either side", async () => {
  assert.equal(base32Encode(enc.encode("foobar")), "MZXW6YTBOI");
  assert.deepEqual(base32Decode("mzxw 6ytb oi=="), enc.encode("foobar"));
  assert.equal(base32Decode("0189"), undefined, "0, 1, 8 and 9 are not base32");
  const secret = base32Encode(enc.encode("12345678901234567890"));
  const now = 1_111_111_111_000;
  const step = totpStep(now);
  const code = await totpCode(base32Decode(secret)!, step);
  assert.equal(await verifyTotp(secret, code, now), step);
  assert.equal(await verifyTotp(secret, code, now + 30_000), step, "a step late still works");
  assert.equal(await verifyTotp(secret, code, now + 60_000), undefined, "two steps late do not");
  assert.equal(await verifyTotp(secret, code, now, step), undefined, "a used step is refused");
  assert.equal(await verifyTotp(secret, "12345", now), undefined);
  assert.equal(await verifyTotp(secret, "abcdef", now), undefined);
  const uri = new URL(otpauthUri("nunect ops.example", "anna", secret));
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.searchParams.get("secret"), secret);
  assert.equal(uri.searchParams.get("period"), "30");
});
