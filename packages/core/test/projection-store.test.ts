import { describe, expect, it } from "vitest";
import {
  asc,
  decodeCursor,
  desc,
  type EventTarget,
  eq,
  type PreparedProjection,
  type Projection,
  type ProjectionCountQuery,
  type ProjectionKey,
  type ProjectionSearchQuery,
  type ProjectionStorageAdapter,
  ProjectionStore,
  streamIdentifier,
} from "../src/index.js";

/**
 * An adapter that records what the store hands it and answers searches with
 * `rows` as they are: these tests are about the store's checks, paging and
 * cursors, not about evaluating queries.
 */
class RecordingAdapter implements ProjectionStorageAdapter {
  readonly capabilities: { search: boolean };
  readonly calls: { method: string; argument: unknown }[] = [];
  rows: Projection[] = [];

  constructor(search = true) {
    this.capabilities = { search };
  }

  async save(projection: PreparedProjection): Promise<boolean> {
    this.calls.push({ method: "save", argument: projection });
    return true;
  }
  async load(key: ProjectionKey): Promise<Projection | undefined> {
    this.calls.push({ method: "load", argument: key });
    return undefined;
  }
  async locate(name: string, source: EventTarget): Promise<Projection | undefined> {
    this.calls.push({ method: "locate", argument: { name, source } });
    return undefined;
  }
  async delete(key: ProjectionKey): Promise<boolean> {
    this.calls.push({ method: "delete", argument: key });
    return false;
  }
  async search(query: ProjectionSearchQuery): Promise<Projection[]> {
    this.calls.push({ method: "search", argument: query });
    const start = query.after === undefined ? (query.offset ?? 0) : this.rows.findIndex((row) => row.id === query.after?.at(-1)) + 1;
    return this.rows.slice(start, start + query.limit);
  }
  async count(query: ProjectionCountQuery): Promise<number> {
    this.calls.push({ method: "count", argument: query });
    return this.rows.length;
  }
  async close(): Promise<void> {
    this.calls.push({ method: "close", argument: undefined });
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

const valid = (): Projection => ({
  name: "profile",
  id: "joe",
  source: streamIdentifier("profiles", "joe"),
  state: { name: "Joe", tags: ["a"] },
  version: 2,
  position: 5n,
  eventCount: 6,
  updatedAt: new Date("2025-01-01T00:00:00.000Z"),
});

const rows = (count: number): Projection[] =>
  Array.from({ length: count }, (_, index) => ({ ...valid(), id: `p${String(index).padStart(3, "0")}`, state: { n: index } }));

const invalidInput = expect.objectContaining({ code: "INVALID_INPUT" });

describe("ProjectionStore.save", () => {
  it("hands the adapter a checked copy with the state serialised", async () => {
    const adapter = new RecordingAdapter();
    const projection = valid();
    await expect(new ProjectionStore(adapter).save(projection)).resolves.toBe(true);
    const prepared = adapter.calls[0]?.argument as PreparedProjection;
    expect(prepared).toMatchObject({ ...projection, stateJson: JSON.stringify(projection.state) });
    expect(prepared.state).not.toBe(projection.state);
    expect(prepared.updatedAt).not.toBe(projection.updatedAt);
  });

  it("accepts a projection of no events: no position, no updatedAt", async () => {
    const adapter = new RecordingAdapter();
    await new ProjectionStore(adapter).save({ ...valid(), position: undefined, updatedAt: undefined, eventCount: 0 });
    expect(adapter.calls[0]?.argument).toMatchObject({ position: undefined, updatedAt: undefined, eventCount: 0 });
  });

  const bad: [string, Partial<Record<keyof Projection, unknown>>][] = [
    ["an empty name", { name: "" }],
    ["a name that is not a string", { name: 1 }],
    ["an empty id", { id: "" }],
    ["a source that is not a target", { source: { type: "table" } }],
    ["a stream source without a stream", { source: { type: "stream", category: "profiles" } }],
    ["state that is not JSON", { state: { at: new Date() } }],
    ["state with undefined", { state: { a: undefined } }],
    ["state with a non-finite number", { state: { a: Number.NaN } }],
    ["version 0", { version: 0 }],
    ["a fractional version", { version: 1.5 }],
    ["a version as a string", { version: "1" }],
    ["a negative position", { position: -1n }],
    ["a position as a number", { position: 5 }],
    ["a negative eventCount", { eventCount: -1 }],
    ["a fractional eventCount", { eventCount: 0.5 }],
    ["an invalid date", { updatedAt: new Date(Number.NaN) }],
    ["a date as a string", { updatedAt: "2025-01-01" }],
  ];
  for (const [what, change] of bad) {
    it(`rejects ${what} before the adapter sees it`, async () => {
      const adapter = new RecordingAdapter();
      await expect(new ProjectionStore(adapter).save({ ...valid(), ...change } as Projection)).rejects.toThrow(invalidInput);
      expect(adapter.calls).toEqual([]);
    });
  }

  it("rejects what is not a projection at all", async () => {
    const store = new ProjectionStore(new RecordingAdapter());
    for (const value of [undefined, null, "profile", 1]) {
      await expect(store.save(value as never)).rejects.toThrow(invalidInput);
    }
  });
});

describe("ProjectionStore keys and sources", () => {
  it("checks keys of load and delete", async () => {
    const adapter = new RecordingAdapter();
    const store = new ProjectionStore(adapter);
    for (const key of [{ name: "", id: "a" }, { name: "a", id: "" }, { name: "a" }, undefined]) {
      await expect(store.load(key as never)).rejects.toThrow(invalidInput);
      await expect(store.delete(key as never)).rejects.toThrow(invalidInput);
    }
    expect(adapter.calls).toEqual([]);
    await store.load({ name: "profile", id: "joe" });
    expect(adapter.calls).toEqual([{ method: "load", argument: { name: "profile", id: "joe" } }]);
  });

  it("locates by a handle's target or by the target itself", async () => {
    const adapter = new RecordingAdapter();
    const store = new ProjectionStore(adapter);
    const target = streamIdentifier("profiles", "joe");
    await store.locate({ name: "profile", source: { target } });
    await store.locate({ name: "profile", source: target });
    expect(adapter.calls.map((call) => call.argument)).toEqual([
      { name: "profile", source: target },
      { name: "profile", source: target },
    ]);
    await expect(store.locate({ name: "profile", source: { type: "nothing" } as never })).rejects.toThrow(invalidInput);
    await expect(store.locate({ name: "", source: target })).rejects.toThrow(invalidInput);
  });
});

describe("ProjectionStore.search", () => {
  it("asks for one more than the page, with name and id appended to the sort", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(3);
    const page = await new ProjectionStore(adapter).search({ name: "profile", filter: eq("state.n", 1), sort: [desc("state.n")] });
    expect(page.items).toHaveLength(3);
    expect(page.next).toBeUndefined();
    const query = adapter.calls[0]?.argument as ProjectionSearchQuery;
    expect(query.limit).toBe(101);
    expect(query.sort.map((key) => [key.path.root, key.path.segments, key.direction])).toEqual([
      ["state", ["n"], "desc"],
      ["name", [], "asc"],
      ["id", [], "asc"],
    ]);
    expect(query.filter).toEqual({ op: "eq", path: { root: "state", segments: ["n"] }, value: 1 });
  });

  it("gives a next cursor only when more follow, carrying the last item's sort values", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(5);
    const store = new ProjectionStore(adapter);
    const sort = [asc("state.n")];
    const first = await store.search({ sort, limit: 2 });
    expect(first.items.map((p) => p.id)).toEqual(["p000", "p001"]);
    expect(first.next).toBeTypeOf("string");
    const second = await store.search({ sort, limit: 2, after: first.next });
    expect((adapter.calls[1]?.argument as ProjectionSearchQuery | undefined)?.after).toEqual([1, "profile", "p001"]);
    const third = await store.search({ sort, limit: 2, after: second.next });
    expect(third.items.map((p) => p.id)).toEqual(["p004"]);
    expect(third.next).toBeUndefined();
  });

  it("iterates every page", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(250);
    const ids: string[] = [];
    for await (const projection of new ProjectionStore(adapter).iterate({ sort: [asc("state.n")] })) ids.push(projection.id);
    expect(ids).toEqual(adapter.rows.map((p) => p.id));
    expect(adapter.calls.filter((call) => call.method === "search")).toHaveLength(3);
  });

