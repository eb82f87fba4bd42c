import { existsSync } from "node:fs";
import { EventStore, type StoredEvent, streamIdentifier } from "@chronicle/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

const opened = (index: number) => ({ name: "opened", payload: { index } });

describe("connecting", () => {
  it("keeps a private database for { filename: ':memory:' }", async () => {
    const first = new EventStore(new SqliteEventStorageAdapter({ filename: ":memory:" }));
    const second = new EventStore(new SqliteEventStorageAdapter({ filename: ":memory:" }));
    await first.stream("accounts", "a").publish({ events: [opened(0), opened(1)] });
    expect((await first.log().read()).map((event) => event.position)).toEqual([0, 1]);
    expect(await second.log().read()).toEqual([]);
    await first.close();
    await second.close();
  });

  it("persists a file across adapters, and closes the database it opened", async () => {
    const filename = temporaryDatabaseFile();
    const writer = new EventStore(new SqliteEventStorageAdapter({ filename }));
    const stored = await writer.stream("accounts", "a").publish({ events: [opened(0)] });
    expect(existsSync(`${filename}-wal`)).toBe(true);
    await writer.close();
    // The last connection to close checkpoints and removes the write-ahead log.
    expect(existsSync(`${filename}-wal`)).toBe(false);

    const reader = new EventStore(new SqliteEventStorageAdapter({ filename }));
    expect(await reader.log().read()).toEqual(stored);
    await reader.close();
  });

  it("uses the user's own database, sets its pragmas, and leaves it open", async () => {
    const filename = temporaryDatabaseFile();
    const database = new Database(filename);
    const adapter = new SqliteEventStorageAdapter({ database });
    expect(database.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(database.pragma("busy_timeout", { simple: true })).toBeLessThanOrEqual(5);
    await adapter.latest(streamIdentifier("accounts", "a"));
    expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    await adapter.close();
    await adapter.close();
    expect(database.open).toBe(true);
    expect(database.prepare("SELECT COUNT(*) AS count FROM chronicle_events").get()).toEqual({ count: 0 });
    database.close();
  });

  it("gives a file it creates 2 KiB pages, and leaves the page size of an existing database or the user's own alone", async () => {
    const pageSize = (filename: string) => {
      const database = new Database(filename, { readonly: true });
      const size = database.pragma("page_size", { simple: true });
      database.close();
      return size;
    };
    const created = temporaryDatabaseFile();
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: created }));
    await store.stream("accounts", "a").publish({ events: [opened(0)] });
    await store.close();
    expect(pageSize(created)).toBe(2048);

    const existing = temporaryDatabaseFile();
    const before = new Database(existing);
    before.exec("CREATE TABLE unrelated (value TEXT)");
    before.close();
    const onExisting = new EventStore(new SqliteEventStorageAdapter({ filename: existing }));
    await onExisting.stream("accounts", "a").publish({ events: [opened(0)] });
    await onExisting.close();
    expect(pageSize(existing)).toBe(4096);

    const own = new Database(temporaryDatabaseFile());
    const onOwn = new EventStore(new SqliteEventStorageAdapter({ database: own }));
    await onOwn.stream("accounts", "a").publish({ events: [opened(0)] });
    await onOwn.close();
    expect(own.pragma("page_size", { simple: true })).toBe(4096);
    own.close();
  });

  it("sets synchronous = NORMAL when asked, whatever the driver's default", () => {
    const database = new Database(":memory:");
    database.pragma("synchronous = OFF");
    new SqliteEventStorageAdapter({ database }, { synchronous: "normal" });
    expect(database.pragma("synchronous", { simple: true })).toBe(1);
    database.close();
  });

  it("rejects unknown options when constructed", () => {
    const filename = ":memory:";
    expect(() => new SqliteEventStorageAdapter({ filename }, { synchronous: "off" as "full" })).toThrow(TypeError);
    expect(() => new SqliteEventStorageAdapter({ filename }, { busyTimeoutMs: -1 })).toThrow(TypeError);
    expect(() => new SqliteEventStorageAdapter({ filename }, { serialisationGuarantee: "table" as "log" })).toThrow(TypeError);
  });

  it("declares every serialisation guarantee, since SQLite serialises every write anyway", () => {
    const adapter = new SqliteEventStorageAdapter({ filename: ":memory:" }, { serialisationGuarantee: "stream" });
    expect(adapter.capabilities).toEqual({
      multiStreamWrites: true,
      serialisationGuarantees: ["log", "category", "stream"],
      serialisationGuarantee: "stream",
      subscriptions: { durable: true, transactional: true, notifications: false, consumerGroups: true },
    });
  });
});

