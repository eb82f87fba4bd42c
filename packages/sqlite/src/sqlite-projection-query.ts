import type {
  JsonScalar,
  NormalisedFilter,
  NormalisedPath,
  NormalisedSort,
  ProjectionCountQuery,
  ProjectionSearchQuery,
  SortValue,
} from "@chronicle/core";
import { isAmbiguousSegment, jsonPath, jsonPathStep, sqlStringLiteral } from "./sqlite-json-path.js";
import { PROJECTIONS_TABLE } from "./sqlite-projection-schema.js";
import { REGEXP_FUNCTION } from "./sqlite-regexp.js";

/** The columns a projection is read from; `position` as text, so it stays exact beyond 2^53. */
export const PROJECTION_COLUMNS =
  "name, id, source_type, source_category, source_stream, state, version, CAST(position AS TEXT) AS position_text, event_count, updated_at";

/** One statement with its named parameters. */
export interface CompiledStatement {
  readonly sql: string;
  readonly parameters: Record<string, unknown>;
}

/** What the compiler needs to know beyond the query. */
export interface QueryContext {
  /** JSON paths (as `jsonPath` writes them) the user declared indexes for: written as constants, so SQLite can match the index. */
  readonly indexedJsonPaths: ReadonlySet<string>;
}

/** Named parameters, so an expression used twice binds its values once. */
class Parameters {
  readonly values: Record<string, unknown> = {};
  #count = 0;

  bind(value: unknown): string {
    const name = `p${this.#count}`;
    this.#count += 1;
    this.values[name] = value;
    return `@${name}`;
  }
}

/**
 * How a path reads in SQL. A state path reads through `json_type` (SQL NULL
 * when missing, `'null'` for JSON null; it tells booleans, which
 * `json_extract` returns as 1 and 0, from numbers) and `json_extract`; the
 * other roots are columns.
 */
type PathSql =
  | { readonly kind: "json"; readonly type: string; readonly value: string; readonly each: string }
  | { readonly kind: "column"; readonly column: string; readonly type: "text" | "integer"; readonly nullable: boolean };

const COLUMNS_BY_ROOT = {
  id: { kind: "column", column: "id", type: "text", nullable: false },
  name: { kind: "column", column: "name", type: "text", nullable: false },
  position: { kind: "column", column: "position", type: "integer", nullable: true },
  "source.category": { kind: "column", column: "source_category", type: "text", nullable: true },
  "source.stream": { kind: "column", column: "source_stream", type: "text", nullable: true },
} as const satisfies Record<string, PathSql>;

/** JSON types as `json_type` names them, by the JSON type of a filter value. */
const NUMBER_TYPES = ["integer", "real"];

/** Joins conditions with AND, dropping those that always hold; `0` when one never does. */
function allOf(conditions: readonly string[]): string {
  const kept = conditions.filter((condition) => condition !== "1");
  if (kept.includes("0")) return "0";
  if (kept.length === 0) return "1";
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(" AND ")})`;
}

/** Joins conditions with OR, dropping those that never hold; `1` when one always does. */
function anyOf(conditions: readonly string[]): string {
  const kept = conditions.filter((condition) => condition !== "0");
  if (kept.includes("1")) return "1";
  if (kept.length === 0) return "0";
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(" OR ")})`;
}

/** Compiles filters, sorts and keyset positions of one statement. */
class Compiler {
  readonly parameters = new Parameters();
  readonly #context: QueryContext;

  constructor(context: QueryContext) {
    this.#context = context;
  }

  path(path: NormalisedPath): PathSql {
    if (path.root !== "state") return COLUMNS_BY_ROOT[path.root];
    if (!path.segments.some(isAmbiguousSegment)) {
      const json = jsonPath(path.segments);
      // Only paths from the adapter's own configuration become constants; query paths are always bound.
      const literal = this.#context.indexedJsonPaths.has(json) ? sqlStringLiteral(json) : this.parameters.bind(json);
      return {
        kind: "json",
        type: `json_type(state, ${literal})`,
        value: `json_extract(state, ${literal})`,
        each: `json_each(state, ${literal})`,
      };
    }
    // A key such as "0" reads an object's key or an array's element, depending on what it meets: each such step
    // looks at the JSON text reached so far (bound once, in a subquery) and takes whichever of the two exists.
    let json = "state";
    let run: (string | number)[] = [];
    const flush = () => {
      if (run.length > 0) json = `(${json} -> ${this.parameters.bind(jsonPath(run))})`;
      run = [];
    };
    for (const segment of path.segments) {
      if (!isAmbiguousSegment(segment)) {
        run.push(segment);
        continue;
      }
      flush();
      const asIndex = this.parameters.bind(`$${jsonPathStep(segment, "index")}`);
      const asKey = this.parameters.bind(`$${jsonPathStep(segment, "key")}`);
      json = `(SELECT COALESCE(v -> ${asIndex}, v -> ${asKey}) FROM (SELECT ${json} AS v))`;
    }
    flush();
    return { kind: "json", type: `json_type(${json})`, value: `json_extract(${json}, '$')`, each: `json_each(${json})` };
  }

