import { EventStore, streamIdentifier } from "@chronicle/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

const versionsOf = (filename: string) => {
  const database = new Database(filename, { readonly: true });
  try {
    return database.prepare("SELECT version FROM chronicle_schema_migrations ORDER BY version").all();
  } finally {
    database.close();
  }
};

describe("migrations", () => {
  it("are idempotent, recorded once per version, and leave user_version to the user", async () => {
    const filename = temporaryDatabaseFile();
    const database = new Database(filename);
    database.pragma("user_version = 42");
    const adapter = new SqliteEventStorageAdapter({ database });
    await adapter.migrate();
    await adapter.migrate();
    await new SqliteEventStorageAdapter({ database }).migrate();
    expect(versionsOf(filename)).toEqual([{ version: 1 }, { version: 2 }]);
    expect(database.pragma("user_version", { simple: true })).toBe(42);
    await adapter.close();
    database.close();
  });

  it("run once when many connections migrate a fresh file at the same time", async () => {
    const filename = temporaryDatabaseFile();
    const adapters = Array.from({ length: 6 }, () => new SqliteEventStorageAdapter({ filename }));
    await Promise.all(adapters.map((adapter) => adapter.migrate()));
    await Promise.all(
      adapters.map((adapter, index) =>
        adapter.save([{ target: streamIdentifier("a", `${index}`), events: [{ name: "x", payload: index }] }]),
      ),
    );
    await Promise.all(adapters.map((adapter) => adapter.close()));
    expect(versionsOf(filename)).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it("share one migration between concurrent calls on one instance, beside another instance migrating the same file", async () => {
    for (let round = 0; round < 10; round += 1) {
      const filename = temporaryDatabaseFile();
      const first = new SqliteEventStorageAdapter({ filename });
      const second = new SqliteEventStorageAdapter({ filename });
      await Promise.all([first.migrate(), second.migrate(), first.migrate()]);
      await Promise.all([first.close(), second.close()]);
      expect(versionsOf(filename)).toEqual([{ version: 1 }, { version: 2 }]);
    }
  });

  it("share one migration with a first publish already migrating, and with another adapter on the same connection", async () => {
    const filename = temporaryDatabaseFile();
    const database = new Database(filename);
    const adapter = new SqliteEventStorageAdapter({ database });
    const sameConnection = new SqliteEventStorageAdapter({ database });
    const target = streamIdentifier("a", "1");
    const publish = adapter.save([{ target, events: [{ name: "x", payload: 1 }] }]);
    // The publish starts migrating a turn of the event loop later: these calls land before, during and after it.
    const calls = [adapter.migrate(), sameConnection.migrate()];
    for (const wait of [0, 0, 1, 2]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      calls.push(adapter.migrate(), sameConnection.migrate());
    }
    await Promise.all([publish, ...calls]);
    expect((await adapter.latest(target))?.payload).toBe(1);
    expect(versionsOf(filename)).toEqual([{ version: 1 }, { version: 2 }]);
    database.close();
  });

  it("with migrate: false, are left to migrate(), and calls before it say so", async () => {
    const filename = temporaryDatabaseFile();
    const store = new EventStore(new SqliteEventStorageAdapter({ filename }, { migrate: false }));
    const failure = store.stream("a", "1").publish({ events: [{ name: "x", payload: 1 }] });
    await expect(failure).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: false });
    await expect(failure).rejects.toThrow(/migrate\(\)/);
    await expect(store.log().latest()).rejects.toMatchObject({ code: "UNAVAILABLE" });

    await new SqliteEventStorageAdapter({ filename }).migrate();
    await store.stream("a", "1").publish({ events: [{ name: "x", payload: 1 }] });
    expect(await store.log().read()).toHaveLength(1);
    await store.close();
  });

  it("refuse a database migrated by a newer Chronicle", async () => {
    const filename = temporaryDatabaseFile();
    const first = new SqliteEventStorageAdapter({ filename });
    await first.migrate();
    await first.close();
    const database = new Database(filename);
    database.prepare("INSERT INTO chronicle_schema_migrations (version, applied_at) VALUES (99, 0)").run();

    const adapter = new SqliteEventStorageAdapter({ database });
    await expect(adapter.migrate()).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(adapter.latest(streamIdentifier("a", "1"))).rejects.toThrow(/version 99/);
    database.close();
  });
});

describe("the schema's unique backstops", () => {
  it("refuse a second event with the same id, or at the same stream position, whoever writes it", async () => {
    const database = new Database(":memory:");
    await new SqliteEventStorageAdapter({ database }).migrate();
    const insert = database.prepare(
      "INSERT INTO chronicle_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at) VALUES (?, ?, ?, ?, 'x', '{}', '{}', 0, 0)",
    );
    insert.run("id-1", "a", "1", 0);
    expect(() => insert.run("id-1", "a", "2", 0)).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_UNIQUE" }));
    expect(() => insert.run("id-2", "a", "1", 0)).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_UNIQUE" }));
    database.close();
  });

  it("turn a foreign writer's conflicting row into UNMET_WRITE_CONDITION rather than a driver error", async () => {
    const database = new Database(":memory:");
    const adapter = new SqliteEventStorageAdapter({ database });
    await adapter.migrate();
    // A trigger stands in for another program writing the same position at the last moment.
    database.exec(`CREATE TRIGGER squat BEFORE INSERT ON chronicle_events WHEN NEW.id = 'mine' BEGIN
      INSERT INTO chronicle_events (id, category, stream, position, name, payload, metadata, occurred_at, observed_at)
      VALUES ('theirs', NEW.category, NEW.stream, NEW.position, 'x', '{}', '{}', 0, 0);
    END`);
    await expect(
      adapter.save([{ target: streamIdentifier("a", "1"), events: [{ id: "mine", name: "x", payload: 1 }] }]),
    ).rejects.toMatchObject({
      code: "UNMET_WRITE_CONDITION",
      latestPosition: undefined,
      cause: { code: "SQLITE_CONSTRAINT_UNIQUE" },
    });
    expect(database.prepare("SELECT COUNT(*) AS count FROM chronicle_events").get()).toEqual({ count: 0 });
    database.close();
  });
});
