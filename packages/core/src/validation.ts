import type { PreparedEvent, PreparedWrite, ScanOptions, StreamWrite } from "./adapter.js";
import { type Clock, systemClock } from "./clock.js";
import { InvalidInputError } from "./errors.js";
import type { NewEvent } from "./events.js";
import type { EventTarget, StreamIdentifier } from "./identifiers.js";
import type { JsonObject, JsonValue } from "./json.js";
import { uuidv7 } from "./uuid-v7.js";
import { noCondition, validateCondition } from "./write-conditions.js";

/** What a value is called in error messages: a string, or a function that builds it only when a message is needed. */
export type Described = string | (() => string);

function describe(what: Described): string {
  return typeof what === "string" ? what : what();
}

/** The longest category, stream, event name or event id, in characters (code points). */
export const MAX_NAME_LENGTH = 255;

/** How deeply a payload or metadata value may nest. */
export const MAX_JSON_DEPTH = 512;

/**
 * Checks a category, stream or event name (or an event id): a well-formed,
 * non-empty string of at most 255 characters without NUL characters, which no
 * storage could keep faithfully. Throws `INVALID_INPUT` otherwise.
 */
export function validateName(value: unknown, what: Described): string {
  // The common case, with no description built.
  if (isPlainName(value)) return value;
  return checkName(value, describe(what));
}

/** A valid name of at most 255 UTF-16 units, which is at most 255 code points: what nearly every name is. */
function isPlainName(value: unknown): value is string {
  return (
    typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH && value.isWellFormed() && !value.includes("\u0000")
  );
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new InvalidInputError(`${what} must be a string, got ${describeValue(value)}`);
  }
  if (value.length === 0) {
    throw new InvalidInputError(`${what} must not be empty`);
  }
  // Code points, not UTF-16 units: what databases count as characters.
  let length = 0;
  for (const _ of value) {
    length += 1;
    if (length > MAX_NAME_LENGTH) {
      throw new InvalidInputError(`${what} must be at most ${MAX_NAME_LENGTH} characters long`);
    }
  }
  if (!value.isWellFormed()) {
    throw new InvalidInputError(`${what} contains a lone surrogate: it is not well-formed Unicode`);
  }
  if (value.includes("\u0000")) {
    throw new InvalidInputError(`${what} must not contain NUL characters`);
  }
  return value;
}

/** Checks a log, category or stream identifier. Throws `INVALID_INPUT` otherwise. */
export function validateTarget(target: unknown, what: Described = "target"): EventTarget {
  if (typeof target !== "object" || target === null) {
    throw new InvalidInputError(
      `${describe(what)} must be an identifier such as streamIdentifier("profiles", "joe"), got ${describeValue(target)}`,
    );
  }
  const candidate = target as { type?: unknown; category?: unknown; stream?: unknown };
  switch (candidate.type) {
    case "log":
      return { type: "log" };
    case "category":
      return { type: "category", category: validateName(candidate.category, () => `${describe(what)}.category`) };
    case "stream":
      return {
        type: "stream",
        category: validateName(candidate.category, () => `${describe(what)}.category`),
        stream: validateName(candidate.stream, () => `${describe(what)}.stream`),
      };
    default:
      throw new InvalidInputError(`${describe(what)}.type must be "log", "category" or "stream", got ${describeValue(candidate.type)}`);
  }
}

/** Checks a stream identifier. Throws `INVALID_INPUT` otherwise. */
export function validateStreamIdentifier(target: unknown, what: Described = "target"): StreamIdentifier {
  const checked = validateTarget(target, what);
  if (checked.type !== "stream") {
    throw new InvalidInputError(`${describe(what)} must be a stream identifier, got a ${checked.type} identifier`);
  }
  return checked;
}

/**
 * Checks that `value` is JSON that survives a round trip unchanged: no
 * `undefined`, functions, symbols, BigInts, non-finite numbers, array holes,
 * cycles or class instances (such as `Date`, whose JSON form does not parse back
 * into a `Date`). Throws `INVALID_INPUT` naming the offending path.
 */
export function validateJson(value: unknown, path: Described): JsonValue {
  // A fast pass builds no path strings; only a failure walks again to name the offending path.
  if (!isJsonValue(value)) checkJson(value, describe(path), 0, new Set());
  return value as JsonValue;
}

/** The objects and arrays enclosing the value `isJson` is looking at: one array, reused, since checks never overlap. */
const ancestorsInWalk: object[] = [];

function isJsonValue(value: unknown): boolean {
  // Scalars, the most common payload fields, need no walk at all.
  if (typeof value !== "object" || value === null) return isJson(value, 0, ancestorsInWalk);
  ancestorsInWalk.length = 0;
  return isJson(value, 0, ancestorsInWalk);
}

