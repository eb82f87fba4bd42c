import { compareProjections, evaluateFilter, normaliseFilter, normaliseSort, type Projection, TIE_BREAKERS } from "@chronicle/core";
import type { SearchShape } from "./helpers.js";

/**
 * What a search should find: the projections that match, filtered and sorted
 * naively with core's own evaluation functions, the reference every adapter follows.
 */
export function modelSearch(projections: readonly Projection[], shape: SearchShape): Projection[] {
  const filter = shape.filter === undefined ? undefined : normaliseFilter(shape.filter);
  const order = compareProjections([...normaliseSort(shape.sort), ...TIE_BREAKERS]);
  return projections
    .filter((item) => (shape.name === undefined || item.name === shape.name) && (filter === undefined || evaluateFilter(filter, item)))
    .sort(order);
}
