import type { JsonObject, JsonValue, NewEvent } from "@chronicle/core";
import { type RandomProjections, randomProjections } from "./random-projections.js";

/**
 * A deterministic source of test data: the same seed gives the same sequence of
 * values on every machine, so a failure found with a seed can be replayed.
 */
export interface Random extends RandomProjections {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  integer(min: number, max: number): number;
  /** `true` or `false`, evenly. */
  boolean(): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of `items` (Fisher–Yates); `items` is left as it was. */
  shuffle<T>(items: readonly T[]): T[];
  /** A short string mixing ASCII with the Unicode that storage most often mangles. */
  string(): string;
  /** A valid category name such as `"orders-4821"`. */
  categoryName(): string;
  /** A valid stream name such as `"joe-77"`. */
  streamName(): string;
  /** A valid event name such as `"order-shipped"`. */
  eventName(): string;
  /** A nested JSON value of bounded size: objects, arrays, Unicode strings, numbers, booleans and nulls. */
  payload(): JsonValue;
  /** A small JSON object, as event metadata. */
  metadata(): JsonObject;
  /** A date between 2000 and 2040 with millisecond precision. */
  date(): Date;
  /** An id in the UUID format, drawn from this generator (so it repeats with the seed). */
  uuid(): string;
  /** A `NewEvent` with an id, name, payload, metadata and `occurredAt`. */
  newEvent(): NewEvent;
  /** `count` events from `newEvent()`. */
  newEvents(count: number): NewEvent[];
}

const WORDS = ["orders", "profiles", "carts", "invoices", "accounts", "shipments", "payments", "users", "tickets", "devices"];
const NAMES = ["joe", "jane", "ada", "grace", "linus", "zoë", "björk", "李雷", "amélie", "omar"];
const VERBS = ["created", "renamed", "shipped", "paid", "cancelled", "archived", "restored", "updated", "closed", "opened"];

// Fragments that storage layers are known to get wrong: multi-byte and astral
// characters, combining marks, right-to-left text, NUL, quotes and backslashes.
const FRAGMENTS = [
  "hello",
  "Chronicle",
  "日本語",
  "中文字符",
  "🎉",
  "👩‍👩‍👧",
  "e\u0301",
  "שלום",
  "مرحبا",
  "\u0000",
  '"quoted"',
  "back\\slash",
  "line\nbreak",
  "tab\t",
  "'",
  "{}[]",
  " ",
  "",
];

/**
 * A seeded random generator (mulberry32, no dependency). A string seed is hashed
 * to a number, so test ids can serve as seeds.
 */
export function createRandom(seed: number | string): Random {
  const numericSeed = typeof seed === "string" ? hashString(seed) : seed >>> 0;
  let state = numericSeed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (min: number, max: number): number => {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`integer(min, max) needs integers with min <= max, got ${min}, ${max}`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError("pick() needs a non-empty array");
    return items[integer(0, items.length - 1)] as T;
  };
  const string = (): string => {
    const parts: string[] = [];
    const count = integer(0, 4);
    for (let index = 0; index < count; index += 1) parts.push(pick(FRAGMENTS));
    return parts.join(pick(["", " ", "-"]));
  };
  const scalar = (): JsonValue => {
    switch (integer(0, 5)) {
      case 0:
        return string();
      case 1:
        return integer(-1_000_000, 1_000_000);
      case 2:
        return integer(-1_000_000, 1_000_000) / 1000;
      case 3:
        return next() < 0.5;
      case 4:
        return null;
      default:
        return pick(FRAGMENTS);
    }
  };
  // Depth and breadth are bounded, so a payload stays a few kilobytes at most.
  const value = (depth: number): JsonValue => {
    if (depth >= 3 || next() < 0.4) return scalar();
    const size = integer(0, 4);
    if (next() < 0.5) return Array.from({ length: size }, () => value(depth + 1));
    const object: JsonObject = {};
    for (let index = 0; index < size; index += 1) object[`${pick(WORDS)}${pick(["", "-é", "_日", "🎉"])}${index}`] = value(depth + 1);
    return object;
  };
  const uuid = (): string => {
    const hex = Array.from({ length: 32 }, () => integer(0, 15).toString(16));
    hex[12] = "4";
    hex[16] = ((integer(0, 3) & 0x3) | 0x8).toString(16);
    const text = hex.join("");
    return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  };
  const date = (): Date => new Date(integer(Date.UTC(2000, 0, 1), Date.UTC(2040, 0, 1)));
  const metadata = (): JsonObject => {
    const result: JsonObject = {};
    const size = integer(0, 3);
    for (let index = 0; index < size; index += 1) result[pick(["correlationId", "causationId", "actor", "tenant", "source"])] = scalar();
    return result;
  };
  const newEvent = (): NewEvent => ({
    id: uuid(),
    name: `${pick(WORDS).slice(0, -1)}-${pick(VERBS)}`,
    payload: value(0),
    metadata: metadata(),
    occurredAt: date(),
  });
  const base = {
    seed: numericSeed,
    next,
    integer,
    boolean: () => next() < 0.5,
    pick,
    shuffle: <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let index = copy.length - 1; index > 0; index -= 1) {
        const other = integer(0, index);
        [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
      }
      return copy;
    },
    string,
    categoryName: () => `${pick(WORDS)}-${integer(1, 9999)}`,
    streamName: () => `${pick(NAMES)}-${integer(1, 9999)}`,
    eventName: () => `${pick(WORDS).slice(0, -1)}-${pick(VERBS)}`,
    payload: () => value(0),
    metadata,
    date,
    uuid,
    newEvent,
    newEvents: (count: number) => Array.from({ length: count }, newEvent),
  };
  return { ...base, ...randomProjections(base) };
}

/** FNV-1a: a stable 32-bit number for a string seed. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
