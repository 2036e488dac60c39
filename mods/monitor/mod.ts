/**
 * Server-side monitoring for the dashboard: typed, validated fetchers for every HTTP monitoring
 * endpoint of nats-server ({@linkcode MonitorClient}), the whole-cluster view and live connection
 * events through the system account ({@linkcode SysMonitor}), the ≥ 2.10 actions on one server
 * ({@linkcode ServerControl}: KICK, LDM, RELOAD, PROFILEZ, IDZ), message tracing
 * ({@linkcode traceMessage}), the units table fed by `ops.>`
 * telemetry ({@linkcode UnitRegistry}: a pure {@linkcode UnitTable}, its {@linkcode UnitStore} in
 * KV and the {@linkcode UnitHistory} stream; OPS units' telemetry verified by a
 * {@linkcode TelemetryVerifier} against the controller's {@linkcode UnitKeyDirectory}, so a router
 * cannot speak for the units behind it), and which features need a newer server
 * ({@linkcode serverFeatures}; {@linkcode requireFeature} throws nunect's one "requires a newer
 * nats-server" error, {@linkcode FeatureUnavailableError}). Browsers never talk to these directly; the dashboard's
 * routes call them and relay the results.
 *
 * @example
 * ```ts
 * import { MonitorClient, serverFeatures } from "./mod.ts";
 * const mon = new MonitorClient({ url: "http://127.0.0.1:8222" });
 * const varz = await mon.varz();
 * const missing = serverFeatures(varz.version).filter((f) => !f.available);
 * ```
 *
 * @module
 */
export { AccountNames, jwtName } from "./account_names.ts";
export {
  FeatureUnavailableError,
  InvalidMonitorUrlError,
  MonitorResponseError,
  MonitorTimeoutError,
  MonitorUnreachableError,
  ServerActionError,
  SysRequestError,
} from "./errors.ts";
export { CONNZ_SORTS, CONNZ_STATES, MONITOR_ENDPOINTS, MonitorClient } from "./monitor_client.ts";
export type {
  AccountzOptions,
  AccstatzOptions,
  ConnzOptions,
  ConnzSort,
  ConnzState,
  GatewayzOptions,
  HealthzOptions,
  JszOptions,
  MonitorClientOptions,
  MonitorEndpointAnswer,
  MonitorEndpointName,
  MonitorEndpointOptions,
  MonitorQuery,
  RaftzOptions,
  SubsOptions,
  SubszOptions,
} from "./monitor_client.ts";
export type {
  AccountDetail,
  AccountImport,
  AccountStat,
  Accountz,
  Accstatz,
  ClusterInfo,
  ConnInfo,
  Connz,
  ConsumerDetail,
  DataStats,
  Gatewayz,
  Healthz,
  IpQueue,
  Ipqueuesz,
  JetStreamConfig,
  JetStreamStats,
  Jsz,
  JszAccount,
  LeafInfo,
  Leafz,
  PerKind,
  RemoteGateway,
  RouteInfo,
  Routez,
  StreamDetail,
  StreamState,
  SubDetail,
  Subsz,
  Traffic,
  Varz,
} from "./schemas.ts";
export { compareVersions, featureInfo, FEATURES, hasFeature, serverFeatures } from "./features.ts";
export { requireFeature } from "./require_feature.ts";
export { listenerCertificates } from "./listener_certificates.ts";
export type { ListenerCertificate, TlsListener } from "./listener_certificates.ts";
export type { FeatureInfo, FeatureStatus } from "./features.ts";
export { SysMonitor } from "./sys_monitor.ts";
export { parseGoDuration } from "./go_duration.ts";
export type {
  ConnectionEvent,
  ConnectionEventKind,
  PingOptions,
  ServerReply,
  SysMonitorOptions,
  SysMonitorStats,
} from "./sys_monitor.ts";
export { PING_KINDS, PING_SUBJECTS } from "./sys_schemas.ts";
export type {
  EventServer,
  Expvarz,
  Idz,
  PingData,
  PingKind,
  RaftGroup,
  Raftz,
  Statsz,
} from "./sys_schemas.ts";
export { type ProfileName, PROFILES, ServerControl } from "./server_control.ts";
export type { ServerControlOptions, ServerRef } from "./server_control.ts";
export { TRACE_KINDS, traceHops, traceMessage } from "./trace.ts";
export type { MessageTrace, TraceEvent, TraceHop, TraceOptions, TraceStep } from "./trace.ts";
export { RingBuffer } from "./ring_buffer.ts";
export { UNIT_SORTS, unitKey, UnitTable, validateUnitKey } from "./unit_table.ts";
export type {
  AcceptedRecord,
  DroppedMessage,
  DropReason,
  TelemetryMessage,
  UnitChange,
  UnitChangeType,
  UnitPage,
  UnitQuery,
  UnitRecord,
  UnitSort,
  UnitState,
  UnitTableOptions,
  UnitTableStats,
} from "./unit_table.ts";
export { UnitStore } from "./unit_store.ts";
export type { UnitStoreOptions, UnitStoreStats } from "./unit_store.ts";
export { HISTORY_SUBJECT_PREFIX, UnitHistory } from "./unit_history.ts";
export type {
  HistoryEntry,
  HistoryKind,
  HistoryOptions,
  HistoryValue,
  UnitHistoryOptions,
} from "./unit_history.ts";
export { UnitRegistry } from "./unit_registry.ts";
export type { UnitRegistryOptions, UnitRegistryStats } from "./unit_registry.ts";
export { TelemetryVerifier } from "./telemetry_verifier.ts";
export type {
  HeaderReader,
  SignatureCheck,
  SignatureRefusal,
  SignatureStats,
  UnitKeyLookup,
} from "./telemetry_verifier.ts";
export { UnitKeyDirectory } from "./unit_key_directory.ts";
export type { UnitKeyDirectoryOptions } from "./unit_key_directory.ts";
