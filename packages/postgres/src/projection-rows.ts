import type { EventTarget, JsonValue, Projection } from "@chronicle/core";

/** One row of `PROJECTION_COLUMNS` in array mode, every value as the server's text. */
export type ProjectionRow = [string, string, string, string | null, string | null, string, string, string | null, string, string | null];

/** Turns a row of `PROJECTION_COLUMNS` into the projection it stores. */
export function toProjection(row: ProjectionRow): Projection {
  return {
    name: row[0],
    id: row[1],
    source: toSource(row[2], row[3], row[4]),
    state: JSON.parse(row[5]) as JsonValue,
    version: Number(row[6]),
    position: row[7] === null ? undefined : BigInt(row[7]),
    eventCount: Number(row[8]),
    updatedAt: row[9] === null ? undefined : new Date(Number(row[9])),
  };
}

function toSource(type: string, category: string | null, stream: string | null): EventTarget {
  if (type === "stream") return { type: "stream", category: category ?? "", stream: stream ?? "" };
  if (type === "category") return { type: "category", category: category ?? "" };
  return { type: "log" };
}

/** The source columns of a target: type, category (not for the log) and stream (only for a stream). */
export function sourceColumns(source: EventTarget): [string, string | null, string | null] {
  switch (source.type) {
    case "log":
      return ["log", null, null];
    case "category":
      return ["category", source.category, null];
    case "stream":
      return ["stream", source.category, source.stream];
  }
}
