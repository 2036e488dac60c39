import { createAccount, createUser, encodeUser, fmtCreds } from "@nats-io/jwt";
import { type NatsServer, startNats } from "./nats.ts";

/**
 * A `.creds` text for a user signed by an account the server has never heard of (a forged or
 * foreign credential, for negative tests).
 *
 * @param name the user's name
 * @returns the `.creds` contents
 */
export async function foreignCreds(name: string): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser(name, user, createAccount());
  return new TextDecoder().decode(fmtCreds(jwt, user));
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
