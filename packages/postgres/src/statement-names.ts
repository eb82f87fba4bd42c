import { createHash } from "node:crypto";

const names = new Map<string, string>();

/**
 * A name under which `pg` prepares a statement once per connection: derived
 * from the text, so one name never stands for two statements (pg rejects that),
 * and short enough for PostgreSQL's 63-byte names.
 */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `chronicle_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    if (names.size > 1000) names.clear();
    names.set(text, name);
  }
  return name;
}
