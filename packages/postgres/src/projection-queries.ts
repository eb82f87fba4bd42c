import type {
  JsonScalar,
  NormalisedFilter,
  NormalisedPath,
  NormalisedSort,
  ProjectionCountQuery,
  ProjectionSearchQuery,
  SortValue,
} from "@chronicle/core";
import { encodeText, jsonbText } from "./jsonb-text.js";

/** A statement and its parameters: every value a caller gave travels as a parameter, never in the text. */
export interface CompiledQuery {
  readonly text: string;
  readonly values: unknown[];
}

/** The columns every projection read selects, in the order `toProjection` expects. */
export const PROJECTION_COLUMNS =
  "name, id, source_type, source_category, source_stream, coalesce(state_text::text, state::text), version, position, event_count, " +
  "(extract(epoch FROM updated_at) * 1000)::bigint";

/** Collects parameters and hands back their placeholders. */
class Parameters {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Compiles searches and counts over one schema's projection table. */
export class ProjectionQueries {
  readonly #table: string;
  readonly #sortKey: string;
  readonly #element: string;

  /** `schema` is already quoted as an identifier. */
  constructor(schema: string) {
    this.#table = `${schema}.projections`;
    this.#sortKey = `${schema}.projection_sort_key`;
    this.#element = `${schema}.projection_element`;
  }

  /** One page of a search: filter, order, keyset position or offset, and limit, in one statement. */
  search(query: ProjectionSearchQuery): CompiledQuery {
    const parameters = new Parameters();
    const conditions: string[] = [];
    if (query.name !== undefined) conditions.push(`name = ${parameters.add(query.name)}`);
    if (query.filter !== undefined) conditions.push(this.#filter(query.filter, false, parameters));
    // Within one name, ordering by name changes nothing: leaving it out lets an index on
    // (name, …, id) serve both the order and the keyset condition.
    const keys = query.sort
      .map((sort, index) => ({ sort, after: query.after?.[index] }))
      .filter(({ sort }) => !(query.name !== undefined && sort.path.root === "name"));
    if (query.after !== undefined) conditions.push(this.#after(keys, parameters));
    const order = keys.map(({ sort }) => `${this.#sortExpression(sort.path, parameters)} ${sort.direction === "asc" ? "ASC" : "DESC"}`);
    let text = `SELECT ${PROJECTION_COLUMNS} FROM ${this.#table}`;
    if (conditions.length > 0) text += ` WHERE ${conditions.join(" AND ")}`;
    if (order.length > 0) text += ` ORDER BY ${order.join(", ")}`;
    text += ` LIMIT ${parameters.add(query.limit)}`;
    if (query.offset !== undefined && query.offset > 0) text += ` OFFSET ${parameters.add(query.offset)}`;
    return { text, values: parameters.values };
  }

  /** How many projections match a name and filter. */
  count(query: ProjectionCountQuery): CompiledQuery {
    const parameters = new Parameters();
    const conditions: string[] = [];
    if (query.name !== undefined) conditions.push(`name = ${parameters.add(query.name)}`);
    if (query.filter !== undefined) conditions.push(this.#filter(query.filter, false, parameters));
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
    return { text: `SELECT count(*)::text FROM ${this.#table}${where}`, values: parameters.values };
  }

  /**
   * A filter as a condition. Negations are pushed down to the leaves, where a
   * negated leaf reads a NULL (a missing path) as false before negating it, so
   * `not` and `ne` match missing paths; leaves outside any negation stay in the
   * plain form an index can serve.
   */
  #filter(filter: NormalisedFilter, negated: boolean, parameters: Parameters): string {
    switch (filter.op) {
      case "and":
      case "or": {
        const conjunction = (filter.op === "and") !== negated;
        if (filter.filters.length === 0) return conjunction ? "TRUE" : "FALSE";
        const parts = filter.filters.map((inner) => this.#filter(inner, negated, parameters));
        return `(${parts.join(conjunction ? " AND " : " OR ")})`;
      }
      case "not":
        return this.#filter(filter.filter, !negated, parameters);
      default: {
        const leaf = this.#leaf(filter, parameters);
        return negated ? `NOT coalesce(${leaf}, false)` : leaf;
      }
    }
  }

  #leaf(filter: Exclude<NormalisedFilter, { op: "and" | "or" | "not" }>, parameters: Parameters): string {
    // Checked before the path adds its parameters: a statement must use every parameter it is sent.
    if (filter.op === "in" && filter.values.length === 0) return "FALSE";
    const value = valueAt(filter.path, parameters, this.#element);
    switch (filter.op) {
      case "eq":
        return filter.value === null
          ? `(${value} IS NULL OR ${value} = 'null'::jsonb)`
          : `${value} = ${jsonParameter(filter.value, parameters)}`;
      case "in": {
        const list = parameters.add(filter.values.map((item) => jsonText(item)));
        return filter.values.includes(null) ? `(${value} = ANY(${list}::jsonb[]) OR ${value} IS NULL)` : `${value} = ANY(${list}::jsonb[])`;
      }
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        const operator = COMPARISONS[filter.op];
        if (typeof filter.value === "number") {
          return `(jsonb_typeof(${value}) = 'number' AND ${value} ${operator} ${jsonParameter(filter.value, parameters)})`;
        }
        return `(jsonb_typeof(${value}) = 'string' AND (${value} #>> '{}') COLLATE "C" ${operator} ${textParameter(filter.value, parameters)})`;
      }
      case "contains": {
        const inArray = `(jsonb_typeof(${value}) = 'array' AND ${value} @> ${jsonParameter([filter.value], parameters)})`;
        if (typeof filter.value !== "string") return inArray;
        return `((jsonb_typeof(${value}) = 'string' AND strpos(${value} #>> '{}', ${textParameter(filter.value, parameters)}) > 0) OR ${inArray})`;
      }
      case "startsWith":
        return `(jsonb_typeof(${value}) = 'string' AND starts_with(${value} #>> '{}', ${textParameter(filter.prefix, parameters)}))`;
      case "matches":
        return `(jsonb_typeof(${value}) = 'string' AND (${value} #>> '{}') ${filter.flags === "i" ? "~*" : "~"} ${textParameter(filter.pattern, parameters)})`;
      case "exists":
        return `(${value} IS NOT NULL)`;
    }
  }

  /** What a sort key orders by: the text columns as they are, anything else by its sort key. */
  #sortExpression(path: NormalisedPath, parameters: Parameters): string {
    if (path.root === "name" || path.root === "id") return path.root;
    return `${this.#sortKey}(${valueAt(path, parameters, this.#element)})`;
  }

  /** A keyset position's value as the sort expression of `path` would give it. */
  #sortValue(path: NormalisedPath, value: SortValue | undefined, parameters: Parameters): string {
    if (path.root === "name" || path.root === "id") return `${textParameter(String(value), parameters)}::text`;
    return `${this.#sortKey}(${jsonParameter(value ?? null, parameters)})`;
  }

