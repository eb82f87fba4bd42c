import {
  and,
  categoryIdentifier,
  contains,
  type EventTarget,
  eq,
  exists,
  type Filter,
  gt,
  gte,
  inArray,
  type JsonObject,
  type JsonScalar,
  type JsonValue,
  logIdentifier,
  lt,
  lte,
  matches,
  ne,
  not,
  or,
  type Projection,
  type ProjectionPath,
  type Sort,
  startsWith,
  streamIdentifier,
} from "@chronicle/core";

/** The part of `Random` the projection generators draw from. */
export interface RandomSource {
  next(): number;
  integer(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  date(): Date;
}

/** What `createRandom` offers for projections, filters and sorts. */
export interface RandomProjections {
  /**
   * A projection state: an object whose fields (`city`, `age`, `score`,
   * `active`, `tags`, `address`, `nickname`) are drawn from small pools, so
   * that `filter()` and `sort()` find matches, ties, nulls, missing fields and
   * values of another type.
   */
  state(): JsonObject;
  /** A projection with a `state()`; `overrides` replace any of its fields. */
  projection(overrides?: Partial<Projection>): Projection;
  /** A filter over the fields of `state()` and the other roots, nested at most `depth` (default 2) levels. */
  filter(depth?: number): Filter;
  /** Zero to three sort keys over the same paths, in random directions. */
  sort(): Sort[];
}

const PROJECTION_NAMES = ["profile", "order", "cart"];
const CATEGORIES = ["profiles", "orders", "carts-eu"];
const IDS = ["joe", "jane", "zoë", "李雷", "𝔸da", "ｚed", "omar", "amélie", "50%_x", "a\\b"];
// Code point order differs from UTF-16 order between "ｚ" (U+FF5A) and "𝔸" (U+1D538).
const STRINGS = ["Leeds", "leeds", "York", "Zürich", "ｚ-town", "𝔸stral", "", "50%_off", "a\\b", "Le"];
const NUMBERS = [-1e15, -2.5, -1, 0, 0.1, 1, 2.5, 30, 42, 1e15];
const TAGS: JsonScalar[] = ["red", "Red", "blue", "re", 1, 0, true, null];
const NICKNAMES = ["joe", "Joey", "jo", "JOE", "j.o", "jo%", ""];
const PATTERNS = ["^Le", "ee", "^[a-z]+$", "o|u", "^$", "s$", "ck", "^[^a-z]", "e{2}", "(Jo|jo)e"];

const SCALAR_PATHS: ProjectionPath[] = [
  "state.city",
  "state.age",
  "state.score",
  "state.active",
  "state.tags.0",
  ["state", "tags", 1],
  "state.address.city",
  ["state", "address", "zip"],
  "state.nickname",
  "state.missing",
  "id",
  "name",
  "source.category",
  "source.stream",
  "position",
];
const SORT_PATHS: ProjectionPath[] = [...SCALAR_PATHS, "state.tags", "state.address"];

/** Adds the projection, state, filter and sort generators to a seeded source. */
export function randomProjections(random: RandomSource): RandomProjections {
  const { next, integer, pick } = random;
  const chance = (probability: number): boolean => next() < probability;
  const string = (): string => pick(STRINGS);
  const number = (): number => (chance(0.6) ? pick(NUMBERS) : integer(-100, 100) / pick([1, 4, 10]));
  const scalar = (): JsonScalar => pick<() => JsonScalar>([string, number, () => chance(0.5), () => null])();
  /** Sets `key` to `value()` usually, otherwise leaves it missing, sets null, or sets a value of another type. */
  const field = (target: JsonObject, key: string, value: () => JsonValue): void => {
    const roll = next();
    if (roll < 0.15) return;
    if (roll < 0.25) target[key] = null;
    else if (roll < 0.32) target[key] = scalar();
    else target[key] = value();
  };
  const state = (): JsonObject => {
    const result: JsonObject = {};
    field(result, "city", string);
    field(result, "age", () => integer(-5, 100));
    field(result, "score", number);
    field(result, "active", () => chance(0.5));
    field(result, "tags", () => Array.from({ length: integer(0, 3) }, () => pick(TAGS)));
    field(result, "address", () => {
      const address: JsonObject = {};
      field(address, "city", string);
      field(address, "zip", () => `LS${integer(1, 3)}`);
      return address;
    });
    field(result, "nickname", () => pick(NICKNAMES));
    return result;
  };
  const source = (): EventTarget => {
    const roll = next();
    if (roll < 0.15) return logIdentifier();
    if (roll < 0.35) return categoryIdentifier(pick(CATEGORIES));
    return streamIdentifier(pick(CATEGORIES), pick(IDS));
  };
  const projection = (overrides: Partial<Projection> = {}): Projection => {
    const folded = chance(0.85);
    const eventCount = folded ? integer(1, 500) : 0;
    return {
      name: pick(PROJECTION_NAMES),
      id: `${pick(IDS)}-${integer(1, 30)}`,
      source: source(),
      state: state(),
      version: integer(1, 3),
      position: folded ? BigInt(integer(eventCount, 1_000_000)) * BigInt(integer(1, 10_000)) : undefined,
      eventCount,
      updatedAt: folded ? random.date() : undefined,
      ...overrides,
    };
  };
  /** A value for a comparison at `path`: usually of the type the path holds, sometimes of another. */
  const operand = (path: ProjectionPath): JsonScalar => {
    const dotted = typeof path === "string" ? path : path.join(".");
    if (chance(0.2)) return scalar();
    if (dotted === "id" || dotted === "source.stream") return `${pick(IDS)}${chance(0.5) ? `-${integer(1, 30)}` : ""}`;
    if (dotted === "name") return pick(PROJECTION_NAMES);
    if (dotted === "source.category") return pick(CATEGORIES);
    if (dotted === "position") return pick([0, 1, 500_000, 1e9, 3e9, 1e10]);
    if (dotted.endsWith("age") || dotted.endsWith("score")) return number();
    if (dotted.endsWith("active")) return chance(0.5);
    if (dotted.includes("tags")) return pick(TAGS);
    if (dotted.endsWith("zip")) return `LS${integer(1, 3)}`;
    if (dotted.endsWith("nickname")) return pick(NICKNAMES);
    return string();
  };
  const comparable = (path: ProjectionPath): number | string => {
    const value = operand(path);
    return typeof value === "number" || typeof value === "string" ? value : number();
  };
  const text = (path: ProjectionPath): string => {
    const value = operand(path);
    return typeof value === "string" ? value.slice(0, integer(0, value.length)) : string().slice(0, 2);
  };
  const leaf = (): Filter => {
    const path = chance(0.1) ? "state.tags" : pick(SCALAR_PATHS);
    switch (integer(0, 11)) {
      case 0:
        return eq(path, operand(path));
      case 1:
        return ne(path, operand(path));
      case 2:
        return gt(path, comparable(path));
      case 3:
        return gte(path, comparable(path));
      case 4:
        return lt(path, comparable(path));
      case 5:
        return lte(path, comparable(path));
      case 6:
        return inArray(
          path,
          Array.from({ length: integer(0, 3) }, () => operand(path)),
        );
      case 7:
        return contains(chance(0.5) ? "state.tags" : path, chance(0.5) ? pick(TAGS) : text(path));
      case 8:
        return startsWith(path, text(path));
      case 9:
        return matches(path, new RegExp(pick(PATTERNS), chance(0.5) ? "i" : ""));
      case 10:
        return exists(path);
      default:
        return eq(path, null);
    }
  };
  const filter = (depth = 2): Filter => {
    if (depth <= 0 || chance(0.55)) return leaf();
    const size = integer(0, 3);
    switch (integer(0, 2)) {
      case 0:
        return and(...Array.from({ length: size }, () => filter(depth - 1)));
      case 1:
        return or(...Array.from({ length: size }, () => filter(depth - 1)));
      default:
        return not(filter(depth - 1));
    }
  };
  const sort = (): Sort[] =>
    Array.from({ length: integer(0, 3) }, () => ({ path: pick(SORT_PATHS), direction: chance(0.5) ? "asc" : "desc" }));
  return { state, projection, filter, sort };
}