  it("rejects bad limits and offsets, and after together with offset", async () => {
    const adapter = new RecordingAdapter();
    const store = new ProjectionStore(adapter);
    const cursor = (await store.search({ limit: 1 })).next;
    adapter.rows = rows(3);
    const next = (await store.search({ limit: 1 })).next;
    expect(cursor).toBeUndefined();
    for (const options of [
      { limit: 0 },
      { limit: 1001 },
      { limit: 1.5 },
      { limit: "10" },
      { offset: -1 },
      { offset: 0.5 },
      { offset: 1, after: next },
      { name: "" },
      { sort: asc("state.n") },
      { filter: { op: "like", path: "state.n", value: 1 } },
    ]) {
      await expect(store.search(options as never), JSON.stringify(options)).rejects.toThrow(invalidInput);
    }
    await expect(store.search({ limit: 1000 })).resolves.toBeDefined();
  });

  it("rejects a cursor of another query, naming the reason", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(3);
    const store = new ProjectionStore(adapter);
    const page = await store.search({ name: "profile", sort: [asc("state.n")], limit: 1 });
    for (const other of [
      { name: "other", sort: [asc("state.n")] },
      { name: "profile", sort: [desc("state.n")] },
      { name: "profile", sort: [asc("state.n")], filter: eq("state.n", 1) },
      { sort: [asc("state.n")] },
    ]) {
      await expect(store.search({ ...other, after: page.next }), JSON.stringify(other)).rejects.toThrow(/another query/);
    }
    for (const garbage of ["", "x", "eyJ9", Buffer.from("[]").toString("base64url"), 7]) {
      await expect(store.search({ name: "profile", sort: [asc("state.n")], after: garbage as never })).rejects.toThrow(invalidInput);
    }
  });

  it("keeps positions as JSON numbers in cursors", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(2).map((p, index) => ({ ...p, position: BigInt(index + 10) }));
    const page = await new ProjectionStore(adapter).search({ sort: [desc("position")], limit: 1 });
    const query = (adapter.calls[0]?.argument as ProjectionSearchQuery | undefined)?.sort ?? [];
    expect(decodeCursor(page.next, { name: undefined, filter: undefined, sort: query })).toEqual([10, "profile", "p000"]);
  });
});

