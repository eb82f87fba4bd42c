/**
 * Compares strings by Unicode code point, the order PostgreSQL's `COLLATE "C"`
 * and SQLite's `BINARY` give UTF-8 text. JavaScript's `<` compares UTF-16 code
 * units, which puts characters above U+FFFF before U+E000–U+FFFF.
 */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    const aSurrogate = a >= 0xd800 && a <= 0xdfff;
    const bSurrogate = b >= 0xd800 && b <= 0xdfff;
    // A surrogate starts a code point above U+FFFF, beyond every other code unit.
    if (aSurrogate !== bSurrogate) return aSurrogate ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}