  /**
   * Strictly after the keyset position in the order of `keys`. When every key
   * ascends, one row comparison says it, which an index in that order serves;
   * otherwise each key in turn decides when all before it tie.
   */
  #after(keys: readonly { sort: NormalisedSort; after: SortValue | undefined }[], parameters: Parameters): string {
    if (keys.length === 0) return "FALSE";
    const columns = keys.map(({ sort }) => this.#sortExpression(sort.path, parameters));
    const positions = keys.map(({ sort, after }) => this.#sortValue(sort.path, after, parameters));
    if (keys.every(({ sort }) => sort.direction === "asc")) return `(${columns.join(", ")}) > (${positions.join(", ")})`;
    const alternatives = keys.map(({ sort }, index) => {
      const ties = columns.slice(0, index).map((column, before) => `${column} = ${positions[before]}`);
      const beyond = `${columns[index]} ${sort.direction === "asc" ? ">" : "<"} ${positions[index]}`;
      return ties.length === 0 ? beyond : `(${[...ties, beyond].join(" AND ")})`;
    });
    return `(${alternatives.join(" OR ")})`;
  }
}

const COMPARISONS = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** A string segment PostgreSQL's `#>` would read as an array index other than itself: `"01"`, `"-1"`, `"+1"`, `" 1"`. */
const READ_AS_ANOTHER_INDEX = /^[ \t\n\v\f\r]*[+-]?[0-9]+$/;
const CANONICAL_INDEX = /^(?:0|[1-9][0-9]*)$/;
const LARGEST_INDEX = 2 ** 31 - 1;

/**
 * The value at a path as `jsonb`, SQL NULL when missing. Within the state, runs
 * of string segments become one `state #> '{a,b}'`, which reads an object's
 * key and an array's element at a canonical index, as the path rule says;
 * segments `#>` would read differently (`"01"`, `"-1"`) read only object keys
 * (`-> 'key'`), and number segments only array elements (`projection_element`).
 */
function valueAt(path: NormalisedPath, parameters: Parameters, element: string): string {
  switch (path.root) {
    case "id":
      return "to_jsonb(id)";
    case "name":
      return "to_jsonb(name)";
    case "position":
      return "to_jsonb(position)";
    case "source.category":
      return "to_jsonb(source_category)";
    case "source.stream":
      return "to_jsonb(source_stream)";
    case "state":
      break;
  }
  let expression = "state";
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) expression = `(${expression} #> ${parameters.add(run.map(encodeText))}::text[])`;
    run = [];
  };
  for (const segment of path.segments) {
    if (typeof segment === "number") {
      flush();
      // No array reaches past the largest integer index: NULL reads as missing, and keeps the parameters before it in use.
      expression = `${element}(${expression}, ${segment <= LARGEST_INDEX ? parameters.add(segment) : "NULL"}::integer)`;
    } else if (CANONICAL_INDEX.test(segment) || !READ_AS_ANOTHER_INDEX.test(segment)) {
      run.push(segment);
    } else {
      flush();
      expression = `(${expression} -> ${parameters.add(encodeText(segment))}::text)`;
    }
  }
  flush();
  return expression;
}

function jsonParameter(value: JsonScalar | JsonScalar[], parameters: Parameters): string {
  return `${parameters.add(jsonText(value))}::jsonb`;
}

function textParameter(value: string, parameters: Parameters): string {
  return parameters.add(encodeText(value));
}

/** JSON text for a `jsonb` parameter, its strings encoded as stored states' are. */
function jsonText(value: JsonScalar | JsonScalar[]): string {
  return jsonbText(JSON.stringify(value));
}
