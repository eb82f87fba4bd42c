import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { EventStore } from "@chronicle/core";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import { RedisEventStorageAdapter } from "@chronicle/redis";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { decodeEvent } from "../src/index.js";
import {
  expectSameEvents,
  finished,
  POSTGRES_URL,
  REDIS_URL,
  RUN,
  readLog,
  removeTestStores,
  runCli,
  runCliOk,
  startCli,
  temporaryFolder,
} from "./cli-test-support.js";
import { seedSqlite } from "./seed.js";

const schemas: string[] = [];
const prefixes: string[] = [];
const postgresUrl = (name: string) => {
  const schema = `${RUN}_${name}`;
  schemas.push(schema);
  return `${POSTGRES_URL}${POSTGRES_URL.includes("?") ? "&" : "?"}schema=${schema}`;
};
const redisUrl = (name: string) => {
  const prefix = `${RUN}:${name}:`;
  prefixes.push(prefix);
  return `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
};

afterAll(() => removeTestStores(schemas, prefixes));

/** Opens a store URL the way the tests check results: directly through the adapters. */
function openDirect(url: string): EventStore {
  if (url.startsWith("sqlite:")) return new EventStore(new SqliteEventStorageAdapter({ filename: url.slice("sqlite:".length) }));
  if (url.startsWith("postgres")) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    return new EventStore(new PostgresEventStorageAdapter({ connectionString: parsed.toString() }, { schema }));
  }
  const parsed = new URL(url);
  const keyPrefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  return new EventStore(new RedisEventStorageAdapter({ url: parsed.toString() }, { keyPrefix }));
}

async function logOf(url: string) {
  const store = openDirect(url);
  try {
    return await readLog(store);
  } finally {
    await store.close();
  }
}

describe("bad usage", () => {
  it("exits with 2 and says what is wrong", async () => {
    for (const [args, message] of [
      [["stats", "--url", "mysql://localhost/db"], /unknown store URL/],
      [["stats"], /--url is required/],
      [["teleport"], /unknown command/],
      [["read", "--url", "sqlite:./x.db", "profiles", "--limit", "0"], /--limit takes a whole number/],
      [["read", "--url", "sqlite:./x.db", "/joe"], /expected <category> or <category>\/<stream>/],
      [["copy", "--from", "sqlite:./x.db"], /--to/],
      [["stats", "--url", "sqlite:"], /needs a file path/],
    ] as const) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
    }
  });

  it("names the package to install when an adapter is missing", async () => {
    const result = await runCli(["stats", "--url", postgresUrl("missing")], { hide: ["@chronicle/postgres"] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("npm install @chronicle/postgres pg");
    const redis = await runCli(["stats", "--url", "redis://127.0.0.1:6379"], { hide: ["@chronicle/redis"] });
    expect(redis.stderr).toContain("npm install @chronicle/redis ioredis");
  });

  it("names an unreachable server by its URL without the password", async () => {
    const result = await runCli(["stats", "--url", "postgres://app:s3cret-pa55@127.0.0.1:1/app"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("postgres://app:***@127.0.0.1:1/app");
    expect(result.stderr).not.toContain("s3cret-pa55");
    expect(result.stderr).toMatch(/Check that the server is running/);
  });

  it("prints help with examples for every command", async () => {
    for (const command of ["migrate", "stats", "streams", "read", "tail", "export", "import", "copy"]) {
      const result = await runCli([command, "--help"]);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(/Example/);
    }
  });
});

describe("migrate", () => {
  it("creates the schema and changes nothing when run again, on every adapter", async () => {
    const folder = temporaryFolder();
    for (const url of [`sqlite:${join(folder, "m.db")}`, postgresUrl("migrate"), redisUrl("migrate")]) {
      const first = await runCliOk(["migrate", "--url", url]);
      expect(first.stdout).toContain("is up to date");
      await runCliOk(["migrate", "--url", url]);
      expect(await logOf(url)).toEqual([]);
    }
    expect(existsSync(join(folder, "m.db"))).toBe(true);
  });
});

describe("inspecting a store", () => {
  it("reports stats, streams and events as JSON, with the URL from CHRONICLE_URL", async () => {
    const file = join(temporaryFolder(), "inspect.db");
    await seedSqlite(file, 500, "inspect");
    const log = await logOf(`sqlite:${file}`);
    const env = { CHRONICLE_URL: `sqlite:${file}` };

    const stats = JSON.parse((await runCli(["stats", "--json"], { env })).stdout);
    expect(stats).toEqual({
      events: 500,
      streams: new Set(log.map((event) => `${event.category}/${event.stream}`)).size,
      categories: new Set(log.map((event) => event.category)).size,
      firstSequenceNumber: log[0]?.sequenceNumber.toString(),
      lastSequenceNumber: log.at(-1)?.sequenceNumber.toString(),
      firstObservedAt: log[0]?.observedAt.toISOString(),
      lastObservedAt: log.at(-1)?.observedAt.toISOString(),
    });

    const category = log[0]?.category as string;
    const streams = (await runCli(["streams", "--category", category, "--json"], { env })).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const inCategory = log.filter((event) => event.category === category);
    expect(streams.reduce((sum: number, stream: { events: number }) => sum + stream.events, 0)).toBe(inCategory.length);
    expect(streams.every((stream: { category: string }) => stream.category === category)).toBe(true);

    const stream = log[0]?.stream as string;
    const ofStream = log.filter((event) => event.category === category && event.stream === stream);
    const read = (await runCli(["read", `${category}/${stream}`, "--json"], { env })).stdout.trim().split("\n");
    expect(read.map((line, index) => decodeEvent(line, `line ${index}`))).toEqual(ofStream);

    const after = ofStream[1]?.sequenceNumber.toString() as string;
    const backwards = (await runCli(["read", category, "--backwards", "--limit", "3", "--after", after, "--json"], { env })).stdout
      .trim()
      .split("\n")
      .map((line) => decodeEvent(line, "line"));
    expect(backwards).toEqual(
      inCategory
        .filter((event) => event.sequenceNumber > BigInt(after))
        .reverse()
        .slice(0, 3),
    );

    const name = log[0]?.name as string;
    const named = (await runCli(["read", category, "--names", name, "--json"], { env })).stdout.trim().split("\n");
    expect(named.map((line) => decodeEvent(line, "line"))).toEqual(inCategory.filter((event) => event.name === name));
  });
});

describe("export and import", () => {
  it("round-trip every field, plain and gzipped, and import twice stores nothing twice", async () => {
    const folder = temporaryFolder();
    const source = `sqlite:${join(folder, "source.db")}`;
    await seedSqlite(source.slice("sqlite:".length), 3_000, "export");
    const sourceLog = await logOf(source);

    const plain = join(folder, "backup.ndjson");
    const zipped = join(folder, "backup.ndjson.gz");
    await runCliOk(["export", "--url", source, "--out", plain]);
    await runCliOk(["export", "--url", source, "--out", zipped]);
    const piped = (await runCliOk(["export", "--url", source])).stdout;
    expect(piped).toBe(readFileSync(plain, "utf8"));
    expect(gunzipSync(readFileSync(zipped)).toString("utf8")).toBe(piped);
    const exported = piped
      .trim()
      .split("\n")
      .map((line, index) => decodeEvent(line, `line ${index + 1}`));
    expect(exported).toEqual(sourceLog);

    for (const [file, target] of [
      [plain, `sqlite:${join(folder, "from-plain.db")}`],
      [zipped, postgresUrl("imported")],
    ] as const) {
      await runCliOk(["import", "--url", target, file]);
      const once = await logOf(target);
      expectSameEvents(once, sourceLog);
      const again = await runCliOk(["import", "--url", target, file]);
      expect(again.stderr).toMatch(/imported 3,000 events/);
      expect(await logOf(target)).toEqual(once);
    }
  });

  it("refuses a file that is not an export, naming the line", async () => {
    const folder = temporaryFolder();
    const file = join(folder, "bad.ndjson");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, '{"not":"an event"}\n');
    const result = await runCli(["import", "--url", `sqlite:${join(folder, "t.db")}`, file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1`);
  });
});

