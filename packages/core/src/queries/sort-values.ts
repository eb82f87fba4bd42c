import type { JsonScalar } from "./filters.js";

/**
 * The value of one sort key of a projection, as a keyset cursor keeps it.
 *
 * The total order of sort values, the same in every adapter, ascending:
 * numbers (numerically) < strings (by Unicode code point) < booleans
 * (`false < true`) < everything else, which sorts as one value: `null`, a
 * missing path, an array or an object. `desc` is exactly the reverse. After
 * the sort keys, ties are broken by `name` then `id` ascending (code point),
 * so the order is total.
 *
 * Arrays and objects read as `null` here, so a sort value is always a scalar.
 */
export type SortValue = JsonScalar;
