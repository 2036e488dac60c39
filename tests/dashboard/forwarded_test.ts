import assert from "node:assert/strict";
import { addressMatcher, trustForwarded } from "../../routes/forwarded.ts";
import { guardHost } from "../../routes/host.ts";
import { httpsRedirect } from "../../routes/https_redirect.ts";

/** What the app saw: its URL, Host and client address. */
const echo = (req: Request, info: { remoteAddr: Deno.NetAddr }) =>
  Response.json({ url: req.url, host: req.headers.get("host"), client: info.remoteAddr.hostname });

const info = (hostname: string) => ({
  remoteAddr: { transport: "tcp" as const, hostname, port: 40000 },
});

async function seen(
  handler: (req: Request, i: ReturnType<typeof info>) => Response | Promise<Response>,
  peer: string,
  headers: Record<string, string>,
) {
  const res = await handler(new Request("http://127.0.0.1:4280/page?x=1", { headers }), info(peer));
  return res.status === 200 ? await res.json() : res.status;
}

Deno.test("addresses and ranges match IPv4, IPv6 and IPv4-mapped addresses", () => {
  const m = addressMatcher(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1"]);
  for (const a of ["127.0.0.1", "10.200.3.4", "::ffff:10.1.1.1", "fd12::1", "::1", "[::1]"]) {
    assert.ok(m(a), a);
  }
  for (const a of ["127.0.0.2", "11.0.0.1", "fe80::1", "::2", "nginx", "", "10.0.0.256"]) {
    assert.ok(!m(a), a);
  }
  assert.ok(addressMatcher(["0.0.0.0/0"])("203.0.113.9"));
  assert.throws(() => addressMatcher(["10.0.0.0/33"]), /prefix out of range/);
});

Deno.test("forwarded headers count from trusted proxies only; a forwarded name is vetted like Host", async () => {
  const app = trustForwarded(
    guardHost(echo, { names: ["127.0.0.1", "ops.example"], log: () => {} }),
    { trustedProxies: ["127.0.0.1"] },
  );
  const proxied = {
    host: "127.0.0.1:4280",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "ops.example",
    "x-forwarded-for": "198.51.100.7, 127.0.0.1",
  };
  assert.deepEqual(await seen(app, "127.0.0.1", proxied), {
    url: "https://ops.example/page?x=1",
    host: "ops.example",
    client: "198.51.100.7",
  });
  // The same headers from anyone else: ignored (the client is the peer, the scheme http).
  assert.deepEqual(await seen(app, "192.0.2.1", proxied), {
    url: "http://127.0.0.1:4280/page?x=1",
    host: "127.0.0.1:4280",
    client: "192.0.2.1",
  });
  // A trusted proxy relaying a name the dashboard does not have is refused like any Host.
  assert.equal(
    await seen(app, "127.0.0.1", { ...proxied, "x-forwarded-host": "evil.example" }),
    400,
  );
  // A spoofed X-Forwarded-For before the proxy's entry does not become the client.
  assert.equal(
    (await seen(app, "127.0.0.1", { ...proxied, "x-forwarded-for": "1.2.3.4, 203.0.113.5" }))
      .client,
    "203.0.113.5",
  );
  // Without trusted proxies the handler is the app's own.
  assert.equal(trustForwarded(echo, { trustedProxies: [] }), echo);
});

Deno.test("the plain-HTTP listener only redirects to HTTPS, at a name of the dashboard", async () => {
  const redirect = guardHost(httpsRedirect(8443), { names: ["ops.example"], log: () => {} });
  const res = await redirect(
    new Request("http://ops.example/units?q=a", {
      method: "POST",
      headers: { host: "ops.example" },
    }),
    info("192.0.2.1"),
  );
  assert.equal(res.status, 308);
  assert.equal(res.headers.get("location"), "https://ops.example:8443/units?q=a");
  const evil = await redirect(
    new Request("http://evil.example/", { headers: { host: "evil.example" } }),
    info("192.0.2.1"),
  );
  assert.equal(evil.status, 400);
  const standard = httpsRedirect(443)(
    new Request("http://ops.example/", { headers: { host: "ops.example:80" } }),
  );
  assert.equal(standard.headers.get("location"), "https://ops.example/");
});

Deno.test("a forwarded client address keeps the rest of Deno.serve's info (completed)", async () => {
  const delivered = Promise.resolve();
  // As Deno.serve's info: getters on the prototype, which a spread would drop.
  class ServeInfo {
    get remoteAddr(): Deno.NetAddr {
      return info("127.0.0.1").remoteAddr;
    }
    get completed(): Promise<void> {
      return delivered;
    }
  }
  let got: Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
  const app = trustForwarded((_req, i: Deno.ServeHandlerInfo<Deno.NetAddr>) => {
    got = i;
    return new Response("ok");
  }, { trustedProxies: ["127.0.0.1"] });
  const req = new Request("http://127.0.0.1:4280/", {
    headers: { "x-forwarded-for": "198.51.100.7" },
  });
  await app(req, new ServeInfo() as Deno.ServeHandlerInfo<Deno.NetAddr>);
  assert.equal(got?.remoteAddr.hostname, "198.51.100.7");
  assert.equal(got?.completed, delivered);
});
