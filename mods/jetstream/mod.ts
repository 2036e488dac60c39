/**
 * The JetStream console's logic: streams, consumers, messages, KV buckets, object stores and
 * micro services of every account, as typed functions over a connection inside that account.
 * Messages are read without consumers (direct get, batched where the server has it), so browsing,
 * searching and exporting never change a stream; features newer servers add throw mods/monitor's
 * `FeatureUnavailableError` naming the version (the one "requires a newer nats-server" error). Which credentials act in which account is the
 * {@linkcode AccountConnector}'s decision, never this module's.
 *
 * @example
 * ```ts
 * import { AccountPool, StreamReader } from "./mod.ts";
 * const { nc } = await pool.connect("BRIDGE", { user: "admin", role: "admin" });
 * await new StreamReader(nc, "ORDERS").read({ seq: 1, limit: 50 }, (m) => console.log(m.seq));
 * ```
 *
 * @module
 */
export {
  AccountUnavailableError,
  InvalidInputError,
  NotFoundError,
  ReservedSubjectError,
  ServerRefusedError,
} from "./errors.ts";
export type { FieldIssue, ObjectKind } from "./errors.ts";
export { AccountPool } from "./accounts.ts";
export type {
  AccountConnector,
  AccountContext,
  AccountCredentials,
  Dialer,
  Requester,
} from "./accounts.ts";
export type { Header } from "./_wire.ts";
export { StreamReader } from "./reader.ts";
export type {
  ReadMethod,
  ReadOptions,
  ReadSummary,
  StoredMessage,
  StreamReaderOptions,
} from "./reader.ts";
export { browseMessages, readerFor } from "./browse.ts";
export type { MessagePage, PageOptions, PageStart } from "./browse.ts";
export { natsCommands, summarize, viewMessage } from "./message_view.ts";
export type { MessageSummary, MessageView, PayloadKind } from "./message_view.ts";
export {
  STREAM_FIELD_FEATURES,
  STREAM_PRESETS,
  streamFormFields,
  streamPreset,
  validateStreamConfig,
} from "./stream_config.ts";
export type {
  DurationInput,
  FormField,
  StreamConfigInput,
  StreamConfigValue,
  StreamDefaulted,
  StreamPreset,
  StreamSourceInput,
  SubjectTransform,
} from "./stream_config.ts";
export {
  createStream,
  deleteStream,
  estimatePurge,
  listStreams,
  purgeStream,
  streamInfo,
  streamRow,
  updateStream,
} from "./streams.ts";
export type {
  PurgeEstimate,
  PurgeRequest,
  StreamFilter,
  StreamList,
  StreamRow,
} from "./streams.ts";
export { parseDuration } from "./_schema.ts";
export {
  assertPublishable,
  deleteMessage,
  getMessage,
  publishMessage,
  republishMessage,
  requestMessage,
} from "./messages.ts";
export type { OutgoingMessage, PublishResult, RequestReply } from "./messages.ts";
export { parseScanCriteria, resolveRange, scanRange } from "./scan.ts";
export type { ScanBatch, ScanCriteria, ScanRange } from "./scan.ts";
export { searchMessages } from "./search.ts";
export type { SearchEvent, SearchOptions } from "./search.ts";
export { EXPORT_FORMATS, EXPORT_MEDIA_TYPES, exportMessages, exportRecord } from "./export.ts";
export type { ExportFormat, ExportOptions, ExportProgress } from "./export.ts";
export { REPLAY_HEADER, replayHeaders, replayMessages } from "./replay.ts";
export type { ReplayOptions, ReplayProgress, ReplayResult } from "./replay.ts";
export { CONSUMER_FIELD_FEATURES, validateConsumerConfig } from "./consumer_config.ts";
export type { ConsumerConfigInput, ConsumerConfigValue } from "./consumer_config.ts";
export {
  consumerInfo,
  consumerRow,
  createConsumer,
  deleteConsumer,
  listConsumers,
  pauseConsumer,
  resetConsumer,
  resumeConsumer,
  unpinConsumer,
  updateConsumer,
} from "./consumers.ts";
export type { ConsumerRow } from "./consumers.ts";
export type { ConsumerInfo, StreamInfo } from "./nats_types.ts";
export {
  DEAD_LETTER_STREAM,
  deadLetterStatus,
  deleteDeadLetter,
  enableDeadLetters,
  listDeadLetters,
  MAX_DELIVERIES_SUBJECT,
  MSG_TERMINATED_SUBJECT,
  replayDeadLetter,
} from "./dead_letters.ts";
export type { DeadLetter, DeadLetterCause, DeadLetterStatus } from "./dead_letters.ts";
export {
  createBucket,
  deleteBucket,
  getEntry,
  keyHistory,
  listBuckets,
  listKeys,
  purgeAllKeys,
  putKey,
  removeKey,
  revertKey,
  supportsKeyTtl,
  validateKey,
  watchKeys,
} from "./kv.ts";
export type {
  BucketConfigInput,
  BucketRow,
  EntryView,
  KeyListOptions,
  KeyPage,
  KeyRow,
  KeyUpdate,
  KvOperation,
  PutInput,
} from "./kv.ts";
export {
  createObjectStore,
  deleteObject,
  deleteObjectStore,
  downloadObject,
  linkObject,
  listObjects,
  listObjectStores,
  objectInfo,
  sealObjectStore,
  updateObjectMeta,
  uploadObject,
} from "./objects.ts";
export type {
  ObjectMetaInput,
  ObjectRow,
  ObjectStoreConfigInput,
  ObjectStoreRow,
} from "./objects.ts";
export { accountServices, callEndpoint, listServices, subjectMatches } from "./services.ts";
export type { EndpointCall, EndpointRow, ServiceList, ServiceRow } from "./services.ts";
export { inferShape, schemaView } from "./schema_view.ts";
export type { Shape, SubjectSchema } from "./schema_view.ts";
