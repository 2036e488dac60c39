/**
 * The test kit: starts real servers (nats-server with the project's own configuration in operator
 * mode, with per-unit credentials from the controller; clusters of them sharing one identity;
 * routers' leaf nodes from their bundles, linked to them; token/NKey servers; the whole stack
 * under its supervisor), network namespaces joined by veth pairs with a toxiproxy to put faults on
 * the links between them, and runs the project's programs under their production permission sets.
 * Everything it starts is AsyncDisposable: `await using ns = await startNats()`. Also: a real
 * Prometheus scraping a target, nginx and Caddy in front of the dashboard, throw-away TLS certificates (and servers that verify client
 * certificates), free ports, the RSS and CPU of a process, Node binaries of other versions, a
 * project that installed the npm package, permission checks, and waiting for a condition or an
 * event. The nats-server they run is {@linkcode testServer} (the managed current one, or
 * `NATS_SERVER_BIN`); other pinned Go programs come from `toolPath`.
 *
 * @module
 */
export { startNats, TEST_HUB_UNIT, testIdentity } from "./nats.ts";
export type { Authenticator } from "../../mods/client/nats_types.ts";
export type { NatsServer, StartNatsOptions, TestIdentity, Users } from "./nats.ts";
export { PROJECT_DIR } from "./project.ts";
export {
  type ControllerService,
  hubEnvText,
  runScript,
  type ScriptResult,
  startControllerService,
} from "./script.ts";
export { runProgram, spawnProcess, spawnProgram } from "./program.ts";
export type { ProgramOptions, ProgramResult, RunningProgram } from "./program.ts";
export { foreignCreds, startNatsWithAuthorization } from "./auth.ts";
export { assertNatsOnly, probeAccess } from "./permissions.ts";
export { startCluster } from "./cluster.ts";
export type { NatsCluster, StartClusterOptions } from "./cluster.ts";
export { startLeafNode } from "./leaf.ts";
export type { LeafNode, StartLeafNodeOptions } from "./leaf.ts";
export { startNetns } from "./netns.ts";
export type { Netns, NetnsCommandOptions } from "./netns.ts";
export { startToxiproxy } from "./toxiproxy.ts";
export type { ToxicLink, Toxiproxy } from "./toxiproxy.ts";
export { startTopology } from "./topology.ts";
export type { Router, StartTopologyOptions, Topology } from "./topology.ts";
export { testCertificates } from "./certs.ts";
export { nginxBin, startNginx } from "./nginx.ts";
export type { Nginx, StartNginxOptions } from "./nginx.ts";
export { caddyBin, startCaddy } from "./caddy.ts";
export type { Caddy, StartCaddyOptions } from "./caddy.ts";
export type { ReverseProxy } from "./reverse_proxy.ts";

export type { TestCertificates } from "./certs.ts";
export { freePorts } from "./ports.ts";
export { firstEvent, until } from "./wait.ts";
export {
  expectPublishRefused,
  expectSubscribeAllowed,
  expectSubscribeRefused,
} from "./permissions.ts";
export {
  guardianEnv,
  guardianFlags,
  guardianMemoryEnv,
  startGuardianProgram,
  startRegistryProgram,
} from "./guardian.ts";
export { testServer } from "./server_bin.ts";
export { natscli } from "./natscli.ts";
export type { NatsCliResult } from "./natscli.ts";
export { toolPath } from "../../mods/tools/mod.ts";
export { natsServerVersion, needs, serverHas } from "./version.ts";
export { routerArtefact } from "./router.ts";
export type { RouterArch, RouterArtefact } from "./router.ts";
export { startMuslRoot } from "./musl_root.ts";
export type { MuslRoot, MuslSpawnOptions } from "./musl_root.ts";
export { prometheusBin, startExporter, startPrometheus } from "./prometheus.ts";
export type { Exporter, Prometheus, StartPrometheusOptions } from "./prometheus.ts";
export { NODE_VERSIONS, nodeBinary } from "./node.ts";
export { CONSUMER_PACKAGES, npmConsumer, runCommand } from "./npm.ts";
export type { NpmConsumer } from "./npm.ts";
export { alive, stackConnect, stackCreds, startStack, testEnv } from "./stack.ts";
export type { Stack, StartStackOptions } from "./stack.ts";
export { cpuMs, residentKiB, rssKiB } from "./proc.ts";
export type { ResidentMemory } from "./proc.ts";
export { sampleHeartbeat, sampleRtt } from "./messages.ts";