describe("errors", () => {
  it("rejects with CLOSED when the user's database is closed underneath", async () => {
    const database = new Database(":memory:");
    const store = new EventStore(new SqliteEventStorageAdapter({ database }));
    const joe = store.stream("profiles", "joe");
    await joe.publish({ events: [opened(0)] });
    database.close();
    await expect(joe.publish({ events: [opened(1)] })).rejects.toMatchObject({ code: "CLOSED" });
    await expect(joe.latest()).rejects.toMatchObject({ code: "CLOSED" });
    await expect(joe.read()).rejects.toMatchObject({ code: "CLOSED" });
    await store.close();
  });

  it("rejects saves queued when the database is closed underneath with CLOSED, not a driver error", async () => {
    const database = new Database(":memory:");
    const store = new EventStore(new SqliteEventStorageAdapter({ database }));
    await store.log().latest();
    const pending = store.stream("profiles", "joe").publish({ events: [opened(0)] });
    database.close();
    await expect(pending).rejects.toMatchObject({ code: "CLOSED", cause: expect.any(TypeError) });
  });
});

describe("storing", () => {
  it("returns from a save exactly what a read returns, however many events one write holds", async () => {
    const database = new Database(":memory:");
    const store = new EventStore(new SqliteEventStorageAdapter({ database }));
    await store.stream("accounts", "other").publish({ events: [opened(-1)] });
    for (const count of [1, 9, 10, 11, 25, 100]) {
      const stream = store.stream("accounts", `n${count}`);
      const stored = await stream.publish({ events: Array.from({ length: count }, (_, index) => opened(index)) });
      expect(await stream.read()).toEqual(stored);
      expect(stored.map((event) => event.position)).toEqual(stored.map((_, index) => index));
    }
    const rows = database.prepare("SELECT sequence_number FROM chronicle_events ORDER BY sequence_number").all();
    expect((await store.log().read()).map((event) => ({ sequence_number: Number(event.sequenceNumber) }))).toEqual(rows);
    await store.close();
    database.close();
  });
});

describe("scanning a stream page by page", () => {
  it("returns what one unpaged read returns, for every bound and direction", async () => {
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: ":memory:" }));
    // Interleave two streams, so that sequence numbers and positions differ.
    for (let index = 0; index < 30; index += 1) {
      await store.publish({
        writes: [
          { target: streamIdentifier("accounts", "a"), events: [{ name: index % 3 === 0 ? "closed" : "opened", payload: { index } }] },
          { target: streamIdentifier("accounts", "b"), events: [opened(index)] },
        ],
      });
    }
    const a = store.stream("accounts", "a");
    const all = await a.read({ pageSize: 1_000 });
    const sequence = (position: number) => (all[position] as StoredEvent).sequenceNumber;
    const cases = [
      {},
      { fromPosition: 4 },
      { toPosition: 20 },
      { fromPosition: 3, toPosition: 17 },
      { after: sequence(5) },
      { before: sequence(25) },
      { after: sequence(5), before: sequence(25), fromPosition: 8 },
      { names: ["closed"] },
      { names: ["opened"], fromPosition: 2, limit: 7 },
    ];
    for (const bounds of cases) {
      const expected = all.filter(
        (event) =>
          (bounds.fromPosition === undefined || event.position >= bounds.fromPosition) &&
          (bounds.toPosition === undefined || event.position <= bounds.toPosition) &&
          (bounds.after === undefined || event.sequenceNumber > bounds.after) &&
          (bounds.before === undefined || event.sequenceNumber < bounds.before) &&
          (bounds.names === undefined || bounds.names.includes(event.name)),
      );
      const limit = "limit" in bounds ? bounds.limit : undefined;
      for (const pageSize of [1, 2, 7]) {
        expect(
          await a.read({ ...bounds, pageSize }),
          JSON.stringify({ ...bounds, pageSize }, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
        ).toEqual(expected.slice(0, limit));
        expect(await a.read({ ...bounds, pageSize, direction: "backwards" })).toEqual(expected.reverse().slice(0, limit));
        expected.reverse();
      }
    }
    await store.close();
  });
});
