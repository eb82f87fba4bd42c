import type { JsonScalar, NormalisedFilter, NormalisedSort, Projection, Sort } from "@chronicle/core";
import * as core from "@chronicle/core";
import type { SearchShape } from "./helpers.js";

/** Core's evaluation functions the model is built on, looked up at run time like the store. */
interface Evaluation {
  normaliseFilter(filter: unknown): NormalisedFilter;
  evaluateFilter(filter: NormalisedFilter, projection: Projection): boolean;
  normaliseSort(sort: readonly Sort[] | undefined): NormalisedSort[];
  sortValuesOf(projection: Projection, sort: readonly NormalisedSort[]): JsonScalar[];
  compareSortValues(left: JsonScalar, right: JsonScalar): number;
}

function evaluation(): Evaluation {
  const found = core as unknown as Partial<Evaluation>;
  for (const name of ["normaliseFilter", "evaluateFilter", "normaliseSort", "sortValuesOf", "compareSortValues"] as const) {
    if (typeof found[name] !== "function") throw new Error(`the installed @chronicle/core has no ${name}`);
  }
  return found as Evaluation;
}

/** What a search should find: the matching projections filtered and sorted naively with core's evaluation functions. */
export function modelSearch(projections: readonly Projection[], shape: SearchShape): Projection[] {
  const { normaliseFilter, evaluateFilter, normaliseSort, sortValuesOf, compareSortValues } = evaluation();
  const filter = shape.filter === undefined ? undefined : normaliseFilter(shape.filter);
  const sort = normaliseSort([...(shape.sort ?? []), { path: "name", direction: "asc" }, { path: "id", direction: "asc" }]);
  const matching = projections.filter(
    (item) => (shape.name === undefined || item.name === shape.name) && (filter === undefined || evaluateFilter(filter, item)),
  );
  const keyed = matching.map((item) => ({ item, values: sortValuesOf(item, sort) }));
  keyed.sort((left, right) => {
    for (const [index, key] of sort.entries()) {
      const order = compareSortValues(left.values[index] ?? null, right.values[index] ?? null);
      if (order !== 0) return key.direction === "asc" ? order : -order;
    }
    return 0;
  });
  return keyed.map(({ item }) => item);
}