describe("ProjectionStore without search", () => {
  it("rejects search, iterate and count naming the capability, and still saves and loads", async () => {
    const adapter = new RecordingAdapter(false);
    const store = new ProjectionStore(adapter);
    await expect(store.search()).rejects.toThrow(/capabilities\.search/);
    await expect(store.count()).rejects.toThrow(/capabilities\.search/);
    await expect(store.iterate().next()).rejects.toThrow(/capabilities\.search/);
    await expect(store.search()).rejects.toThrow(invalidInput);
    expect(adapter.calls).toEqual([]);
    await expect(store.save(valid())).resolves.toBe(true);
    await expect(store.load({ name: "profile", id: "joe" })).resolves.toBeUndefined();
  });
});

describe("ProjectionStore.close", () => {
  it("closes the adapter, then rejects every call with CLOSED", async () => {
    const adapter = new RecordingAdapter();
    const store = new ProjectionStore(adapter);
    await store.close();
    await store.close();
    const closed = expect.objectContaining({ code: "CLOSED" });
    await expect(store.save(valid())).rejects.toThrow(closed);
    await expect(store.load({ name: "profile", id: "joe" })).rejects.toThrow(closed);
    await expect(store.locate({ name: "profile", source: streamIdentifier("profiles", "joe") })).rejects.toThrow(closed);
    await expect(store.delete({ name: "profile", id: "joe" })).rejects.toThrow(closed);
    await expect(store.search()).rejects.toThrow(closed);
    await expect(store.count()).rejects.toThrow(closed);
    expect(adapter.calls.map((call) => call.method)).toEqual(["close", "close"]);
  });

  it("closes on leaving an await using block", async () => {
    const adapter = new RecordingAdapter();
    {
      await using store = new ProjectionStore(adapter);
      await store.count();
    }
    expect(adapter.calls.map((call) => call.method)).toEqual(["count", "close"]);
  });
});

describe("ProjectionStore.iterate", () => {
  it("pages by pageSize and rejects a bad one naming it", async () => {
    const adapter = new RecordingAdapter();
    adapter.rows = rows(5);
    const store = new ProjectionStore(adapter);
    const ids: string[] = [];
    for await (const projection of store.iterate({ pageSize: 2 })) ids.push(projection.id);
    expect(ids).toEqual(["p000", "p001", "p002", "p003", "p004"]);
    expect(adapter.calls.map((call) => (call.argument as ProjectionSearchQuery).limit)).toEqual([3, 3, 3]);
    for (const pageSize of [0, 1001, 2.5, "2"]) {
      await expect(store.iterate({ pageSize: pageSize as never }).next()).rejects.toThrow(/pageSize/);
    }
  });
});
