/** Quotes a name as a PostgreSQL identifier, so any schema name is taken literally. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes text as a PostgreSQL string literal (standard_conforming_strings, on since 9.1). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
