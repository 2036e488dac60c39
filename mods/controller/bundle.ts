import { validateUnitId } from "../protocol/mod.ts";
import type { AuditRequest } from "../audit/mod.ts";
import { encodeAccountJwt } from "./accounts.ts";
import type { Controller } from "./controller.ts";
import { IdentityRequestError } from "./errors.ts";
import { routerRelayPermissions } from "./permissions.ts";
import type { UserRecord } from "./store.ts";
import { tarArchive } from "./tar.ts";

/** What {@linkcode provisionRouter} is asked for. */
export interface ProvisionRequest {
  /** The router's unit ID (its guardian, its leaf node's name). */
  readonly unitId: string;
  /**
   * The hub's leaf node URL as the router reaches it, e.g. `nats-leaf://hub.example:7422`;
   * several hub servers (a cluster) comma-separated: the leaf node links through one and fails
   * over to another when that link is cut.
   */
  readonly hubLeafUrl: string;
  /** The router's guardian is the time master. */
  readonly timeMaster?: boolean;
  /** Revoke the router's current credentials (a stolen or rebuilt router) and issue new ones. */
  readonly replace?: boolean;
  /** Where the bundle's files go on the router (default `/etc/nunect`). */
  readonly installDir?: string;
  /**
   * Where the leaf node keeps the account JWTs the hub sends (its resolver directory is
   * `<stateDir>/jwt`; default `/var/lib/nunect`, created when missing): writable, unlike the
   * install directory may be. On OpenWRT /var is in RAM: after a reboot the leaf node starts from
   * the bundle's JWTs and takes the hub's within seconds of linking (the controller sends them
   * again every 10 s).
   */
  readonly stateDir?: string;
  /** The leaf node's local listener (default 127.0.0.1, port 4222, monitoring 8222). */
  readonly local?: { readonly host?: string; readonly port?: number; readonly httpPort?: number };
  /** The hub's leaf port speaks TLS: how the router's link checks it and proves itself. */
  readonly tls?: LeafLinkTls;
}

/** TLS on a router's link to the hub (the hub's NATS_TLS_CERT set). */
export interface LeafLinkTls {
  /**
   * The CA that signed the hub's certificate (PEM text, NATS_TLS_CA's contents), shipped as
   * `hub-ca.pem`; absent: the router's system CAs.
   */
  readonly hubCa?: string;
  /**
   * The hub requires a client certificate on its leaf port (NATS_LEAF_TLS_VERIFY=verify): the
   * link presents `<unit>.crt` and `<unit>.key` from the install directory, which the operator
   * puts there (signed by the hub's NATS_TLS_CLIENT_CA). The credentials are still the login.
   */
  readonly clientCertificate?: boolean;
}

/** A router's bundle: its credentials, its guardian's environment and its leaf node's config. */
export interface RouterBundle {
  /** The router's unit ID. */
  readonly unitId: string;
  /** The guardian user issued for it. */
  readonly user: UserRecord;
  /**
   * File name to contents: `<unit>.creds`, `<unit>.link.creds`, `guardian.env`, `leaf.conf`,
   * `README.txt`.
   */
  readonly files: Readonly<Record<string, string>>;
  /** The same files as one tar archive (`<unit>/…`), for a download. */
  tar(): Uint8Array;
}

/**
 * Provisions a router in one step: issues its guardian unit user (in OPS, permissions naming the
 * unit) and its claims link, and writes the files a router needs. Its leaf node runs in operator
 * mode with the operator's and accounts' public JWTs, so the local guardian authenticates with the
 * same `.creds` as the link to the hub: one identity, and the hub applies that unit's permissions
 * to everything the link carries. A second link joins the leaf node's system account to the
 * hub's with the claims link user (see `routerClaimsLinkPermissions`): the account JWTs the
 * controller pushes reach the leaf node's full resolver, so a unit revoked on the hub is
 * disconnected from the router's server and refused there too (nats-server ≥ 2.9 on both sides).
 * Revoking the router disconnects both links and refuses them from then on: a stolen router's
 * credentials stop working. The bundle holds no signing key.
 *
 * @param controller the controller
 * @param request the router and where it reaches the hub
 * @param actor who asks (recorded as `user.issue` for the router's unit)
 * @param context the dashboard request it is made for: the unit's record carries it
 * @returns the bundle
 */
