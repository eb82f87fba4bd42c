import { describe, expect, it } from "vitest";
import {
  asc,
  type CursorQuery,
  decodeCursor,
  desc,
  encodeCursor,
  eq,
  matches,
  normaliseFilter,
  normaliseSort,
  queryFingerprint,
  TIE_BREAKERS,
} from "../src/index.js";

const queryOf = (name: string | undefined, filter: Parameters<typeof normaliseFilter>[0] | undefined, sort = [desc("state.age")]) =>
  ({
    name,
    filter: filter === undefined ? undefined : normaliseFilter(filter),
    sort: [...normaliseSort(sort), ...TIE_BREAKERS],
  }) satisfies CursorQuery;

const invalidInput = expect.objectContaining({ code: "INVALID_INPUT" });

describe("keyset cursors", () => {
  const query = queryOf("profile", eq("state.city", "Leeds"));

  it("are opaque base64url text that round-trips every kind of sort value", () => {
    for (const values of [
      [30, "profile", "joe"],
      [null, "profile", "𝔸"],
      [-0.5, "p", "\uFF21"],
      [true, "p", "a.b"],
      ["", "p", '"quoted"'],
    ]) {
      const cursor = encodeCursor(query, values);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, query)).toEqual(values);
    }
  });

  it("belong to the query's name, filter and sort, whatever form its paths were written in", () => {
    const same = queryOf("profile", eq(["state", "city"], "Leeds"));
    expect(queryFingerprint(same)).toBe(queryFingerprint(query));
    const cursor = encodeCursor(query, [30, "profile", "joe"]);
    expect(decodeCursor(cursor, same)).toEqual([30, "profile", "joe"]);
    for (const other of [
      queryOf(undefined, eq("state.city", "Leeds")),
      queryOf("profiles", eq("state.city", "Leeds")),
      queryOf("profile", undefined),
      queryOf("profile", eq("state.city", "leeds")),
      queryOf("profile", eq("state.town", "Leeds")),
      queryOf("profile", matches("state.city", /Leeds/i)),
      queryOf("profile", eq("state.city", "Leeds"), [asc("state.age")]),
      queryOf("profile", eq("state.city", "Leeds"), [desc("state.age"), desc("id")]),
    ]) {
      expect(queryFingerprint(other)).not.toBe(queryFingerprint(query));
      expect(() => decodeCursor(cursor, other)).toThrow(/another query/);
    }
  });

  it("reject garbage, truncation, tampering and values that do not fit the sort", () => {
    const cursor = encodeCursor(query, [30, "profile", "joe"]);
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString("base64url");
    const fingerprint = queryFingerprint(query);
    for (const bad of [
      undefined,
      null,
      42,
      "",
      "🎉",
      "not a cursor",
      cursor.slice(0, -3),
      `${cursor}x!`,
      forged(null),
      forged([]),
      forged({ q: fingerprint }),
      forged({ q: fingerprint, v: [30, "profile"] }),
      forged({ q: fingerprint, v: [30, "profile", "joe", 1] }),
      forged({ q: fingerprint, v: [{ age: 30 }, "profile", "joe"] }),
      forged({ q: fingerprint, v: [[30], "profile", "joe"] }),
    ]) {
      expect(() => decodeCursor(bad, query), String(bad)).toThrow(invalidInput);
    }
    expect(decodeCursor(forged({ q: fingerprint, v: [31, "profile", "ann"] }), query)).toEqual([31, "profile", "ann"]);
  });
});
