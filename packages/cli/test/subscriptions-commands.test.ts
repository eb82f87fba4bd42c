import { join } from "node:path";
import { EventStore, type StoredEvent } from "@chronicle/core";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import { RedisEventStorageAdapter } from "@chronicle/redis";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { POSTGRES_URL, REDIS_URL, RUN, removeTestStores, runCli, runCliOk, temporaryFolder } from "./cli-test-support.js";

const schemas: string[] = [];
const prefixes: string[] = [];

afterAll(() => removeTestStores(schemas, prefixes));

/** A fresh store of each kind: its URL for the command, and an adapter opened directly to set up and check state. */
const KINDS = {
  sqlite: (name: string) => {
    const filename = join(temporaryFolder(), `${name}.db`);
    return { url: `sqlite:${filename}`, open: () => new SqliteEventStorageAdapter({ filename }) };
  },
  postgres: (name: string) => {
    const schema = `${RUN}_sub_${name}`;
    schemas.push(schema);
    return {
      url: `${POSTGRES_URL}${POSTGRES_URL.includes("?") ? "&" : "?"}schema=${schema}`,
      open: () => new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL }, { schema }),
    };
  },
  redis: (name: string) => {
    const keyPrefix = `${RUN}:sub:${name}:`;
    prefixes.push(keyPrefix);
    return {
      url: `${REDIS_URL}?prefix=${encodeURIComponent(keyPrefix)}`,
      open: () => new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix }),
    };
  },
};

type Adapter = ReturnType<ReturnType<(typeof KINDS)[keyof typeof KINDS]>["open"]>;

/** What `prepare` left in a store. */
interface Prepared {
  /** The events published before the subscriptions ran, and `later` after. */
  events: StoredEvent[];
  later: StoredEvent[];
  /** The events the mailer's handler refused, so they were parked. */
  poison: StoredEvent[];
}

/**
 * Fills a store through the core API: 8 events, a "mailer" subscription whose
 * handler throws on two of them (so they are parked), a "projector" that
 * handles everything, a three-share "group" written as a consumer group's
 * checkpoints are, then 2 more events no subscription has seen.
 */