function isJson(value: unknown, depth: number, ancestors: object[]): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_JSON_DEPTH || ancestors.includes(value)) return false;
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      if (!(index in value) || !isJson(value[index], depth + 1, ancestors)) return false;
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key of Object.keys(value)) {
      if (!isJson((value as Record<string, unknown>)[key], depth + 1, ancestors)) return false;
    }
  }
  ancestors.pop();
  return true;
}

function checkJson(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new InvalidInputError(`${path} is ${value}, which JSON cannot represent`);
      return;
    case "object":
      break;
    default:
      throw new InvalidInputError(`${path} is ${describeValue(value)}, which is not JSON`);
  }
  if (value === null) return;
  if (depth >= MAX_JSON_DEPTH) throw new InvalidInputError(`${path} nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (ancestors.has(value)) throw new InvalidInputError(`${path} refers back to itself: a cycle is not JSON`);
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      if (!(index in value)) throw new InvalidInputError(`${path}[${index}] is a hole in a sparse array, which is not JSON`);
      checkJson(value[index], `${path}[${index}]`, depth + 1, ancestors);
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new InvalidInputError(`${path} is ${describeValue(value)}: only plain objects and arrays are JSON`);
    }
    for (const key of Object.keys(value)) {
      checkJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1, ancestors);
    }
  }
  ancestors.delete(value);
}

/** Checks that `value` is a plain JSON object (event metadata). Throws `INVALID_INPUT` otherwise. */
export function validateJsonObject(value: unknown, path: Described): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${describe(path)} must be a plain object, got ${describeValue(value)}`);
  }
  return validateJson(value, path) as JsonObject;
}

/** Checks that `value` is a valid `Date` and returns a copy of it. Throws `INVALID_INPUT` otherwise. */
export function validateDate(value: unknown, path: Described): Date {
  if (Object.prototype.toString.call(value) !== "[object Date]") {
    throw new InvalidInputError(`${describe(path)} must be a Date, got ${describeValue(value)}`);
  }
  const time = (value as Date).getTime();
  if (Number.isNaN(time)) throw new InvalidInputError(`${describe(path)} is an invalid Date`);
  return new Date(time);
}

/** Options of `prepareWrites`. */
export interface PrepareWritesOptions {
  /** Fills in `observedAt`. Defaults to the system clock. */
  clock?: Clock;
  /** Whether more than one write is allowed. Defaults to `true`. */
  multiStreamWrites?: boolean;
}

/**
 * Validates a save's writes and fills in every default (ids, dates, metadata,
 * condition), so an adapter can store them as they are. Throws `INVALID_INPUT`
 * before anything is written: bad names, non-JSON payloads or metadata, invalid
 * dates or conditions, a stream named twice, an event id given twice.
 *
 * Payloads and metadata are serialised here, once; the returned events carry
 * the JSON text beside the values.
 */
export function prepareWrites(writes: unknown, options: PrepareWritesOptions = {}): PreparedWrite[] {
  const handed = typeof writes === "object" && writes !== null ? (writes as { [HANDED_OVER]?: HandedOver })[HANDED_OVER] : undefined;
  if (handed !== undefined) {
    // Prepared by the EventStore already: only the stamps it left to the adapter's clock remain.
    checkStreamCount(handed.writes.length, options);
    stamp(handed.unstamped, options.clock ?? systemClock);
    handed.unstamped = [];
    return handed.writes;
  }
  return prepare(writes, options, false).writes;
}

/** The placeholder date of an event waiting for the adapter's clock; `stamp` replaces it before any adapter sees it. */
const UNSTAMPED = new Date(Number.NaN);

/** Events whose `observedAt` (and maybe `occurredAt`) waits for the adapter's clock. */
type Unstamped = { event: { observedAt: Date; occurredAt: Date }; occurredAtDefaulted: boolean }[];

/** What the EventStore prepared, and the stamps it left to the adapter's clock. */
interface HandedOver {
  writes: PreparedWrite[];
  unstamped: Unstamped;
}

/**
 * The key under which the frozen copies handed to the adapter carry what the
 * EventStore prepared. A property, not a WeakMap: V8's young-generation
 * collections keep every WeakMap value alive, so each publish's events would
 * survive into the old generation and make garbage collection a large share of a
 * publish. Private to this module, so no input can carry it.
 */
const HANDED_OVER = Symbol("prepared writes");

/**
 * Prepares writes for the EventStore and returns frozen plain copies to hand to
 * the adapter: events without `observedAt` unless the store has a clock, so an
 * adapter's own clock stamps them. An adapter that calls `prepareWrites` on
 * those copies gets the prepared writes back without validating or serialising
 * them again.
 *
 * @internal
 */
