import type { Filter, Projection, ProjectionStore, Sort } from "@chronicle/core";
import { expect } from "vitest";

export { expectRejection } from "../suite/expect-rejection.js";

/** What a search is asked, as `ProjectionStore.search` takes it, without the paging fields. */
export interface SearchShape {
  name?: string;
  filter?: Filter;
  sort?: Sort[];
}

/** Orders projections by name then id, by code point: the order of a search without sort keys. */
export function byKey(left: Projection, right: Projection): number {
  return compareCodePoints(left.name, right.name) || compareCodePoints(left.id, right.id);
}

/** Compares two strings by Unicode code point (JavaScript's `<` compares UTF-16 code units). */
export function compareCodePoints(left: string, right: string): number {
  const a = [...left];
  const b = [...right];
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const difference = (a[index]?.codePointAt(0) ?? 0) - (b[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** `name/id` of each projection, for readable comparisons. */
export function keysOf(list: readonly Projection[]): string[] {
  return list.map((item) => `${item.name}/${item.id}`);
}

/** The ids of projections, in order. */
export function idsOf(list: readonly Projection[]): string[] {
  return list.map((item) => item.id);
}

/** Every item of an iteration, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of iterable) result.push(item);
  return result;
}

/** Saves each projection in turn and expects each to be stored. */
export async function saveAll(store: ProjectionStore, projections: readonly Projection[]): Promise<void> {
  for (const item of projections) {
    expect(await store.save(item), `saving ${item.name}/${item.id}`).toBe(true);
  }
}

/**
 * Every match of a search, paged through with keyset cursors of `limit`, with
 * a bound on the pages so an adapter that never ends a search fails instead of hanging.
 */
export async function searchAll(store: ProjectionStore, shape: SearchShape, limit = 1000): Promise<Projection[]> {
  const result: Projection[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (let pages = 0; pages < 10_000; pages += 1) {
    const page = await store.search(after === undefined ? { ...shape, limit } : { ...shape, limit, after });
    expect(page.items.length, "a page holds at most limit projections").toBeLessThanOrEqual(limit);
    for (const item of page.items) {
      const key = JSON.stringify([item.name, item.id]);
      if (seen.has(key)) throw new Error(`page ${pages + 1} repeats ${item.name}/${item.id}, found on an earlier page`);
      seen.add(key);
    }
    result.push(...page.items);
    if (page.next === undefined) return result;
    expect(page.items.length, "a page with a next cursor is full").toBe(limit);
    after = page.next;
  }
  throw new Error("the search did not end after 10,000 pages");
}

/** Every match of a search, paged through with offsets of `limit`, with the same bound on the pages as `searchAll`. */
export async function searchAllByOffset(store: ProjectionStore, shape: SearchShape, limit: number): Promise<Projection[]> {
  const result: Projection[] = [];
  const seen = new Set<string>();
  for (let pages = 0; pages < 10_000; pages += 1) {
    const page = await store.search({ ...shape, limit, offset: pages * limit });
    expect(page.items.length, "a page holds at most limit projections").toBeLessThanOrEqual(limit);
    for (const item of page.items) {
      const key = JSON.stringify([item.name, item.id]);
      if (seen.has(key)) throw new Error(`the page at offset ${pages * limit} repeats ${item.name}/${item.id}, found on an earlier page`);
      seen.add(key);
    }
    result.push(...page.items);
    if (page.items.length < limit) return result;
  }
  throw new Error("the search did not end after 10,000 pages");
}

/** A readable form of a query, with bigints and regular expressions spelled out, for failure messages. */
export function describeQuery(query: unknown): string {
  return JSON.stringify(query, (_, value) => (typeof value === "bigint" ? `${value}n` : value));
}
