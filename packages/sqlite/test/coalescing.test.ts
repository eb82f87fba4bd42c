import { EventStore, isChronicleError, positionIs, streamIsEmpty } from "@chronicle/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { type SqliteDatabase, SqliteEventStorageAdapter, type SqliteStatement } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

/** The user's real database, seen through a wrapper that counts the write transactions the adapter begins on it. */
function countingTransactions(database: Database.Database): { database: SqliteDatabase; transactions: () => number } {
  let transactions = 0;
  const counted: SqliteDatabase = {
    get open() {
      return database.open;
    },
    get inTransaction() {
      return database.inTransaction;
    },
    get readonly() {
      return database.readonly;
    },
    exec: (source) => database.exec(source),
    close: () => database.close(),
    prepare(source): SqliteStatement {
      const statement = database.prepare(source);
      if (source !== "BEGIN IMMEDIATE") return statement;
      return {
        run: (...parameters) => {
          const result = statement.run(...parameters);
          transactions += 1;
          return result;
        },
        get: (...parameters) => statement.get(...parameters),
        all: (...parameters) => statement.all(...parameters),
      };
    },
  };
  return { database: counted, transactions: () => transactions };
}

describe("concurrent publishes in one process", () => {
  it("are coalesced into one transaction, each condition judged on its own", async () => {
    const raw = new Database(temporaryDatabaseFile());
    const { database, transactions } = countingTransactions(raw);
    const store = new EventStore(new SqliteEventStorageAdapter({ database }));
    const account = store.stream("accounts", "a");
    await account.publish({ events: [{ name: "opened", payload: {} }] });
    const before = transactions();

    // Ten racers on position 0 (one wins), ten on position 5 (none can), ten unconditional.
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, index) =>
        account.publish({ events: [{ name: "raced", payload: { index } }], condition: positionIs(0) }),
      ),
      ...Array.from({ length: 10 }, () => account.publish({ events: [{ name: "late", payload: {} }], condition: positionIs(5) })),
      ...Array.from({ length: 10 }, (_, index) =>
        store.stream("accounts", `b${index}`).publish({ events: [{ name: "opened", payload: {} }] }),
      ),
    ]);

    expect(transactions() - before).toBe(1);
    const codes = outcomes.map((outcome) => (outcome.status === "fulfilled" ? "stored" : (outcome.reason as { code: string }).code));
    expect(codes.slice(0, 10)).toEqual(["stored", ...Array(9).fill("UNMET_WRITE_CONDITION")]);
    expect(codes.slice(10, 20)).toEqual(Array(10).fill("UNMET_WRITE_CONDITION"));
    expect(codes.slice(20)).toEqual(Array(10).fill("stored"));
    expect((await account.read()).map((event) => event.name)).toEqual(["opened", "raced"]);
    expect(await store.log().read()).toHaveLength(12);
    await store.close();
    raw.close();
  });

  it("recognise a retried publish in the same transaction as the original", async () => {
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: ":memory:" }));
    const joe = store.stream("profiles", "joe");
    const publish = () =>
      joe.publish({ events: [{ id: "created-joe", name: "created", payload: { name: "Joe" } }], condition: streamIsEmpty() });
    const [original, retried] = await Promise.all([publish(), publish()]);
    expect(retried).toEqual(original);
    await expect(joe.publish({ events: [{ id: "created-joe", name: "created", payload: { name: "Jo" } }] })).rejects.toMatchObject({
      code: "DUPLICATE_EVENT_ID",
    });
    expect(await joe.read()).toHaveLength(1);
    await store.close();
  });

  it("never fail, however many async writers there are", async () => {
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: temporaryDatabaseFile() }));
    const writers = 32;
    const publishes = 40;
    const errors: unknown[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let index = 0; index < publishes; index += 1) {
          try {
            await store.stream("accounts", `own-${writer}`).publish({ events: [{ name: "deposited", payload: { index } }] });
            await store.stream("accounts", "shared").publish({ events: [{ name: "deposited", payload: { writer, index } }] });
            // Optimistic concurrency on one stream: a lost race is retried, never reported as anything else.
            for (;;) {
              const latest = await store.stream("counters", "shared").latest();
              try {
                await store.stream("counters", "shared").publish({
                  events: [{ name: "counted", payload: {} }],
                  condition: latest === undefined ? streamIsEmpty() : positionIs(latest.position),
                });
                break;
              } catch (error) {
                if (!isChronicleError(error, "UNMET_WRITE_CONDITION")) throw error;
              }
            }
          } catch (error) {
            errors.push(error);
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    for (const stream of ["shared", "own-0", "own-31"]) {
      const events = await store.stream("accounts", stream).read();
      expect(events.map((event) => event.position)).toEqual(events.map((_, index) => index));
    }
    expect(await store.stream("accounts", "shared").read()).toHaveLength(writers * publishes);
    expect((await store.stream("counters", "shared").latest())?.position).toBe(writers * publishes - 1);
    const log = await store.log().read();
    expect(log).toHaveLength(3 * writers * publishes);
    expect(log.every((event, index) => index === 0 || event.sequenceNumber > (log[index - 1]?.sequenceNumber ?? 0n))).toBe(true);
    await store.close();
  });

  it("drop a queued save whose signal aborts before its transaction starts", async () => {
    const filename = temporaryDatabaseFile();
    const store = new EventStore(new SqliteEventStorageAdapter({ filename }));
    await store.log().latest();
    const holder = new Database(filename);
    holder.exec("BEGIN IMMEDIATE");
    const controller = new AbortController();
    const abandoned = store.stream("a", "1").publish({ events: [{ name: "x", payload: 1 }], signal: controller.signal });
    const kept = store.stream("a", "2").publish({ events: [{ name: "x", payload: 2 }] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error("no longer wanted"));
    await expect(abandoned).rejects.toThrow("no longer wanted");
    holder.exec("COMMIT");
    await kept;
    expect((await store.log().read()).map((event) => event.stream)).toEqual(["2"]);
    holder.close();
    await store.close();
  });

  it("are finished, not dropped, when the adapter closes while they wait", async () => {
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: temporaryDatabaseFile() }));
    const publishes = Array.from({ length: 5 }, (_, index) =>
      store.stream("a", `${index}`).publish({ events: [{ name: "x", payload: index }] }),
    );
    await store.close();
    expect(await Promise.all(publishes)).toHaveLength(5);
    await expect(store.stream("a", "0").latest()).rejects.toMatchObject({ code: "CLOSED" });
  });
});
