import { CliError } from "./cli-error.js";

/** Where a store lives, as a store URL names it. */
export type StoreLocation =
  | { readonly kind: "postgres"; readonly url: string; readonly connectionString: string; readonly schema: string | undefined }
  | { readonly kind: "sqlite"; readonly url: string; readonly filename: string }
  | { readonly kind: "redis"; readonly url: string; readonly redisUrl: string; readonly keyPrefix: string | undefined };

const EXAMPLES = "postgres://user@host:5432/db?schema=chronicle, sqlite:./events.db, redis://127.0.0.1:6379?prefix=chronicle:";

/**
 * Parses a store URL: `postgres://…` or `postgresql://…` (`?schema=` picks the
 * schema), `sqlite:<path>` or `file:<path>` (relative or absolute), `redis://…`
 * or `rediss://…` (`?prefix=` picks the key prefix).
 */
export function parseStoreUrl(text: string | undefined, option = "--url"): StoreLocation {
  if (text === undefined || text.trim() === "") {
    throw new CliError(`${option} is required (or CHRONICLE_URL): a store URL such as ${EXAMPLES}`, { usage: true });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  switch (scheme) {
    case "postgres":
    case "postgresql": {
      const url = parseUrl(text, option);
      const schema = url.searchParams.get("schema") ?? undefined;
      url.searchParams.delete("schema");
      if (schema === "") throw new CliError(`${option}: ?schema= needs a schema name`, { usage: true });
      return { kind: "postgres", url: text, connectionString: url.toString(), schema };
    }
    case "sqlite":
    case "file": {
      const filename = sqliteFilename(text.slice(scheme.length + 1));
      if (filename === "") throw new CliError(`${option}: ${scheme}: needs a file path, such as ${scheme}:./events.db`, { usage: true });
      return { kind: "sqlite", url: text, filename };
    }
    case "redis":
    case "rediss": {
      const url = parseUrl(text, option);
      const keyPrefix = url.searchParams.get("prefix") ?? undefined;
      url.searchParams.delete("prefix");
      if (keyPrefix === "") throw new CliError(`${option}: ?prefix= needs a key prefix`, { usage: true });
      return { kind: "redis", url: text, redisUrl: url.toString(), keyPrefix };
    }
    default:
      throw new CliError(`${option}: unknown store URL ${JSON.stringify(redactUrl(text))}; expected one of ${EXAMPLES}`, { usage: true });
  }
}

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}

function parseUrl(text: string, option: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new CliError(`${option}: ${JSON.stringify(redactUrl(text))} is not a valid URL`, { usage: true });
  }
}

/** `sqlite:./a.db`, `sqlite:a.db`, `sqlite:///abs/a.db`, `sqlite:/abs/a.db`, `file:…` likewise. */
function sqliteFilename(rest: string): string {
  const path = rest.startsWith("//") ? rest.slice(2) : rest;
  const withoutQuery = path.split("?")[0] ?? "";
  return decodeURIComponent(withoutQuery);
}
