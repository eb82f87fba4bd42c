import { EventStore } from "@chronicle/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

const key = { subscription: "orders", share: 0 };

describe("SQLite subscription support", () => {
  it("lets exactly one of two processes win each compare-and-set of one checkpoint", async () => {
    const filename = temporaryDatabaseFile();
    await new SqliteEventStorageAdapter({ filename }).close();
    const children = [0, 1].map(() => startScript("checkpoint-race", { filename, attempts: 300 }));
    const outcomes = await Promise.all(children.map((child) => child.exited));
    for (const outcome of outcomes) expect(outcome.stderr).toBe("");
    const outputs = children.map((child) => child.lines.find(() => true) as { won: string[]; seen: string[] });
    const adapter = new SqliteEventStorageAdapter({ filename });
    const final = (await adapter.subscriptions.readCheckpoint({ subscription: "race", share: 0 }))?.position ?? 0n;
    await adapter.close();
    for (const { seen } of outputs) {
      const positions = seen.map(BigInt);
      expect(positions, "each process sees the checkpoint only move forwards").toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    }
    // Every position from 1 to the final one was won: each write moved it by one, none was lost. Both writers may
    // win the same position, since a write finding its position already stored succeeds (a retry is harmless).
    const won = [...new Set(outputs.flatMap((output) => output.won))].map(BigInt).sort((a, b) => (a < b ? -1 : 1));
    expect(won).toEqual(Array.from({ length: Number(final) }, (_, index) => BigInt(index + 1)));
    expect(final).toBeGreaterThanOrEqual(300n);
  }, 60_000);

  it("keeps positions beyond 2^53 exact and never moves a checkpoint backwards", async () => {
    const adapter = new SqliteEventStorageAdapter({ filename: temporaryDatabaseFile() });
    const big = 2n ** 62n + 1n;
    expect(await adapter.subscriptions.writeCheckpoint({ ...key, position: big, expected: undefined })).toBe(true);
    expect((await adapter.subscriptions.readCheckpoint(key))?.position).toBe(big);
    expect(await adapter.subscriptions.writeCheckpoint({ ...key, position: big - 1n, expected: big })).toBe(false);
    expect(await adapter.subscriptions.writeCheckpoint({ ...key, position: big, expected: 5n }), "a retried write").toBe(true);
    expect((await adapter.subscriptions.readCheckpoint(key))?.position).toBe(big);
    await adapter.close();
  });

  it("fences checkpoint writes by the epoch of the share's lease, seen from another connection", async () => {
    const filename = temporaryDatabaseFile();
    const first = new SqliteEventStorageAdapter({ filename });
    const second = new SqliteEventStorageAdapter({ filename });
    const share = { subscription: "group", share: 3 };
    const lease = await first.subscriptions.acquireLease({ ...share, member: "a", leaseMs: 1 });
    expect(lease?.epoch).toBe(1);
    expect(await first.subscriptions.writeCheckpoint({ ...share, position: 1n, expected: undefined, epoch: 1 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const taken = await second.subscriptions.acquireLease({ ...share, member: "b", leaseMs: 60_000 });
    expect(taken?.epoch).toBe(2);
    expect(
      await first.subscriptions.writeCheckpoint({ ...share, position: 2n, expected: 1n, epoch: 1 }),
      "the old holder is fenced off",
    ).toBe(false);
    expect(await first.subscriptions.renewLease({ ...share, member: "a", epoch: 1, leaseMs: 60_000 })).toBeUndefined();
    expect(await second.subscriptions.writeCheckpoint({ ...share, position: 2n, expected: 1n, epoch: 2 })).toBe(true);
    expect((await first.subscriptions.readCheckpoint(share))?.position).toBe(2n);
    await Promise.all([first.close(), second.close()]);
  });

  it("rolls back a transactional handler's writes when its work throws, and commits them with the checkpoint otherwise", async () => {
    const filename = temporaryDatabaseFile();
    const adapter = new SqliteEventStorageAdapter({ filename });
    const database = new Database(filename);
    database.exec("CREATE TABLE totals (value INTEGER NOT NULL)");
    const failure = new Error("handler failed");
    await expect(
      adapter.subscriptions.runInTransaction({ ...key, position: 1n, expected: undefined }, async (transaction) => {
        transaction.prepare("INSERT INTO totals (value) VALUES (1)").run();
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(database.prepare("SELECT COUNT(*) AS count FROM totals").get()).toEqual({ count: 0 });
    expect(await adapter.subscriptions.readCheckpoint(key)).toBeUndefined();
    const outcome = await adapter.subscriptions.runInTransaction({ ...key, position: 1n, expected: undefined }, async (transaction) => {
      transaction.prepare("INSERT INTO totals (value) VALUES (2)").run();
      return "stored";
    });
    expect(outcome).toEqual({ committed: true, result: "stored" });
    expect(database.prepare("SELECT value FROM totals").all()).toEqual([{ value: 2 }]);
    expect((await adapter.subscriptions.readCheckpoint(key))?.position).toBe(1n);
    database.close();
    await adapter.close();
  });

  it("keeps a save made while a handler's transaction is open out of it, so a rollback does not undo the save", async () => {
    const adapter = new SqliteEventStorageAdapter({ filename: temporaryDatabaseFile() });
    const store = new EventStore(adapter);
    await store.stream("orders", "1").publish({ events: [{ name: "placed", payload: 1 }] });
    let published: Promise<unknown> | undefined;
    await expect(
      adapter.subscriptions.runInTransaction({ ...key, position: 1n, expected: undefined }, async () => {
        published = store.stream("orders", "2").publish({ events: [{ name: "placed", payload: 2 }] });
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    await published;
    expect((await store.log().read()).map((event) => event.payload)).toEqual([1, 2]);
    await adapter.close();
  });

  it("rejects with CLOSED after the adapter closes", async () => {
    const adapter = new SqliteEventStorageAdapter({ filename: temporaryDatabaseFile() });
    await adapter.subscriptions.writeCheckpoint({ ...key, position: 1n, expected: undefined });
    await adapter.close();
    await expect(adapter.subscriptions.readCheckpoint(key)).rejects.toMatchObject({ code: "CLOSED" });
    await expect(adapter.subscriptions.runInTransaction({ ...key, position: 2n, expected: 1n }, async () => 1)).rejects.toMatchObject({
      code: "CLOSED",
    });
  });
});
