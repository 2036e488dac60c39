import { NodeTransport } from "@nats-io/transport-node/lib/node_transport.js";
import type { TlsOptions } from "@nats-io/nats-core/internal";
import { readFile } from "node:fs/promises";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as NodeTlsOptions } from "node:tls";
import { globalWebSocket, TLS_MATERIAL } from "./browser_runtime.ts";
import { certificateDiagnosis } from "./certificates.ts";
import { DispatchTransport } from "./dispatch_transport.ts";
import { UnsupportedTransportError } from "./errors.ts";
import { nativeAuthenticator } from "./native_auth.ts";
import { signTelemetry } from "./telemetry_signer.ts";
import type { Runtime } from "./transport.ts";
import type { WebSocketLike } from "./ws_transport.ts";

// A variable, so that bundlers and type checkers leave the optional dependency alone.
const WS_PACKAGE = "ws";

/** npm `ws`: a W3C-style WebSocket whose second argument takes Node's TLS options. */
type WsPackageSocket = new (url: string, options?: NodeTlsOptions) => WebSocketLike;

async function loadWsPackage(): Promise<WsPackageSocket | undefined> {
  try {
    const mod = await import(WS_PACKAGE) as { WebSocket?: WsPackageSocket; default?: unknown };
    return mod.WebSocket ?? mod.default as WsPackageSocket;
  } catch {
    return undefined;
  }
}

function hasMaterial(tls: TlsOptions | null | undefined): tls is TlsOptions {
  return !!tls && TLS_MATERIAL.some((k) => tls[k] !== undefined);
}

/** Node's TLS options from nats.js ones, files read now (so renewed files count at a redial). */
async function nodeTlsMaterial(tls: TlsOptions | null | undefined): Promise<NodeTlsOptions> {
  if (!tls) return {};
  const read = (file: string | undefined, inline: unknown) =>
    file ? readFile(file, "utf8") : Promise.resolve(inline as string | undefined);
  const [ca, cert, key] = await Promise.all([
    read(tls.caFile, tls.ca),
    read(tls.certFile, tls.cert),
    read(tls.keyFile, tls.key),
  ]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** How long the probe waits for a server's INFO and for its verdict on the handshake. */
const PROBE_TIMEOUT_MS = 10_000;

/** Reads a NATS server's INFO line from a fresh socket (undefined if none comes in time). */
function readInfo(socket: Socket): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let text = "";
    socket.setTimeout(PROBE_TIMEOUT_MS, () => resolve(undefined));
    socket.once("error", () => resolve(undefined));
    socket.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const line = /^INFO\s+(\{.*\})\s*\r\n/.exec(text)?.[1];
      if (line === undefined && !text.includes("\r\n")) return;
      socket.removeAllListeners("data");
      socket.setTimeout(0);
      try {
        resolve(line ? JSON.parse(line) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * Finds out why a TLS dial failed when the runtime did not say: Node's built-in WebSocket says
 * only "network error", and a server that rejects a client certificate may reset the connection
 * before its alert is read (TLS 1.3 finishes the client's handshake first, and the client has
 * already written). This asks a NATS server's INFO whether it wants a client certificate at all,
 * then shakes hands with the same options and writes nothing, so that the server's verdict
 * arrives as an alert, and waits for that verdict however long a loaded server takes to give it
 * (not for a fixed time).
 *
 * @param url the `tls://`, `nats://` or `wss://` URL that failed
 * @param tls the TLS options
 * @returns the TLS error, or undefined when the handshake was accepted
 */
async function probeTls(url: string, tls: TlsOptions | undefined): Promise<unknown> {
  const ws = /^wss:/i.test(url);
  const u = new URL(url.replace(/^[a-z]+:/i, "http:"));
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || (ws ? 443 : 4222));
  const material = await nodeTlsMaterial(tls);
  let socket: Socket | undefined;
  if (!ws) {
    socket = netConnect(port, host);
    const info = await readInfo(socket);
    if (info?.tls_required !== true && !(info?.tls_available === true && tls)) {
      socket.destroy();
      return undefined;
    }
    if (info.tls_verify === true && material.cert === undefined) {
      socket.destroy();
      return new Error("The server requires a client certificate (its INFO says tls_verify)");
    }
  }
  const isIp = /^[\d.]+$|:/.test(host);
  const secure = tlsConnect({
    ...(socket ? { socket } : { host, port }),
    ...(isIp ? {} : { servername: host }),
    ...material,
  });
  return await new Promise<unknown>((resolve) => {
    const done = (result: unknown) => {
      secure.destroy();
      resolve(result);
    };
    // No verdict in time (a server that neither answers nor closes): nothing to explain.
    secure.setTimeout(PROBE_TIMEOUT_MS, () => done(undefined));
    secure.once("error", (err) => done(err));
    secure.once("close", () => done(undefined));
    // The server's verdict on the client: in TLS 1.2 the finished handshake; in TLS 1.3 the
    // client finishes first and the verdict follows, as an alert or as a session ticket (which
    // nats-server, like every Go server, sends only once it has accepted the client).
    secure.once("secureConnect", () => {
      if (secure.getProtocol() !== "TLSv1.3") done(undefined);
    });
    secure.once("session", () => done(undefined));
  });
}

/**
 * Node.js: `nats://`/`tls://` through @nats-io/transport-node; `ws://`/`wss://` through the
 * global WebSocket (Node 22+), or npm `ws` where there is none (Node 20) or where a CA or client
 * certificate is configured (the built-in one cannot take them).
 */
export const nodeRuntime: Runtime = {
  transport: () => new DispatchTransport(),
  nativeAuthenticator,
  signTelemetry,
  tcp: () => new NodeTransport(),
  certificates: certificateDiagnosis((path) => readFile(path, "utf8"), probeTls),
  async webSocket(tls, given) {
    if (given !== undefined) return (url: string) => new given(url);
    const builtIn = globalWebSocket();
    if (!hasMaterial(tls) && builtIn !== undefined) return (url: string) => new builtIn(url);
    const Ws = await loadWsPackage();
    if (Ws === undefined) {
      throw new UnsupportedTransportError(
        hasMaterial(tls)
          ? "Unsupported TLS options for wss:// in Node: the built-in WebSocket cannot use a " +
            'custom CA or client certificate; install the "ws" package (npm install ws)'
          : "Unsupported transport WebSocket: this Node has no global WebSocket; install the " +
            '"ws" package (npm install ws) or pass a WebSocket class as the webSocket option',
      );
    }
    return async (url: string) => new Ws(url, await nodeTlsMaterial(tls));
  },
};
