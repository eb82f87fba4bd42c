/**
 * Texts as a PostgreSQL array literal. Most event ids and names need no quotes
 * (UUIDs, dotted or kebab-case names), so only those that do are quoted and
 * escaped, which costs less per batch than the driver's quoting of every element.
 */
export function textArrayLiteral(values: readonly string[]): string {
  let literal = "{";
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as string;
    if (index > 0) literal += ",";
    literal += BARE.test(value) && !NULL.test(value) ? value : `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  }
  return `${literal}}`;
}

/** Characters an unquoted array element may hold whatever they are next to. */
const BARE = /^[0-9A-Za-z_.:-]+$/;
/** An unquoted NULL, in any case, is the null value rather than the text. */
const NULL = /^null$/i;
