import { categoryIdentifier, type EventTarget, logIdentifier, streamIdentifier } from "@chronicle/core";
import { expect } from "vitest";
import { projection } from "../../projection-builder.js";
import { defineProjectionTests } from "../define-tests.js";

function over(name: string, id: string, source: EventTarget) {
  return projection().withName(name).withId(id).withSource(source).withState({ name, id }).build();
}

/** `locate` finds the projection of a name over exactly one source. */
export const locateTests = defineProjectionTests("locate", {
  "locate.stream-source": async ({ store }) => {
    const joe = over("profile", "joe", streamIdentifier("profiles", "joe"));
    await store.save(joe);
    await store.save(over("profile", "jane", streamIdentifier("profiles", "jane")));
    expect(await store.locate({ name: "profile", source: streamIdentifier("profiles", "joe") })).toEqual(joe);
  },
  "locate.category-source": async ({ store }) => {
    const all = over("summary", "profiles", categoryIdentifier("profiles"));
    await store.save(all);
    await store.save(over("summary", "orders", categoryIdentifier("orders")));
    expect(await store.locate({ name: "summary", source: categoryIdentifier("profiles") })).toEqual(all);
  },
  "locate.log-source": async ({ store }) => {
    const log = over("totals", "log", logIdentifier());
    await store.save(log);
    await store.save(over("totals", "profiles", categoryIdentifier("profiles")));
    expect(await store.locate({ name: "totals", source: logIdentifier() })).toEqual(log);
  },
  "locate.missing": async ({ store }) => {
    expect(await store.locate({ name: "profile", source: streamIdentifier("profiles", "joe") })).toBeUndefined();
    await store.save(over("profile", "joe", streamIdentifier("profiles", "joe")));
    expect(await store.locate({ name: "profile", source: streamIdentifier("profiles", "jo") })).toBeUndefined();
    expect(await store.locate({ name: "profile", source: streamIdentifier("profile", "joe") })).toBeUndefined();
    expect(await store.locate({ name: "other", source: streamIdentifier("profiles", "joe") })).toBeUndefined();
  },
  "locate.exact-source-type": async ({ store }) => {
    // A category and a stream that share names, and the log, are three different sources.
    await store.save(over("p", "stream", streamIdentifier("profiles", "profiles")));
    expect(await store.locate({ name: "p", source: categoryIdentifier("profiles") })).toBeUndefined();
    expect(await store.locate({ name: "p", source: logIdentifier() })).toBeUndefined();
    await store.save(over("p", "category", categoryIdentifier("profiles")));
    expect((await store.locate({ name: "p", source: categoryIdentifier("profiles") }))?.id).toBe("category");
    expect((await store.locate({ name: "p", source: streamIdentifier("profiles", "profiles") }))?.id).toBe("stream");
    expect(await store.locate({ name: "p", source: logIdentifier() })).toBeUndefined();
  },
  "locate.separators-kept-apart": async ({ store }) => {
    await store.save(over("p", "one", streamIdentifier("a:b", "c")));
    await store.save(over("p", "two", streamIdentifier("a", "b:c")));
    await store.save(over("p", "three", streamIdentifier("a/b", "c")));
    expect((await store.locate({ name: "p", source: streamIdentifier("a:b", "c") }))?.id).toBe("one");
    expect((await store.locate({ name: "p", source: streamIdentifier("a", "b:c") }))?.id).toBe("two");
    expect((await store.locate({ name: "p", source: streamIdentifier("a/b", "c") }))?.id).toBe("three");
    expect(await store.locate({ name: "p", source: streamIdentifier("a", "b/c") })).toBeUndefined();
  },
  "locate.smallest-id-in-code-point-order": async ({ store }) => {
    const source = streamIdentifier("profiles", "shared");
    for (const id of ["𝔸", "ｚ", "é", "b", "B"]) await store.save(over("profile", id, source));
    await store.save(over("profile", "A", streamIdentifier("profiles", "other")));
    expect((await store.locate({ name: "profile", source }))?.id).toBe("B");
    await store.delete({ name: "profile", id: "B" });
    expect((await store.locate({ name: "profile", source }))?.id).toBe("b");
    await store.delete({ name: "profile", id: "b" });
    await store.delete({ name: "profile", id: "é" });
    // U+FF5A comes before U+1D538 by code point, though not by UTF-16 code unit.
    expect((await store.locate({ name: "profile", source }))?.id).toBe("ｚ");
  },
  "locate.follows-saves": async ({ store }) => {
    const source = streamIdentifier("profiles", "joe");
    await store.save({ ...over("profile", "joe", source), version: 1, position: 3n, eventCount: 3, updatedAt: new Date(3) });
    const newer = {
      ...over("profile", "joe", source),
      version: 1,
      position: 7n,
      eventCount: 7,
      updatedAt: new Date(7),
      state: { newer: true },
    };
    await store.save(newer);
    expect(await store.locate({ name: "profile", source })).toEqual(newer);
    const moved = { ...newer, position: 8n, source: streamIdentifier("profiles", "joseph") };
    await store.save(moved);
    expect(await store.locate({ name: "profile", source }), "a projection saved over another source has left this one").toBeUndefined();
    expect(await store.locate({ name: "profile", source: streamIdentifier("profiles", "joseph") })).toEqual(moved);
  },
});
