/**
 * PostgreSQL text, and so `jsonb`, cannot hold U+0000. Wherever the projection
 * adapter compares text it encodes U+0000 as U+0001 U+0001 and U+0001 as
 * U+0001 U+0002, in stored states and in filter values alike. The code is
 * prefix-free and keeps code point order, so equality, order and prefixes are
 * exactly those of the original strings.
 */
export function encodeText(text: string): string {
  if (!text.includes("\u0000") && !text.includes("\u0001")) return text;
  // U+0001 first, so the U+0001s that stand for U+0000 are not encoded again.
  return text.replaceAll("\u0001", "\u0001\u0002").replaceAll("\u0000", "\u0001\u0001");
}

/** A `\u0000` or `\u0001` escape in JSON text (not an escaped backslash followed by `u0000`). */
const CONTROL_ESCAPE = /(?<!\\)(?:\\\\)*\\u000[01]/;
const CONTROL_ESCAPES = /(?<!\\)((?:\\\\)*)\\u000([01])/g;

/** Whether JSON text (as `JSON.stringify` writes it) holds a string that `encodeText` changes. */
export function needsEncoding(json: string): boolean {
  return json.includes("\\u000") && CONTROL_ESCAPE.test(json);
}

/** JSON text `jsonb` accepts, with every string encoded as `encodeText` does. */
export function jsonbText(json: string): string {
  return needsEncoding(json)
    ? json.replace(CONTROL_ESCAPES, (_, backslashes: string, digit: string) => `${backslashes}\\u0001\\u000${digit === "0" ? "1" : "2"}`)
    : json;
}
