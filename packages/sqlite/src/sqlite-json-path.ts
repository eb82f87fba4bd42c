/** A key that SQLite's JSON path syntax accepts unquoted: the form an expression index is usually written in. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string segment that also reads an array element, by the lookup rule of core's `paths.ts`. */
const CANONICAL_INDEX = /^(?:0|[1-9]\d*)$/;

/** Whether a path segment is a string that may read an object key or an array element, depending on what it meets. */
export function isAmbiguousSegment(segment: string | number): segment is string {
  return typeof segment === "string" && CANONICAL_INDEX.test(segment);
}

/**
 * One step of an SQLite JSON path: `.key` for plain keys, `."…"` for any other
 * key, `[n]` for an array index. SQLite ends a quoted key at the first `"` and
 * decodes JSON escapes inside it, so `"`, `\` and control characters are
 * escaped as `\uXXXX`: every key, `.`, `[`, `$` and `'`
 * included, reads exactly itself.
 */
export function jsonPathStep(segment: string | number, as: "key" | "index"): string {
  if (as === "index") return `[${segment}]`;
  const key = String(segment);
  if (PLAIN_KEY.test(key)) return `.${key}`;
  let quoted = "";
  for (const character of key) {
    const code = character.codePointAt(0) as number;
    if (character === '"' || character === "\\" || code < 0x20) quoted += `\\u${code.toString(16).padStart(4, "0")}`;
    else quoted += character;
  }
  return `."${quoted}"`;
}

/** The SQLite JSON path of segments none of which is ambiguous: string segments read keys, numbers array indexes. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let path = "$";
  for (const segment of segments) path += jsonPathStep(segment, typeof segment === "number" ? "index" : "key");
  return path;
}

/** An SQL string literal of `text`: SQLite string literals know no escapes but the doubled quote. */
export function sqlStringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