export async function provisionRouter(
  controller: Controller,
  request: ProvisionRequest,
  actor: string,
  context?: AuditRequest,
): Promise<RouterBundle> {
  const unitId = validateUnitId(request.unitId);
  const hubUrls = request.hubLeafUrl.split(",").map((u) => u.trim());
  for (const url of hubUrls) {
    if (!/^(nats-leaf|nats|tls):\/\/[^\s@",]+$/.test(url)) {
      throw new IdentityRequestError(
        `Invalid hub leaf URL "${
          url.slice(0, 200)
        }": expected nats-leaf://host:port (no user in it; several comma-separated)`,
      );
    }
  }
  const relay = routerRelayPermissions();
  const issued = await controller.issueUnit(
    {
      account: "OPS",
      unitId,
      role: "guardian",
      extraPub: relay.pub,
      extraSub: relay.sub,
      ...(request.timeMaster ? { timeMaster: true } : {}),
      ...(request.replace ? { replace: true } : {}),
    },
    actor,
    context,
  );
  const link = await controller.issueRouterLink(unitId, actor);
  const store = controller.store;
  const operator = await store.operator();
  const accounts = await store.accounts();
  const jwts = await Promise.all(
    accounts.map(async (a) => [a, await encodeAccountJwt(a, operator, accounts)] as const),
  );
  const ops = accounts.find((a) => a.kind === "ops")!;
  const sys = accounts.find((a) => a.kind === "system")!;
  const dir = (request.installDir ?? "/etc/nunect").replace(/\/$/, "");
  const credsPath = `${dir}/${unitId}.creds`;
  const linkCredsPath = `${dir}/${unitId}.link.creds`;
  const jwtDir = `${(request.stateDir ?? "/var/lib/nunect").replace(/\/$/, "")}/jwt`;
  const host = request.local?.host ?? "127.0.0.1";
  const port = request.local?.port ?? 4222;
  const httpPort = request.local?.httpPort ?? 8222;
  const stamp = new Date().toISOString();
  const tls = request.tls;
  const tlsBlock = tls
    ? [
      "      tls {",
      ...(tls.hubCa ? [`        ca_file: "${dir}/hub-ca.pem"`] : []),
      ...(tls.clientCertificate
        ? [`        cert_file: "${dir}/${unitId}.crt"`, `        key_file: "${dir}/${unitId}.key"`]
        : []),
      "      }",
    ].map((l) => `${l}\n`).join("")
    : "";

  const leafConf =
    `# nunect leaf node of router ${unitId}, made by \`deno task identity provision\` (${stamp}).
# The local guardian and apps connect to nats://${host}:${port} with ${unitId}.creds; the link to
# the hub authenticates as the same router, so the hub applies its permissions to everything the
# link carries: ${unitId}'s telemetry goes up, its echo requests and ops.time.config come down.
# Operator mode with the accounts' public JWTs (no keys). The second link, ${unitId}.link.creds,
# joins this server's system account to the hub's for one thing only: the account JWTs the hub's
# controller pushes (revocations, limits) reach this server's resolver, which keeps them in
# ${jwtDir} (newer than the ones below, which only seed it). Run: nats-server -c ${dir}/leaf.conf
server_name: ${unitId}
host: ${host}
port: ${port}
http: "${host}:${httpPort}"

operator: ${await store.operatorJwt()}
system_account: ${sys.publicKey}
resolver {
  type: full
  dir: "${jwtDir}"
  allow_delete: false
  # The link lets no request out: this server cannot ask the hub, it is told.
  interval: "24h"
}
resolver_preload: {
${jwts.map(([a, jwt]) => `  # ${a.name}\n  ${a.publicKey}: ${jwt}`).join("\n")}
}

leafnodes {
  remotes: [
    {
      urls: [${hubUrls.map((u) => `"${u}"`).join(", ")}]
      credentials: "${credsPath}"
      account: ${ops.publicKey}
${tlsBlock}    }
    {
      urls: [${hubUrls.map((u) => `"${u}"`).join(", ")}]
      credentials: "${linkCredsPath}"
      account: ${sys.publicKey}
${tlsBlock}    }
  ]
}
`;
  const guardianEnv = `# guardian of router ${unitId} (${stamp}): /etc/nunect/guardian.env
NATS_URL=nats://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}
UNIT_ID=${unitId}
NATS_CREDS=${credsPath}
TIME_MASTER=${request.timeMaster ? "true" : "false"}
TIME_SYNC_MODE=auto
`;
  const readme = `Router ${unitId}: credentials and configuration made by nunect (${stamp}).

  ${unitId}.creds   this router's identity (secret: mode 0600, root only)
  ${unitId}.link.creds  the leaf server's claims link: receives account updates (secret too)
  guardian.env      the guardian's settings (config/openwrt, config/systemd read it)
  leaf.conf         the local nats-server, linked to ${hubUrls.join(" or ")}${
    tls?.hubCa ? "\n  hub-ca.pem        the CA that signed the hub's certificate" : ""
  }${
    tls?.clientCertificate
      ? `\n\nThe hub asks for a client certificate on its leaf port: put this router's certificate and
key, signed by the hub's NATS_TLS_CLIENT_CA, at ${dir}/${unitId}.crt and ${dir}/${unitId}.key.`
      : ""
  }

Install (as root):
  mkdir -p ${dir} && cp ${unitId}.creds ${unitId}.link.creds guardian.env leaf.conf${
    tls?.hubCa ? " hub-ca.pem" : ""
  } ${dir}/ && chmod 600 ${credsPath} ${linkCredsPath}
  nats-server -c ${dir}/leaf.conf          (or its service) and the guardian service

If the router is lost or stolen: revoke ${unitId} in the dashboard (Units) or with
\`deno task identity revoke ${unitId}\`; its link is closed and refused from then on.
`;
  const files: Record<string, string> = {
    [`${unitId}.creds`]: issued.creds,
    [`${unitId}.link.creds`]: link.creds,
    "guardian.env": guardianEnv,
    "leaf.conf": leafConf,
    "README.txt": readme,
    ...(tls?.hubCa ? { "hub-ca.pem": tls.hubCa } : {}),
  };
  return {
    unitId,
    user: issued.user,
    files,
    tar: () =>
      tarArchive(
        Object.entries(files).map(([name, content]) => ({
          name: `${unitId}/${name}`,
          content,
          mode: name.endsWith(".creds") ? 0o600 : 0o644,
        })),
      ),
  };
}
