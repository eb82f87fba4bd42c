export type { JsonObject, JsonValue } from "./json.js";
export type { CompleteNewEvent, NewEvent, StoredEvent } from "./events.js";
export {
  type CategoryIdentifier,
  type EventTarget,
  type LogIdentifier,
  type StreamIdentifier,
  categoryIdentifier,
  describeTarget,
  logIdentifier,
  streamIdentifier,
} from "./identifiers.js";
export {
  type WriteCondition,
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
} from "./write-conditions.js";
export {
  type ChronicleErrorCode,
  type ChronicleErrorOptions,
  ChronicleError,
  ClosedError,
  DuplicateEventIdError,
  InvalidInputError,
  UnavailableError,
  UnmetWriteConditionError,
  isChronicleError,
} from "./errors.js";
export { type Clock, systemClock } from "./clock.js";
export { uuidv7 } from "./uuid-v7.js";
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
export {
  MAX_JSON_DEPTH,
  MAX_NAME_LENGTH,
  type NormalisedScanOptions,
  type PrepareWritesOptions,
  describeValue,
  normaliseScanOptions,
  prepareWrites,
  validateDate,
  validateJson,
  validateJsonObject,
  validateName,
  validateStreamIdentifier,
  validateTarget,
} from "./validation.js";
export { DEFAULT_PAGE_SIZE, type ScanPageQuery, scanInPages } from "./scan-pages.js";
export { jsonEquals, resolveStoredIds } from "./idempotency.js";
export {
  type CategoryPublishOptions,
  type EventStoreOptions,
  type LogPublishOptions,
  type StreamPublish,
  type StreamPublishOptions,
  CategoryHandle,
  EventReader,
  EventStore,
  LogHandle,
  StreamHandle,
} from "./event-store.js";
