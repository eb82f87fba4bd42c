export type {
  AdapterCapabilities,
  EventStorageAdapter,
  PreparedEvent,
  PreparedWrite,
  SaveOptions,
  ScanOptions,
  SerialisationGuarantee,
  StreamWrite,
} from "./adapter.js";
export { type Clock, systemClock } from "./clock.js";
export {
  ChronicleError,
  type ChronicleErrorByCode,
  type ChronicleErrorCode,
  type ChronicleErrorOptions,
  ClosedError,
  DuplicateEventIdError,
  InvalidInputError,
  isChronicleError,
  UnavailableError,
  UnmetWriteConditionError,
} from "./errors.js";
export {
  CategoryHandle,
  type CategoryPublishOptions,
  EventReader,
  EventStore,
  type EventStoreOptions,
  LogHandle,
  type LogPublishOptions,
  StreamHandle,
  type StreamPublish,
  type StreamPublishOptions,
} from "./event-store.js";
export type {
  CompleteNewEvent,
  EventMap,
  EventNameOf,
  NewEvent,
  NewEventOf,
  StoredEvent,
  StoredEventOf,
} from "./events.js";
export type {
  NewEventFor,
  ScanOptionsFor,
  StoredEventFor,
  StreamWriteFor,
  UntypedEvents,
} from "./handle-event-types.js";
export { jsonEquals, resolveStoredIds } from "./idempotency.js";
export {
  type CategoryIdentifier,
  categoryIdentifier,
  describeTarget,
  type EventTarget,
  type LogIdentifier,
  logIdentifier,
  type StreamIdentifier,
  streamIdentifier,
} from "./identifiers.js";
export type { JsonObject, JsonValue } from "./json.js";
export { defineProjector } from "./projections/define-projector.js";
export { isOlderProjection, prepareProjection } from "./projections/prepare-projection.js";
export type {
  ProjectionReader,
  ProjectionSource,
  ProjectOptions,
  ProjectProgress,
  SnapshotStore,
} from "./projections/project-options.js";
export type {
  PreparedProjection,
  Projection,
  ProjectionKey,
} from "./projections/projection.js";
export type {
  ProjectionCountQuery,
  ProjectionSearchQuery,
  ProjectionStorageAdapter,
  ProjectionStorageCapabilities,
} from "./projections/projection-storage-adapter.js";
export {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  type ProjectionPage,
  type ProjectionQuery,
  type ProjectionSearchOptions,
  ProjectionStore,
} from "./projections/projection-store.js";
export type {
  Projector,
  ProjectorDefinition,
  ProjectorEvent,
  ProjectorHandler,
  ProjectorHandlers,
  UnknownEvents,
} from "./projections/projector.js";
export { compareCodePoints } from "./queries/compare-strings.js";
export { type CursorQuery, decodeCursor, encodeCursor, queryFingerprint } from "./queries/cursors.js";
export { evaluateFilter } from "./queries/evaluate-filter.js";
export {
  and,
  contains,
  eq,
  exists,
  type Filter,
  gt,
  gte,
  inArray,
  type JsonScalar,
  lt,
  lte,
  matches,
  type NormalisedFilter,
  ne,
  not,
  or,
  startsWith,
} from "./queries/filters.js";
export { normaliseFilter } from "./queries/normalise-filter.js";
export { describePath, normalisePath } from "./queries/normalise-path.js";
export type { NormalisedPath, ProjectionPath, ProjectionPathRoot } from "./queries/paths.js";
export { checkPortableRegex, portableRegExp } from "./queries/portable-regex.js";
export { readJsonPath, readProjectionPath } from "./queries/read-path.js";
export {
  compareProjections,
  compareSortKeys,
  compareSortValues,
  normaliseSort,
  sortValueOf,
  sortValuesOf,
  TIE_BREAKERS,
} from "./queries/sort-order.js";
export type { SortValue } from "./queries/sort-values.js";
export { asc, desc, type NormalisedSort, type Sort } from "./queries/sorting.js";
export { DEFAULT_PAGE_SIZE, latestPageQuery, type ScanInPagesOptions, type ScanPageQuery, scanInPages } from "./scan-pages.js";
export { type KeepProjectionLiveOptions, keepProjectionLive } from "./subscriptions/keep-projection-live.js";
export { storedEventFromJson, storedEventToJson } from "./subscriptions/stored-event-json.js";
export type {
  GroupShareStatus,
  GroupStatus,
  SubscribeOptions,
  SubscriptionGroupContext,
  SubscriptionGroupOptions,
  SubscriptionHandler,
  SubscriptionHandlerContext,
  SubscriptionParkedEvent,
  SubscriptionRetryOptions,
  SubscriptionSource,
  SubscriptionStatus,
} from "./subscriptions/subscribe-options.js";
export { type RetryParkedResult, Subscription } from "./subscriptions/subscription.js";
export {
  type Checkpoint,
  type CheckpointKey,
  type CheckpointQuery,
  type CheckpointReset,
  type CheckpointWrite,
  DEFAULT_GROUP_SHARES,
  type GroupHeartbeat,
  type GroupMember,
  type Lease,
  type LeaseRequest,
  type LeaseToken,
  type ParkedError,
  type ParkedEvent,
  type ParkedQuery,
  type ParkWrite,
  type StopListening,
  type SubscriptionCapabilities,
  type SubscriptionSupport,
  shareOf,
  type WakeUpHint,
} from "./subscriptions/subscription-support.js";
export { uuidv7 } from "./uuid-v7.js";
export {
  type Described,
  describeValue,
  MAX_JSON_DEPTH,
  MAX_NAME_LENGTH,
  type NormalisedScanOptions,
  normaliseScanOptions,
  type PrepareWritesOptions,
  prepareWrites,
  validateDate,
  validateJson,
  validateJsonObject,
  validateName,
  validateStreamIdentifier,
  validateTarget,
} from "./validation.js";
export {
  allOf,
  anyOf,
  describeCondition,
  evaluateCondition,
  evaluateConditionAt,
  noCondition,
  positionIs,
  streamExists,
  streamIsEmpty,
  validateCondition,
  type WriteCondition,
} from "./write-conditions.js";
