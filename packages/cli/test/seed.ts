import { EventStore, streamIdentifier } from "@chronicle/core";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { createRandom } from "@chronicle/testing";

/**
 * Fills a new SQLite store with `count` random events (Unicode and nested
 * payloads, metadata, dates) spread over 5 categories of 40 streams, several
 * streams to a save, so the log interleaves streams as real logs do.
 */
export async function seedSqlite(filename: string, count: number, seed = "cli"): Promise<void> {
  const random = createRandom(seed);
  const categories = Array.from({ length: 5 }, (_, index) => `${random.categoryName()}-${index}`);
  const streams = categories.flatMap((category) => Array.from({ length: 40 }, (_, index) => streamIdentifier(category, `s-${index}`)));
  const store = new EventStore(new SqliteEventStorageAdapter({ filename }, { synchronous: "normal" }));
  try {
    let written = 0;
    while (written < count) {
      const chosen = random.shuffle(streams).slice(0, 4);
      const writes = chosen.map((target) => {
        const size = Math.min(random.integer(1, 60), count - written);
        written += size;
        return { target, events: Array.from({ length: size }, () => ({ ...random.newEvent(), observedAt: random.date() })) };
      });
      await store.publish({ writes: writes.filter((write) => write.events.length > 0) });
    }
  } finally {
    await store.close();
  }
}