export function prepareForAdapter(writes: unknown, options: PrepareWritesOptions): readonly StreamWrite[] {
  const deferStamps = options.clock === undefined;
  const { writes: prepared, unstamped } = prepare(writes, options, deferStamps);
  const copies = prepared.map((write) =>
    Object.freeze({
      target: write.target,
      condition: write.condition,
      events: Object.freeze(
        write.events.map((event) => {
          const copy: { -readonly [Key in keyof NewEvent]: NewEvent[Key] } = {
            id: event.id,
            name: event.name,
            payload: event.payload,
            metadata: event.metadata,
          };
          // Dates still waiting for the adapter's clock hold the placeholder itself.
          if (event.observedAt !== UNSTAMPED) copy.observedAt = event.observedAt;
          if (event.occurredAt !== UNSTAMPED) copy.occurredAt = event.occurredAt;
          return Object.freeze(copy);
        }),
      ),
    }),
  );
  const handed: HandedOver = { writes: prepared, unstamped };
  Object.defineProperty(copies, HANDED_OVER, { value: handed });
  return Object.freeze(copies);
}

function checkStreamCount(count: number, options: PrepareWritesOptions): void {
  if (options.multiStreamWrites === false && count > 1) {
    throw new InvalidInputError("this adapter does not support writes to several streams in one save");
  }
}

function stamp(unstamped: Unstamped, clock: Clock): void {
  if (unstamped.length === 0) return;
  const now = validateDate(clock.now(), "clock.now()");
  for (const { event, occurredAtDefaulted } of unstamped) {
    event.observedAt = new Date(now.getTime());
    if (occurredAtDefaulted) event.occurredAt = new Date(now.getTime());
  }
}

function eventPath(writeIndex: number, eventIndex: number): string {
  return `writes[${writeIndex}].events[${eventIndex}]`;
}

function prepare(writes: unknown, options: PrepareWritesOptions, deferStamps: boolean): { writes: PreparedWrite[]; unstamped: Unstamped } {
  if (!Array.isArray(writes)) throw new InvalidInputError(`writes must be an array, got ${describeValue(writes)}`);
  checkStreamCount(writes.length, options);
  const clock = options.clock ?? systemClock;
  let now: Date | undefined;
  const streams = new Set<string>();
  // Ids given twice can only occur with more than one event.
  const ids = writes.length > 1 || (writes[0] as { events?: unknown[] } | undefined)?.events?.length !== 1 ? new Set<string>() : undefined;
  const unstamped: Unstamped = [];
  // Array.from visits holes of sparse arrays (as undefined), which map would skip unchecked.
  const prepared = Array.from(writes as unknown[], (write, writeIndex): PreparedWrite => {
    const path = () => `writes[${writeIndex}]`;
    if (typeof write !== "object" || write === null)
      throw new InvalidInputError(`${path()} must be an object, got ${describeValue(write)}`);
    const candidate = write as { target?: unknown; events?: unknown; condition?: unknown };
    const target = validateStreamIdentifier(candidate.target, () => `${path()}.target`);
    if (writes.length > 1) {
      // NUL cannot occur in a valid name, so it separates category from stream unambiguously.
      const key = `${target.category}\u0000${target.stream}`;
      if (streams.has(key)) {
        throw new InvalidInputError(`stream ${target.category}/${target.stream} is named by more than one write in one save`);
      }
      streams.add(key);
    }
    const condition = candidate.condition === undefined ? noCondition() : validateCondition(candidate.condition, `${path()}.condition`);
    if (!Array.isArray(candidate.events)) {
      throw new InvalidInputError(`${path()}.events must be an array, got ${describeValue(candidate.events)}`);
    }
    const events: PreparedEvent[] = [];
    // Indexing reads holes of sparse arrays as undefined, so they are checked (map would skip them).
    const rawEvents = candidate.events as unknown[];
    for (let eventIndex = 0; eventIndex < rawEvents.length; eventIndex += 1) {
      // No closure per event: descriptions are built only when a check fails.
      const event = rawEvents[eventIndex];
      if (typeof event !== "object" || event === null) {
        throw new InvalidInputError(`${eventPath(writeIndex, eventIndex)} must be an object, got ${describeValue(event)}`);
      }
      const raw = event as {
        id?: unknown;
        name?: unknown;
        payload?: unknown;
        metadata?: unknown;
        occurredAt?: unknown;
        observedAt?: unknown;
      };
      const name = isPlainName(raw.name) ? raw.name : checkName(raw.name, `${eventPath(writeIndex, eventIndex)}.name`);
      if (!("payload" in raw) || raw.payload === undefined)
        throw new InvalidInputError(`${eventPath(writeIndex, eventIndex)}.payload is missing: use null for no payload`);
      const payload = isJsonValue(raw.payload)
        ? (raw.payload as JsonValue)
        : validateJson(raw.payload, `${eventPath(writeIndex, eventIndex)}.payload`);
      const metadata = raw.metadata === undefined ? {} : validateJsonObject(raw.metadata, `${eventPath(writeIndex, eventIndex)}.metadata`);
      const id =
        raw.id === undefined ? uuidv7() : isPlainName(raw.id) ? raw.id : checkName(raw.id, `${eventPath(writeIndex, eventIndex)}.id`);
      if (ids?.has(id)) throw new InvalidInputError(`event id ${JSON.stringify(id)} is given more than once in one save`);
      ids?.add(id);
      const deferred = raw.observedAt === undefined && deferStamps;
      let observedAt: Date;
      if (deferred) {
        observedAt = UNSTAMPED;
      } else if (raw.observedAt === undefined) {
        now ??= validateDate(clock.now(), "clock.now()");
        observedAt = new Date(now.getTime());
      } else {
        observedAt = validateDate(raw.observedAt, `${eventPath(writeIndex, eventIndex)}.observedAt`);
      }
      const occurredAtDefaulted = raw.occurredAt === undefined;
      let occurredAt: Date;
      if (!occurredAtDefaulted) occurredAt = validateDate(raw.occurredAt, `${eventPath(writeIndex, eventIndex)}.occurredAt`);
      else occurredAt = deferred ? UNSTAMPED : new Date(observedAt.getTime());
      const preparedEvent: PreparedEvent = {
        id,
        name,
        payload,
        metadata,
        occurredAt,
        observedAt,
        payloadJson: JSON.stringify(payload),
        metadataJson: raw.metadata === undefined ? "{}" : JSON.stringify(metadata),
        idGenerated: raw.id === undefined,
      };
      if (deferred) unstamped.push({ event: preparedEvent as { observedAt: Date; occurredAt: Date }, occurredAtDefaulted });
      events.push(preparedEvent);
    }
    return { target, condition, events };
  });
  return { writes: prepared, unstamped };
}

