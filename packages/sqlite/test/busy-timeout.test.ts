import { performance } from "node:perf_hooks";
import { EventStore } from "@chronicle/core";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteEventStorageAdapter } from "../src/index.js";
import { startScript } from "./child-process.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

afterAll(removeTemporaryFiles);

/** A migrated file whose write lock another process holds until `release()`. */
async function lockedFile() {
  const filename = temporaryDatabaseFile();
  const setup = new SqliteEventStorageAdapter({ filename });
  await setup.migrate();
  await setup.close();
  const holder = startScript("hold-write-lock", { filename });
  await holder.waitForLine((line) => (line as { type: string }).type === "locked");
  return {
    filename,
    release: async () => {
      holder.process.stdin.end("release\n");
      const exit = await holder.exited;
      expect(exit, exit.stderr).toMatchObject({ code: 0 });
    },
  };
}

describe("waiting for another process's write lock", () => {
  it("rejects with retryable UNAVAILABLE only once busyTimeoutMs has really passed, without blocking the event loop", async () => {
    const { filename, release } = await lockedFile();
    const store = new EventStore(new SqliteEventStorageAdapter({ filename }, { busyTimeoutMs: 600 }));
    try {
      await store.log().latest(); // reads are not blocked by a writer in WAL mode
      let ticks = 0;
      const ticker = setInterval(() => {
        ticks += 1;
      }, 10);
      const started = performance.now();
      const error = await store
        .stream("accounts", "a")
        .publish({ events: [{ name: "opened", payload: {} }] })
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      const elapsed = performance.now() - started;
      clearInterval(ticker);

      expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true, cause: { code: "SQLITE_BUSY" } });
      expect(elapsed).toBeGreaterThanOrEqual(600);
      expect(elapsed).toBeLessThan(3_000);
      // A 600 ms wait inside the synchronous driver would have let no timer run.
      expect(ticks).toBeGreaterThan(20);
    } finally {
      await release();
      await store.close();
    }
    const reopened = new EventStore(new SqliteEventStorageAdapter({ filename }));
    expect(await reopened.log().read()).toEqual([]);
    await reopened.close();
  });

  it("waits out a lock held for less than busyTimeoutMs, so the caller never sees SQLITE_BUSY", async () => {
    const { filename, release } = await lockedFile();
    const store = new EventStore(new SqliteEventStorageAdapter({ filename }, { busyTimeoutMs: 10_000 }));
    try {
      const publishes = Array.from({ length: 20 }, (_, index) =>
        store.stream("accounts", `a${index % 3}`).publish({ events: [{ name: "opened", payload: { index } }] }),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      await release();
      const stored = await Promise.all(publishes);
      expect(stored.flat().map((event) => event.sequenceNumber)).toEqual(stored.map((_, index) => BigInt(index + 1)));
    } finally {
      await store.close();
    }
  });
});
