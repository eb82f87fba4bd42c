import { existsSync } from "node:fs";
import { type EventStorageAdapter, EventStore, isChronicleError } from "@chronicle/core";
import { CliError } from "./cli-error.js";
import { redactUrl, type StoreLocation } from "./store-url.js";

/** An event store opened from a store URL, with what the command needs to close and describe it. */
export interface OpenedStore {
  readonly store: EventStore;
  readonly adapter: EventStorageAdapter & { migrate?: () => Promise<void> };
  readonly location: StoreLocation;
  /** The URL without its password, for messages. */
  readonly display: string;
}

/** What each kind of store needs installed beside the command. */
const PACKAGES = {
  postgres: { adapter: "@chronicle/postgres", driver: "pg" },
  sqlite: { adapter: "@chronicle/sqlite", driver: "better-sqlite3" },
  redis: { adapter: "@chronicle/redis", driver: "ioredis" },
} as const;

/**
 * Opens the adapter a store URL names. The adapter packages are optional peer
 * dependencies: a missing one is reported with the command that installs it.
 * `mustExist` refuses an SQLite file that is not there rather than creating it.
 */
export async function openStore(location: StoreLocation, options: { mustExist?: boolean } = {}): Promise<OpenedStore> {
  const display = redactUrl(location.url);
  const adapter = await createAdapter(location, options);
  return { store: new EventStore(adapter), adapter, location, display };
}

async function createAdapter(location: StoreLocation, options: { mustExist?: boolean }): Promise<OpenedStore["adapter"]> {
  switch (location.kind) {
    case "postgres": {
      const { PostgresEventStorageAdapter } = await importAdapter<typeof import("@chronicle/postgres")>("postgres");
      return new PostgresEventStorageAdapter(
        { connectionString: location.connectionString },
        location.schema === undefined ? {} : { schema: location.schema },
      );
    }
    case "sqlite": {
      if (options.mustExist && location.filename !== ":memory:" && !existsSync(location.filename)) {
        throw new CliError(
          `${location.filename} does not exist: check the path, or create the store with chronicle migrate --url ${location.url}`,
        );
      }
      const { SqliteEventStorageAdapter } = await importAdapter<typeof import("@chronicle/sqlite")>("sqlite");
      return new SqliteEventStorageAdapter({ filename: location.filename });
    }
    case "redis": {
      const { RedisEventStorageAdapter } = await importAdapter<typeof import("@chronicle/redis")>("redis");
      return new RedisEventStorageAdapter(
        { url: location.redisUrl },
        location.keyPrefix === undefined ? {} : { keyPrefix: location.keyPrefix },
      );
    }
  }
}

async function importAdapter<Module>(kind: keyof typeof PACKAGES): Promise<Module> {
  const { adapter, driver } = PACKAGES[kind];
  try {
    return (await import(adapter)) as Module;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      const missing = String((error as Error).message).includes(`'${driver}'`) ? driver : adapter;
      throw new CliError(
        `${kind} store URLs need ${adapter} and ${driver}, and ${missing} is not installed: npm install ${adapter} ${driver}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Turns a failure into a one-line message that says what to do. A store that
 * cannot be reached is named by its URL without the password.
 */
export function describeFailure(error: unknown, display: string | undefined): CliError {
  if (error instanceof CliError) return error;
  if (isChronicleError(error, "UNAVAILABLE")) {
    const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? `: ${error.cause.message}` : "";
    return new CliError(
      `Cannot reach the store at ${display ?? "the given URL"} (${error.message}${cause}). Check that the server is running and the URL is right.`,
      { cause: error },
    );
  }
  if (isChronicleError(error)) return new CliError(`${error.code}: ${error.message}`, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(display === undefined ? message : `${message} (store ${display})`, { cause: error });
}