async function prepare(adapter: Adapter): Promise<Prepared> {
  const store = new EventStore(adapter);
  const events = [
    ...(await store
      .stream("orders", "1")
      .publish({ events: Array.from({ length: 5 }, (_, index) => ({ name: "placed", payload: { index } })) })),
    ...(await store
      .stream("orders", "2")
      .publish({ events: Array.from({ length: 3 }, (_, index) => ({ name: "paid", payload: { index } })) })),
  ];
  const poison = [events[1], events[6]] as StoredEvent[];
  const mailer = store.subscribe({
    name: "mailer",
    source: store.log(),
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    handler: (event) => {
      if (poison.some((bad) => bad.id === event.id)) throw new RangeError(`cannot mail order ${JSON.stringify(event.payload)}`);
    },
  });
  await mailer.caughtUp();
  await mailer.close();
  const projector = store.subscribe({ name: "projector", source: store.category("orders"), handler: () => {} });
  await projector.caughtUp();
  await projector.close();
  const support = adapter.subscriptions;
  for (const [share, position] of [
    [0, 4n],
    [1, 2n],
    [2, 7n],
  ] as const) {
    await support.writeCheckpoint({
      subscription: "group",
      share,
      position: events[Number(position) - 1]?.sequenceNumber as bigint,
      expected: undefined,
    });
  }
  const later = await store.stream("orders", "3").publish({
    events: [
      { name: "placed", payload: {} },
      { name: "paid", payload: {} },
    ],
  });
  return { events, later, poison };
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

describe.each(["sqlite", "postgres"] as const)("subscription commands on %s", (kind) => {
  it("lists subscriptions and parked events, unparks them and refuses ids that are not parked", async () => {
    const { url, open } = KINDS[kind]("parked");
    const adapter = open();
    try {
      const { events, later, poison } = await prepare(adapter);
      const latest = later.at(-1)?.sequenceNumber as bigint;
      const last = events.at(-1)?.sequenceNumber as bigint;

      const listed = lines((await runCliOk(["subscriptions", "--url", url])).stdout);
      expect(listed.map((row) => row.name)).toEqual(["group", "mailer", "projector"]);
      const group = events[1]?.sequenceNumber as bigint;
      expect(listed[0]).toMatchObject({ shares: 3, position: String(group), lag: String(latest - group), parked: 0 });
      expect(listed[1]).toMatchObject({ shares: 1, position: String(last), lag: String(latest - last), parked: 2 });
      expect(listed[2]).toMatchObject({ shares: 1, position: String(last), parked: 0 });
      expect(Number.isNaN(Date.parse(listed[1]?.updatedAt as string))).toBe(false);

      const parked = lines((await runCliOk(["parked", "--url", url, "mailer"])).stdout);
      expect(parked.map((line) => (line.event as { id: string }).id)).toEqual(poison.map((event) => event.id));
      expect(parked[0]).toMatchObject({
        subscription: "mailer",
        event: {
          sequenceNumber: String(poison[0]?.sequenceNumber),
          category: "orders",
          stream: "1",
          name: "placed",
          payload: { index: 1 },
        },
        error: { name: "RangeError", message: 'cannot mail order {"index":1}' },
        attempts: 2,
      });
      expect(Number.isNaN(Date.parse(parked[0]?.parkedAt as string))).toBe(false);
      expect(lines((await runCliOk(["parked", "--url", url, "mailer", "--limit", "1"])).stdout)).toEqual(parked.slice(0, 1));
      const none = await runCliOk(["parked", "--url", url, "mailre"]);
      expect(none.stdout).toBe("");
      expect(none.stderr).toContain('no subscription named "mailre" has a checkpoint');

      const unknown = await runCli(["retry-parked", "--url", url, "mailer", "--ids", `${poison[0]?.id},not-an-id,${events[0]?.id}`]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`not parked for subscription "mailer": not-an-id, ${events[0]?.id}; nothing was unparked`);
      expect(unknown.stdout).toBe("");
      expect(await adapter.subscriptions.listParked({ subscription: "mailer" })).toHaveLength(2);

      const dryRun = await runCliOk(["retry-parked", "--url", url, "mailer", "--dry-run"]);
      expect(lines(dryRun.stdout)).toEqual(parked);
      expect(dryRun.stderr).toContain("dry run");
      expect(await adapter.subscriptions.listParked({ subscription: "mailer" })).toHaveLength(2);

      const one = await runCliOk(["retry-parked", "--url", url, "mailer", "--ids", poison[1]?.id as string]);
      expect(lines(one.stdout)).toEqual(parked.slice(1));
      expect(one.stderr).toContain('unparked 1 parked event of subscription "mailer"');
      expect(one.stderr).toContain("subscription.retryParked()");
      expect((await adapter.subscriptions.listParked({ subscription: "mailer" })).map((entry) => entry.event.id)).toEqual([poison[0]?.id]);

      const rest = await runCliOk(["retry-parked", "--url", url, "mailer"]);
      expect(lines(rest.stdout)).toEqual(parked.slice(0, 1));
      expect(await adapter.subscriptions.listParked({ subscription: "mailer" })).toEqual([]);
      const empty = await runCliOk(["retry-parked", "--url", url, "mailer"]);
      expect(empty.stdout).toBe("");
      expect(empty.stderr).toContain("has no parked events; nothing changed");
      expect(lines((await runCliOk(["subscriptions", "--url", url])).stdout)[1]).toMatchObject({ name: "mailer", parked: 0 });
    } finally {
      await adapter.close();
    }
  });

  it("resets every share's checkpoint, and a restarted subscription follows it", async () => {
    const { url, open } = KINDS[kind]("reset");
    const adapter = open();
    try {
      const { events, later } = await prepare(adapter);
      const latest = later.at(-1)?.sequenceNumber as bigint;
      const last = events.at(-1)?.sequenceNumber as bigint;
      const support = adapter.subscriptions;

      const beginning = await runCliOk(["reset", "projector", "--url", url, "--to", "beginning"]);
      expect(lines(beginning.stdout)).toEqual([{ subscription: "projector", share: 0, from: String(last), to: "0" }]);
      expect(beginning.stderr).toContain("it resumes after that sequence number when next started");
      const store = new EventStore(adapter);
      const seen: string[] = [];
      const projector = store.subscribe({
        name: "projector",
        source: store.category("orders"),
        handler: (event) => void seen.push(event.id),
      });
      await projector.caughtUp();
      await projector.close();
      expect(seen, "every event again").toEqual([...events, ...later].map((event) => event.id));

      const middle = events[2]?.sequenceNumber as bigint;
      expect(lines((await runCliOk(["reset", "projector", "--url", url, "--to", String(middle)])).stdout)).toEqual([
        { subscription: "projector", share: 0, from: String(latest), to: String(middle) },
      ]);
      expect((await support.readCheckpoint({ subscription: "projector", share: 0 }))?.position).toBe(middle);

      const groupReset = await runCliOk(["reset", "group", "--url", url, "--to", "end"]);
      expect(groupReset.stderr).toContain("only shares with a checkpoint were reset");
      const group = lines(groupReset.stdout);
      expect(group.map((change) => [change.share, change.to])).toEqual([
        [0, String(latest)],
        [1, String(latest)],
        [2, String(latest)],
      ]);
      expect((await support.listCheckpoints({ subscription: "group" })).map((checkpoint) => checkpoint.position)).toEqual([
        latest,
        latest,
        latest,
      ]);

      const everyShare = lines((await runCliOk(["reset", "group", "--url", url, "--to", "beginning", "--shares", "5"])).stdout);
      expect(everyShare.map((change) => [change.share, change.from, change.to])).toEqual([
        [0, String(latest), "0"],
        [1, String(latest), "0"],
        [2, String(latest), "0"],
        [3, null, "0"],
        [4, null, "0"],
      ]);
      expect((await support.listCheckpoints({ subscription: "group" })).map((checkpoint) => checkpoint.share)).toEqual([0, 1, 2, 3, 4]);
      await runCliOk(["reset", "group", "--url", url, "--to", "end"]);

      for (const [args, message] of [
        [["--to", "end", "--shares", "0"], /--shares takes a whole number/],
        [["--to", "start"], /--to takes beginning, end, or a sequence number/],
        [["--to", "-3"], /--to takes beginning, end, or a sequence number/],
        [["--to", "1.5"], /--to takes beginning, end, or a sequence number/],
        [["--to", String(latest + 1n)], new RegExp(`beyond the log's latest sequence number, ${latest}`)],
        [[], /--to is required/],
      ] as const) {
        const result = await runCli(["reset", "projector", "--url", url, ...args]);
        expect(result.code, args.join(" ")).toBe(2);
        expect(result.stderr, args.join(" ")).toMatch(message);
      }
      expect((await support.readCheckpoint({ subscription: "projector", share: 0 }))?.position, "refusals change nothing").toBe(middle);

      const tooFew = await runCli(["reset", "group", "--url", url, "--to", "end", "--shares", "3"]);
      expect(tooFew.code).toBe(2);
      expect(tooFew.stderr).toContain('--shares 3 is too few: subscription "group" has checkpoints for share 3, 4');

      const unknown = await runCli(["reset", "projecter", "--url", url, "--to", "end"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no subscription named "projecter" has a checkpoint');

      await support.acquireLease({ subscription: "group", share: 1, member: "worker-7", leaseMs: 60_000 });
      const running = await runCli(["reset", "group", "--url", url, "--to", "beginning"]);
      expect(running.code).toBe(1);
      expect(running.stderr).toContain('consumer group "group" has running members (worker-7) holding leases on 1 share');
      expect((await support.readCheckpoint({ subscription: "group", share: 1 }))?.position).toBe(latest);
      await runCliOk(["reset", "group", "--url", url, "--to", "beginning", "--force"]);
      expect((await support.readCheckpoint({ subscription: "group", share: 1 }))?.position).toBe(0n);
    } finally {
      await adapter.close();
    }
  });
});

describe("subscription commands on redis", () => {
  it("lists, shows parked events and resets", async () => {
    const { url, open } = KINDS.redis("all");
    const adapter = open();
    try {
      const { events, later, poison } = await prepare(adapter);
      const latest = later.at(-1)?.sequenceNumber as bigint;
      const listed = lines((await runCliOk(["subscriptions", "--url", url])).stdout);
      expect(listed.map((row) => [row.name, row.shares, row.parked])).toEqual([
        ["group", 3, 0],
        ["mailer", 1, 2],
        ["projector", 1, 0],
      ]);
      const parked = lines((await runCliOk(["parked", "--url", url, "mailer", "--json"])).stdout);
      expect(parked.map((line) => (line.event as { id: string }).id)).toEqual(poison.map((event) => event.id));
      expect(lines((await runCliOk(["reset", "mailer", "--url", url, "--to", "end"])).stdout)).toEqual([
        { subscription: "mailer", share: 0, from: String(events.at(-1)?.sequenceNumber), to: String(latest) },
      ]);
    } finally {
      await adapter.close();
    }
  });
});

describe("subscription commands' usage", () => {
  it("exits with 2 on bad usage and has help with examples", async () => {
    const file = `sqlite:${join(temporaryFolder(), "usage.db")}`;
    for (const [args, message] of [
      [["parked", "--url", file], /missing required argument 'name'/],
      [["parked", "--url", file, "mailer", "--limit", "0"], /--limit takes a whole number/],
      [["retry-parked", "--url", file, "mailer", "--ids", ","], /--ids takes event ids/],
      [["reset", "mailer", "--url", file, "--to", "yesterday"], /--to takes beginning, end, or a sequence number/],
      [["reset", "", "--url", file, "--to", "end"], /a subscription name has 1 to 255 characters/],
      [["subscriptions"], /--url is required/],
    ] as const) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
    }
    for (const command of ["subscriptions", "parked", "retry-parked", "reset"]) {
      const result = await runCli([command, "--help"]);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(/Example/);
    }
    const retryHelp = (await runCli(["retry-parked", "--help"])).stdout;
    expect(retryHelp).toContain("subscription.retryParked()");
    expect((await runCli(["reset", "--help"])).stdout).toContain("Run it while the subscription is stopped");
  });
});