/** Scan options after validation, with defaults filled in. */
export interface NormalisedScanOptions {
  readonly direction: "forwards" | "backwards";
  readonly after: bigint | undefined;
  readonly before: bigint | undefined;
  readonly fromPosition: number | undefined;
  readonly toPosition: number | undefined;
  readonly names: readonly string[] | undefined;
  readonly limit: number | undefined;
  readonly pageSize: number | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Validates scan options for a target. Throws `INVALID_INPUT` otherwise. */
export function normaliseScanOptions(target: EventTarget, options: ScanOptions = {}): NormalisedScanOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidInputError(`scan options must be an object, got ${describeValue(options)}`);
  const direction = options.direction ?? "forwards";
  if (direction !== "forwards" && direction !== "backwards") {
    throw new InvalidInputError(`direction must be "forwards" or "backwards", got ${describeValue(direction)}`);
  }
  const sequence = (value: unknown, name: string): bigint | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== "bigint")
      throw new InvalidInputError(`${name} must be a bigint sequence number such as 42n, got ${describeValue(value)}`);
    return value;
  };
  const position = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    if (target.type !== "stream") throw new InvalidInputError(`${name} applies to stream targets only, not to a ${target.type}`);
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new InvalidInputError(`${name} must be a non-negative integer, got ${describeValue(value)}`);
    }
    return value;
  };
  const count = (value: unknown, name: string, minimum: number): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum) {
      throw new InvalidInputError(`${name} must be an integer of at least ${minimum}, got ${describeValue(value)}`);
    }
    return value;
  };
  let names: string[] | undefined;
  if (options.names !== undefined) {
    if (!Array.isArray(options.names))
      throw new InvalidInputError(`names must be an array of event names, got ${describeValue(options.names)}`);
    names = [...new Set(Array.from(options.names as unknown[], (name, index) => validateName(name, `names[${index}]`)))];
  }
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || typeof signal.aborted !== "boolean")) {
    throw new InvalidInputError(`signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
  return {
    direction,
    after: sequence(options.after, "after"),
    before: sequence(options.before, "before"),
    fromPosition: position(options.fromPosition, "fromPosition"),
    toPosition: position(options.toPosition, "toPosition"),
    names,
    limit: count(options.limit, "limit", 0),
    pageSize: count(options.pageSize, "pageSize", 1),
    signal,
  };
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "bigint":
      return `the BigInt ${value}n`;
    case "string":
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case "object": {
      const constructorName = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return constructorName && constructorName !== "Object" ? `an instance of ${constructorName}` : "an object";
    }
    default:
      return String(value);
  }
}