describe("copy", () => {
  it("copies 100,000 events SQLite → PostgreSQL → Redis → SQLite with every field intact", { timeout: 600_000 }, async () => {
    const folder = temporaryFolder();
    const first = `sqlite:${join(folder, "first.db")}`;
    await seedSqlite(first.slice("sqlite:".length), 100_000, "copy-chain");
    const original = await logOf(first);
    const chain = [first, postgresUrl("chain"), redisUrl("chain"), `sqlite:${join(folder, "last.db")}`];
    for (let index = 1; index < chain.length; index += 1) {
      const result = await runCliOk(["copy", "--from", chain[index - 1] as string, "--to", chain[index] as string]);
      expect(result.stderr).toContain("verified: both stores hold 100000 events");
    }
    expectSameEvents(await logOf(chain[chain.length - 1] as string), original);
  });

  it("resumes a copy killed with SIGKILL halfway, storing nothing twice", { timeout: 600_000 }, async () => {
    const folder = temporaryFolder();
    const source = `sqlite:${join(folder, "source.db")}`;
    await seedSqlite(source.slice("sqlite:".length), 40_000, "copy-killed");
    const target = postgresUrl("killed");
    const child = startCli(["copy", "--from", source, "--to", target, "--batch-size", "200"]);
    const outcome = finished(child);
    // Kill it once the target holds part of the log, well before the end.
    let exited = false;
    void outcome.then(() => {
      exited = true;
    });
    const probe = openDirect(target);
    try {
      for (;;) {
        if (exited) throw new Error(`the copy ended before it could be killed:\n${(await outcome).stderr}`);
        const latest = await probe
          .log()
          .latest()
          .catch(() => undefined);
        if (latest !== undefined && latest.sequenceNumber >= 5_000n) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await probe.close();
    }
    child.kill("SIGKILL");
    expect((await outcome).signal).toBe("SIGKILL");
    const partial = (await logOf(target)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(40_000);

    const resumed = await runCliOk(["copy", "--from", source, "--to", target]);
    expect(resumed.stderr).toMatch(/resuming after sequence number \d+/);
    expect(resumed.stderr).toContain("verified: both stores hold 40000 events");
    expectSameEvents(await logOf(target), await logOf(source));
  });

  it("refuses to mix into a target stream that holds other events", async () => {
    const folder = temporaryFolder();
    const source = `sqlite:${join(folder, "source.db")}`;
    await seedSqlite(source.slice("sqlite:".length), 50, "copy-conflict");
    const [firstEvent] = await logOf(source);
    const target = `sqlite:${join(folder, "target.db")}`;
    const store = openDirect(target);
    await store
      .stream(firstEvent?.category as string, firstEvent?.stream as string)
      .publish({ events: [{ name: "already-here", payload: {} }] });
    await store.close();
    const result = await runCli(["copy", "--from", source, "--to", target]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${firstEvent?.category}/${firstEvent?.stream} does not continue where the source does`);
  });
});

describe("tail", () => {
  it("prints events committed after it started, and stops cleanly on Ctrl-C", async () => {
    const file = join(temporaryFolder(), "tail.db");
    await seedSqlite(file, 20, "tail");
    const child = startCli(["tail", "--url", `sqlite:${file}`, "--json", "--interval-ms", "20"]);
    const outcome = finished(child);
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
    });
    const store = new EventStore(new SqliteEventStorageAdapter({ filename: file }));
    // The command reads the end of the log when it starts, and says so: publish after that.
    let ready = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      ready += chunk.toString("utf8");
    });
    for (let waited = 0; !ready.includes("following the log") && waited < 60_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const published = await store.stream("tailed", "t-1").publish({
      events: [0, 1, 2].map((index) => ({ name: "tailed", payload: { index } })),
    });
    await store.close();
    for (let waited = 0; seen.trim().split("\n").filter(Boolean).length < 3 && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGINT");
    const result = await outcome;
    expect(result.code).toBe(0);
    const lines = seen
      .trim()
      .split("\n")
      .map((line, index) => decodeEvent(line, `line ${index}`));
    expect(lines).toEqual(published);
  });
});
