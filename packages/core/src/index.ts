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
export type { CompleteNewEvent, NewEvent, StoredEvent } from "./events.js";
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
export { DEFAULT_PAGE_SIZE, latestPageQuery, type ScanPageQuery, scanInPages } from "./scan-pages.js";
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
