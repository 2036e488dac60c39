import assert from "node:assert/strict";
import { browserRuntime } from "../../mods/client/browser_runtime.ts";
import { connect as connectBrowser } from "../../mods/client/browser.ts";
import { nodeRuntime } from "../../mods/client/node_runtime.ts";
import { InvalidOptionError, UnsupportedTransportError } from "../../mods/client/mod.ts";

Deno.test("browser entry: nats:// and certificate files are refused before dialling, with what to do instead", async () => {
  await assert.rejects(
    connectBrowser({ servers: "tls://127.0.0.1:4222", unitId: "b1" }),
    (e: unknown) =>
      e instanceof UnsupportedTransportError &&
      e.message === 'Unsupported server "tls://127.0.0.1:4222": browsers cannot open TCP ' +
          "connections; use ws:// or wss://",
  );
  await assert.rejects(
    connectBrowser({ servers: "wss://127.0.0.1:1", unitId: "b1", tls: { caFile: "/ca.pem" } }),
    (e: unknown) =>
      e instanceof InvalidOptionError &&
      /^Invalid option tls\.caFile: a browser's WebSocket/.test(e.message),
  );
  assert.throws(() => browserRuntime.checkTls!({ cert: "x", key: "y" }, "ws"), /tls\.cert/);
});

Deno.test("node entry without the ws package: wss:// with a custom CA says to install ws", async () => {
  // Deno has a global WebSocket, but a CA for wss:// needs npm ws in Node; here "ws" is absent.
  await assert.rejects(
    nodeRuntime.webSocket({ caFile: "/ca.pem" }, undefined),
    (e: unknown) =>
      e instanceof UnsupportedTransportError &&
      /the built-in WebSocket cannot use a custom CA or client certificate; install the "ws" package/
        .test(e.message),
  );
  const given = class {
    constructor(readonly url: string) {}
  };
  const open = await nodeRuntime.webSocket(undefined, given as never);
  assert.equal(
    (open("ws://x:1") as unknown as { url: string }).url,
    "ws://x:1",
    "a given class wins",
  );
});