  /** Holds when the value at the path has one of these JSON types (as `json_type` names them). */
  #hasType(path: PathSql, types: readonly string[]): string {
    if (path.kind === "json") {
      return types.length === 1 ? `${path.type} = '${types[0]}'` : `${path.type} IN (${types.map((type) => `'${type}'`).join(", ")})`;
    }
    if (!types.includes(path.type)) return "0";
    return path.nullable ? `${path.column} IS NOT NULL` : "1";
  }

  #value(path: PathSql): string {
    return path.kind === "json" ? path.value : path.column;
  }

  /** Holds when the value at the path is null or missing. */
  #isNull(path: PathSql): string {
    if (path.kind === "json") return `COALESCE(${path.type}, 'null') = 'null'`;
    return path.nullable ? `${path.column} IS NULL` : "0";
  }

  /** Holds when the value at the path equals `value`, same JSON type. */
  #equals(path: PathSql, value: JsonScalar): string {
    if (value === null) return this.#isNull(path);
    if (typeof value === "boolean") return this.#hasType(path, [String(value)]);
    const types = typeof value === "number" ? NUMBER_TYPES : ["text"];
    return allOf([this.#hasType(path, types), `${this.#value(path)} = ${this.parameters.bind(value)}`]);
  }

  filter(filter: NormalisedFilter): string {
    switch (filter.op) {
      case "and":
        return allOf(filter.filters.map((inner) => this.filter(inner)));
      case "or":
        return anyOf(filter.filters.map((inner) => this.filter(inner)));
      case "not": {
        // SQL's NULL is "unknown", and NOT keeps it so: a condition that is NULL for a row is false for it, so NOT must see 0.
        const inner = this.filter(filter.filter);
        return inner === "1" ? "0" : inner === "0" ? "1" : `NOT COALESCE(${inner}, 0)`;
      }
      case "eq":
        return this.#equals(this.path(filter.path), filter.value);
      case "in": {
        const path = this.path(filter.path);
        const strings = filter.values.filter((value) => typeof value === "string");
        const numbers = filter.values.filter((value) => typeof value === "number");
        const others = [...new Set(filter.values.filter((value) => typeof value !== "string" && typeof value !== "number"))];
        const list = (values: readonly unknown[]) => values.map((value) => this.parameters.bind(value)).join(", ");
        return anyOf([
          ...others.map((value) => this.#equals(path, value)),
          strings.length === 0 ? "0" : allOf([this.#hasType(path, ["text"]), `${this.#value(path)} IN (${list(strings)})`]),
          numbers.length === 0 ? "0" : allOf([this.#hasType(path, NUMBER_TYPES), `${this.#value(path)} IN (${list(numbers)})`]),
        ]);
      }
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        const path = this.path(filter.path);
        const operator = { gt: ">", gte: ">=", lt: "<", lte: "<=" }[filter.op];
        const types = typeof filter.value === "number" ? NUMBER_TYPES : ["text"];
        return allOf([this.#hasType(path, types), `${this.#value(path)} ${operator} ${this.parameters.bind(filter.value)}`]);
      }
      case "contains": {
        const path = this.path(filter.path);
        const inString =
          filter.value === ""
            ? this.#hasType(path, ["text"])
            : typeof filter.value === "string"
              ? // Bytes of UTF-8 match where code points do, and instr over blobs has no notion of patterns or collation.
                allOf([
                  this.#hasType(path, ["text"]),
                  `instr(CAST(${this.#value(path)} AS BLOB), ${this.parameters.bind(utf8(filter.value))}) > 0`,
                ])
              : "0";
        const inArray =
          path.kind === "json"
            ? `(${path.type} = 'array' AND EXISTS (SELECT 1 FROM ${path.each} WHERE ${this.#elementEquals(filter.value)}))`
            : "0";
        return anyOf([inString, inArray]);
      }
      case "startsWith": {
        const path = this.path(filter.path);
        const prefix = utf8(filter.prefix);
        // substr of an empty blob is NULL, so the empty prefix, which every string starts with, is decided here.
        if (prefix.length === 0) return this.#hasType(path, ["text"]);
        return allOf([
          this.#hasType(path, ["text"]),
          `substr(CAST(${this.#value(path)} AS BLOB), 1, ${this.parameters.bind(prefix.length)}) = ${this.parameters.bind(prefix)}`,
        ]);
      }
      case "matches": {
        const path = this.path(filter.path);
        return allOf([
          this.#hasType(path, ["text"]),
          `${REGEXP_FUNCTION}(${this.parameters.bind(filter.pattern)}, ${this.parameters.bind(filter.flags)}, ${this.#value(path)})`,
        ]);
      }
      case "exists": {
        const path = this.path(filter.path);
        if (path.kind === "json") return `${path.type} IS NOT NULL`;
        return path.nullable ? `${path.column} IS NOT NULL` : "1";
      }
    }
  }

  /** Inside `json_each`: the element equals `value`, same JSON type. */
  #elementEquals(value: JsonScalar): string {
    if (value === null) return "type = 'null'";
    if (typeof value === "boolean") return `type = '${value}'`;
    const types = typeof value === "number" ? "type IN ('integer', 'real')" : "type = 'text'";
    return `${types} AND atom = ${this.parameters.bind(value)}`;
  }

  /**
   * The value a row sorts by, in SQLite's own order of storage classes, which
   * matches core's order once booleans are blobs: numbers < text (BINARY, that
   * is code point order in UTF-8) < blobs (false x'00' < true x'01'); null,
   * missing, arrays and objects are NULL, placed last ascending and first
   * descending by NULLS LAST / NULLS FIRST.
   */
  sortKey(path: PathSql): string {
    if (path.kind === "column") return path.column;
    return `CASE ${path.type} WHEN 'integer' THEN ${path.value} WHEN 'real' THEN ${path.value} WHEN 'text' THEN ${path.value} WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' END`;
  }

  /** The ORDER BY clause of a sort. */
  orderBy(keys: readonly string[], sort: readonly NormalisedSort[]): string {
    return sort.map((entry, index) => `${keys[index]} ${entry.direction === "asc" ? "ASC NULLS LAST" : "DESC NULLS FIRST"}`).join(", ");
  }

  /** Holds for rows strictly after the keyset position `after` in the order of `sort`, mixed directions included. */
  after(keys: readonly string[], sort: readonly NormalisedSort[], after: readonly SortValue[]): string {
    let condition = "0";
    for (let index = sort.length - 1; index >= 0; index -= 1) {
      const key = keys[index] as string;
      const value = after[index] ?? null;
      const direction = (sort[index] as NormalisedSort).direction;
      const bound = value === null ? undefined : this.parameters.bind(sortParameter(value));
      const later =
        direction === "asc"
          ? bound === undefined
            ? "0"
            : `(${key} IS NULL OR ${key} > ${bound})`
          : bound === undefined
            ? `${key} IS NOT NULL`
            : `${key} < ${bound}`;
      const same = bound === undefined ? `${key} IS NULL` : `${key} = ${bound}`;
      condition = anyOf([later, allOf([same, condition])]);
    }
    return condition;
  }
}

/** A sort value as the sort key expression holds it. */
function sortParameter(value: Exclude<SortValue, null>): unknown {
  return typeof value === "boolean" ? Buffer.from([value ? 1 : 0]) : value;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

function whereClause(
  compiler: Compiler,
  query: { readonly name?: string; readonly filter?: NormalisedFilter },
  more: readonly string[] = [],
): string {
  const conditions = [
    query.name === undefined ? "1" : `name = ${compiler.parameters.bind(query.name)}`,
    query.filter === undefined ? "1" : compiler.filter(query.filter),
    ...more,
  ];
  const where = allOf(conditions);
  return where === "1" ? "" : ` WHERE ${where}`;
}

/** One page of a search as one statement. */
export function compileSearch(query: ProjectionSearchQuery, context: QueryContext): CompiledStatement {
  const compiler = new Compiler(context);
  const keys = query.sort.map((entry) => compiler.sortKey(compiler.path(entry.path)));
  const keyset = query.after === undefined ? [] : [compiler.after(keys, query.sort, query.after)];
  const where = whereClause(compiler, query, keyset);
  const order = compiler.orderBy(keys, query.sort);
  const limit = compiler.parameters.bind(query.limit);
  const offset = query.offset === undefined || query.offset === 0 ? "" : ` OFFSET ${compiler.parameters.bind(query.offset)}`;
  return {
    sql: `SELECT ${PROJECTION_COLUMNS} FROM ${PROJECTIONS_TABLE}${where} ORDER BY ${order} LIMIT ${limit}${offset}`,
    parameters: compiler.parameters.values,
  };
}

/** A count as one statement. */
export function compileCount(query: ProjectionCountQuery, context: QueryContext): CompiledStatement {
  const compiler = new Compiler(context);
  const where = whereClause(compiler, query);
  return { sql: `SELECT COUNT(*) AS count FROM ${PROJECTIONS_TABLE}${where}`, parameters: compiler.parameters.values };
}
