import { createAccount, createOperator, createUser, type KeyPair } from "@nats-io/nkeys";
import { type NatsServer, startNats } from "./nats.ts";

/** A user of the operator-mode server: its JWT, seed and `.creds` file contents. */
export interface JwtUser {
  /** The user's public NKey (`U…`). */
  readonly publicKey: string;
  /** The user JWT, signed by its account. */
  readonly jwt: string;
  /** The user's NKey seed (`SU…`). */
  readonly seed: string;
  /** What `nsc` would write to a `.creds` file. */
  readonly creds: string;
}

/** Options of a user JWT. */
export interface JwtUserOptions {
  /** Subjects the user may publish to (default: all). */
  readonly pubAllow?: readonly string[];
  /** Subjects the user may subscribe to (default: all). */
  readonly subAllow?: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly expires?: number;
}

/** A nats-server in operator (decentralised JWT) mode with one application account. */
export interface OperatorNatsServer extends AsyncDisposable {
  /** The running server (ports, stop/restart, log). */
  readonly server: NatsServer;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  /** The operator's public NKey (`O…`). */
  readonly operatorPublicKey: string;
  /** The application account's public key. */
  readonly accountPublicKey: string;
  /** Issues a user of the application account, signed by the account key. */
  createUser(name: string, options?: JwtUserOptions): Promise<JwtUser>;
  /** Issues a user signed by a key the server does not trust (for negative tests). */
  createForeignUser(name: string): Promise<JwtUser>;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Encodes and signs a NATS v2 JWT (header `ed25519-nkey`, `jti` = base32 SHA-256 of the claims),
 * the same format `nsc` and the Go jwt library produce.
 */
async function encodeJwt(
  issuer: KeyPair,
  subject: string,
  name: string,
  nats: Record<string, unknown>,
  exp?: number,
): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: "",
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    ...(exp !== undefined ? { exp } : {}),
    nats: { ...nats, version: 2 },
  };
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(JSON.stringify(claims)));
  claims.jti = base32(new Uint8Array(digest));
  const header = base64url(encoder.encode(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" })));
  const body = base64url(encoder.encode(JSON.stringify(claims)));
  const sig = issuer.sign(encoder.encode(`${header}.${body}`));
  return `${header}.${body}.${base64url(sig)}`;
}

const NO_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

function credsFile(jwt: string, seed: string): string {
  return `-----BEGIN NATS USER JWT-----
${jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.
NKEYs are sensitive and should be treated as secrets.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------

*************************************************************
`;
}

async function issueUser(
  account: KeyPair,
  name: string,
  options: JwtUserOptions = {},
): Promise<JwtUser> {
  const user = createUser();
  const jwt = await encodeJwt(account, user.getPublicKey(), name, {
    pub: options.pubAllow ? { allow: options.pubAllow } : {},
    sub: options.subAllow ? { allow: options.subAllow } : {},
    subs: -1,
    data: -1,
    payload: -1,
    type: "user",
  }, options.expires);
  const seed = new TextDecoder().decode(user.getSeed());
  return { publicKey: user.getPublicKey(), jwt, seed, creds: credsFile(jwt, seed) };
}

/**
 * Starts nats-server in operator mode: a fresh operator, a system account and an application
 * account (JWTs generated here with @nats-io/nkeys, `resolver: MEMORY` with both preloaded),
 * TCP and WebSocket on free ports. Users are issued with `createUser()`.
 *
 * @returns the server and the means to issue users; dispose to stop and clean up
 * @example
 * ```ts
 * await using op = await startOperatorNats();
 * const alice = await op.createUser("alice");
 * const nc = await connect({ servers: op.url, authenticator: credsAuthenticator(alice.creds) });
 * ```
 */
export async function startOperatorNats(): Promise<OperatorNatsServer> {
  const operator = createOperator();
  const sys = createAccount();
  const app = createAccount();
  const operatorJwt = await encodeJwt(operator, operator.getPublicKey(), "nunect-test", {
    type: "operator",
    system_account: sys.getPublicKey(),
  });
  const accountJwt = (account: KeyPair, name: string) =>
    encodeJwt(operator, account.getPublicKey(), name, { limits: NO_LIMITS, type: "account" });
  const sysJwt = await accountJwt(sys, "SYS");
  const appJwt = await accountJwt(app, "APP");
  const server = await startWithGeneratedConfig(
    "nunect-operator-",
    `# Generated by tests/_kit/operator.ts: operator mode with a memory resolver.
${LISTENERS}operator: ${operatorJwt}
system_account: ${sys.getPublicKey()}
resolver: MEMORY
resolver_preload: {
  ${sys.getPublicKey()}: ${sysJwt}
  ${app.getPublicKey()}: ${appJwt}
}
`,
  );
  return {
    server,
    url: server.url,
    wsUrl: server.wsUrl,
    operatorPublicKey: operator.getPublicKey(),
    accountPublicKey: app.getPublicKey(),
    createUser: (name, options) => issueUser(app, name, options),
    createForeignUser: (name) => issueUser(createAccount(), name),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

/**
 * Starts nats-server with a given `authorization { … }` block (token or NKey users) instead of
 * the project's accounts, TCP and WebSocket on free ports.
 *
 * @param authorization the body of the authorization block, e.g. `token: "s3cret"`
 * @returns the server; dispose to stop and clean up
 */
export function startNatsWithAuthorization(authorization: string): Promise<NatsServer> {
  return startWithGeneratedConfig(
    "nunect-auth-",
    `${LISTENERS}authorization {
  ${authorization}
}
`,
  );
}

/** The listeners of every generated config: TCP, monitoring and plain WebSocket on free ports. */
const LISTENERS = `server_name: $NATS_SERVER_NAME
host: 127.0.0.1
port: $NATS_PORT
http_port: $NATS_HTTP_PORT
websocket {
  host: 127.0.0.1
  port: $NATS_WS_PORT
  no_tls: true
}
`;

/**
 * Writes `config` to a file in a fresh temporary directory and starts nats-server with it; the
 * returned server removes that directory too when disposed.
 */
async function startWithGeneratedConfig(prefix: string, config: string): Promise<NatsServer> {
  const dir = await Deno.makeTempDir({ prefix });
  const removeDir = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  let server: NatsServer;
  try {
    const configFile = `${dir}/nats-server.conf`;
    await Deno.writeTextFile(configFile, config);
    server = await startNats({ configFile });
  } catch (err) {
    await removeDir();
    throw err;
  }
  const dispose = server[Symbol.asyncDispose].bind(server);
  return Object.assign(server, {
    async [Symbol.asyncDispose]() {
      await dispose();
      await removeDir();
    },
  });
}
