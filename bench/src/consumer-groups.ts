/**
 * Consumer groups: throughput of 1, 2 and 4 member processes beside one plain
 * subscription with the same 1 ms handler, and the failover time after one
 * member is killed, on each persistent adapter. Every member is a process of
 * its own (`consumer-group-member.ts`) on the same storage.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_GROUP_SHARES, type EventStorageAdapter, EventStore, type NewEvent } from "@chronicle/core";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import { RedisEventStorageAdapter } from "@chronicle/redis";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { Redis } from "ioredis";
import pg from "pg";
import { type BenchSuite, compare, type Measurement, measure } from "./harness.js";

/** Where the bench's events and checkpoints live: the same storage in every process. */
export type BenchStorage =
  | { adapter: "postgres"; url: string; schema: string }
  | { adapter: "sqlite"; filename: string }
  | { adapter: "redis"; url: string; keyPrefix: string };

/** What a member process is told to do, passed as its only argument (JSON). */
export interface MemberInstructions {
  storage: BenchStorage;
  /** The subscription (group) name. */
  name: string;
  category: string;
  /** This member's name; without one, a plain subscription. */
  member?: string;
  leaseMs?: number;
  checkpointEvery: number;
  handlerMs: number;
}

/** What a member process prints, one JSON line each. */
export type MemberLine =
  | { ready: true }
  | { shares: number[] }
  /** The CPU time (user and system) the process used since it subscribed, when asked with "cpu". */
  | { cpuMs: number }
  /** An event handled: its sequence number, share (0 without a group) and when the handler finished (ms since the epoch). */
  | { handled: string; share: number; at: number };

/** Opens the bench's storage; every process opens its own adapter on the same storage. */
export function openStorage(storage: BenchStorage): EventStorageAdapter {
  switch (storage.adapter) {
    case "postgres":
      return new PostgresEventStorageAdapter({ connectionString: storage.url, maxConnections: 4 }, { schema: storage.schema });
    case "sqlite":
      return new SqliteEventStorageAdapter({ filename: storage.filename });
    case "redis":
      return new RedisEventStorageAdapter({ url: storage.url }, { keyPrefix: storage.keyPrefix });
  }
}

/** Milliseconds since the epoch with sub-millisecond resolution, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";
const STREAMS = 1_000;
/** Events per stream; CHRONICLE_BENCH_GROUP_EVENTS sets the total (rounded to a multiple of 1,000). */
const EVENTS_PER_STREAM = Math.max(1, Math.round(Number(process.env.CHRONICLE_BENCH_GROUP_EVENTS ?? 6_000) / STREAMS));
const EVENTS = EVENTS_PER_STREAM * STREAMS;
const HANDLER_MS = 1;
/** The members' `leaseMs`; CHRONICLE_BENCH_GROUP_LEASE_MS overrides it. */
const LEASE_MS = Number(process.env.CHRONICLE_BENCH_GROUP_LEASE_MS ?? 3_000);
/** The subscriptions' `checkpointEvery`; CHRONICLE_BENCH_GROUP_CHECKPOINT_EVERY overrides the default, 1. */
const CHECKPOINT_EVERY = Number(process.env.CHRONICLE_BENCH_GROUP_CHECKPOINT_EVERY ?? 1);
const MEMBER_COUNTS = [1, 2, 4];
const MEMBER_SCRIPT = fileURLToPath(new URL("consumer-group-member.ts", import.meta.url));
const BENCH_DIRECTORY = fileURLToPath(new URL("..", import.meta.url));

/** Each adapter's storage, made fresh for the suite and removed after it. */
const storages: { name: string; create: () => Promise<{ storage: BenchStorage; cleanup: () => Promise<void> }> }[] = [
  {
    name: "postgres",
    create: async () => {
      const schema = `chronicle_bench_groups_${process.pid}`;
      return {
        storage: { adapter: "postgres", url: POSTGRES_URL, schema },
        cleanup: async () => {
          const admin = new pg.Client({ connectionString: POSTGRES_URL });
          await admin.connect();
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  },
  {
    name: "sqlite",
    create: async () => {
      const directory = await mkdtemp(join(tmpdir(), "chronicle-bench-groups-"));
      return {
        storage: { adapter: "sqlite", filename: join(directory, "events.db") },
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "redis",
    create: async () => {
      const keyPrefix = `chronicle-bench-groups:${process.pid}:`;
      return {
        storage: { adapter: "redis", url: REDIS_URL, keyPrefix },
        cleanup: async () => {
          const admin = new Redis(REDIS_URL);
          let cursor = "0";
          do {
            const [next, keys] = await admin.scan(cursor, "MATCH", `{${keyPrefix}}*`, "COUNT", 1000);
            cursor = next;
            if (keys.length > 0) await admin.unlink(...keys);
          } while (cursor !== "0");
          await admin.quit();
        },
      };
    },
  },
];

/** Polls `condition` every 5 ms until it holds; rejects after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await setTimeout(5);
  }
}

/** A member process as the bench sees it: what it printed, and how to stop it. */
class MemberProcess {
  ready = false;
  shares: number[] = [];
  /** How many times the shares it holds changed. */
  shareChanges = 0;
  handled = 0;
  readonly exited: Promise<void>;
  readonly #child;
  #cpuReply: ((cpuMs: number) => void) | undefined;

  constructor(
    readonly name: string,
    instructions: MemberInstructions,
    onHandled: (member: MemberProcess, line: { handled: string; share: number; at: number }) => void,
  ) {
    this.#child = spawn(
      process.execPath,
      ["--conditions=@chronicle/source", "--import", "tsx", MEMBER_SCRIPT, JSON.stringify(instructions)],
      {
        cwd: BENCH_DIRECTORY,
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    this.exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    createInterface({ input: this.#child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as MemberLine;
      if ("ready" in line) this.ready = true;
      else if ("shares" in line) {
        this.shares = line.shares;
        this.shareChanges += 1;
      } else if ("cpuMs" in line) this.#cpuReply?.(line.cpuMs);
      else {
        this.handled += 1;
        onHandled(this, line);
      }
    });
  }

  /** The CPU time it used since it subscribed. */
  cpu(): Promise<number> {
    return new Promise((resolve) => {
      this.#cpuReply = resolve;
      this.#child.stdin.write("cpu\n");
    });
  }

  /** Closes its subscription (leaving the group) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.stdin.end("close\n");
    await this.exited;
  }

  /** Ends the process at once: no handler finishes, no lease is released. */
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.exited;
  }
}

/** One measured run: its own category and subscription name, its own member processes. */
class Run {
  readonly members: MemberProcess[] = [];
  readonly seen = new Set<string>();
  lines = 0;
  onHandled: (member: MemberProcess, line: { handled: string; share: number; at: number }) => void = () => {};

  constructor(
    readonly storage: BenchStorage,
    readonly name: string,
    members: readonly (string | undefined)[],
  ) {
    for (const [index, member] of members.entries()) {
      const instructions: MemberInstructions = {
        storage,
        name,
        category: name,
        handlerMs: HANDLER_MS,
        checkpointEvery: CHECKPOINT_EVERY,
        ...(member === undefined ? {} : { member, leaseMs: LEASE_MS }),
      };
      this.members.push(
        new MemberProcess(member ?? `plain-${index}`, instructions, (from, line) => {
          this.lines += 1;
          this.seen.add(line.handled);
          this.onHandled(from, line);
        }),
      );
    }
  }

  /** Every process subscribed and, in a group, the shares spread evenly over the members. */
  async settled(group: boolean): Promise<void> {
    await until(() => this.members.every((member) => member.ready), "every member process has subscribed");
    if (!group) return;
    const fewest = Math.floor(DEFAULT_GROUP_SHARES / this.members.length);
    await until(() => {
      const held = this.members.flatMap((member) => member.shares);
      return (
        new Set(held).size === DEFAULT_GROUP_SHARES &&
        held.length === DEFAULT_GROUP_SHARES &&
        this.members.every((member) => member.shares.length === fewest || member.shares.length === fewest + 1)
      );
    }, `the ${DEFAULT_GROUP_SHARES} shares are spread evenly over ${this.members.length} members`);
  }

  /** Publishes the run's events: `EVENTS_PER_STREAM` to each of 1,000 streams, 250 streams per atomic write. */
  async publish(store: EventStore): Promise<void> {
    const events: NewEvent[] = Array.from({ length: EVENTS_PER_STREAM }, (_, index) => ({ name: "order-placed", payload: { index } }));
    for (let first = 0; first < STREAMS; first += 250) {
      const streams = Object.fromEntries(
        Array.from({ length: Math.min(250, STREAMS - first) }, (_, index) => [`order-${first + index}`, { events }]),
      );
      await store.category(this.name).publish({ streams });
    }
  }

  async allHandled(): Promise<void> {
    await until(() => this.seen.size >= EVENTS, `all ${EVENTS} events of ${this.name} are handled`);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((member) => member.close()));
  }

  /** Ends whatever is still running after a failure. */
  async kill(): Promise<void> {
    await Promise.all(this.members.map((member) => member.kill()));
  }
}

/** Times `EVENTS` events from the first publish until every one is handled, by `members` (plain subscription: `[undefined]`). */
async function throughput(
  store: EventStore,
  storage: BenchStorage,
  labels: { suite: string; scenario: string; subject: "chronicle" | "baseline" },
  name: string,
  members: readonly (string | undefined)[],
): Promise<Measurement> {
  const run = new Run(storage, name, members);
  try {
    await run.settled(members[0] !== undefined);
    const shareChanges = () => run.members.reduce((sum, member) => sum + member.shareChanges, 0);
    const settledChanges = shareChanges();
    const measurement = await measure({ ...labels, unit: "events" }, async () => {
      await run.publish(store);
      await run.allHandled();
      return {
        count: run.seen.size,
        loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
        processes: members.length,
        handlerMs: HANDLER_MS,
        repeated: run.lines - run.seen.size,
        perMember: run.members.map((member) => member.handled),
        // Anything but 0 means a member lost or gave up shares during the run (a late renewal, say).
        shareChanges: shareChanges() - settledChanges,
      };
    });
    const cpuMs = (await Promise.all(run.members.map((member) => member.cpu()))).reduce((sum, ms) => sum + ms, 0);
    // On a machine with fewer idle cores than members, this is what caps the speed-up.
    console.log(
      JSON.stringify({
        suite: labels.suite,
        scenario: labels.scenario,
        memberCpuMsPerEvent: Math.round((cpuMs / run.seen.size) * 1000) / 1000,
        cores: availableParallelism(),
      }),
    );
    await run.close();
    return measurement;
  } catch (error) {
    await run.kill();
    throw error;
  }
}

/** Two members; once the victim has handled some events it is killed, and the survivor's first event of its shares is timed. */
async function failover(store: EventStore, storage: BenchStorage, suite: string): Promise<void> {
  const run = new Run(storage, "failover", ["member-a", "member-b"]);
  try {
    await run.settled(true);
    const [survivor, victim] = run.members as [MemberProcess, MemberProcess];
    let killedAt: number | undefined;
    let victimShares = new Set<number>();
    let takenOverAt: number | undefined;
    run.onHandled = (member, line) => {
      if (killedAt !== undefined && takenOverAt === undefined && member === survivor && victimShares.has(line.share)) {
        takenOverAt = line.at;
      }
    };
    await run.publish(store);
    await until(() => victim.handled >= EVENTS / 10, "the member to be killed has handled a tenth of the events");
    victimShares = new Set(victim.shares);
    killedAt = now();
    await victim.kill();
    await until(() => takenOverAt !== undefined, "the survivor handles an event of the killed member's shares");
    await run.allHandled();
    const failoverMs = Math.round((takenOverAt as number) - killedAt);
    const tickMs = Math.round(LEASE_MS / 3);
    console.log(
      JSON.stringify({
        suite,
        scenario: `failover after SIGKILL of 1 of 2 members, leaseMs ${LEASE_MS}${CHECKPOINT_EVERY === 1 ? "" : `, checkpointEvery ${CHECKPOINT_EVERY}`}`,
        subject: "chronicle",
        unit: "ms",
        failoverMs,
        leaseMs: LEASE_MS,
        renewEveryMs: tickMs,
        sharesTakenOver: victimShares.size,
        count: run.seen.size,
        repeated: run.lines - run.seen.size,
        // The lease runs from the member's last renewal, up to one interval before the kill; the survivor notices at its next round.
        target: "within leaseMs ± one renewal interval",
        meetsTarget: failoverMs <= LEASE_MS + tickMs,
      }),
    );
    await run.close();
  } catch (error) {
    await run.kill();
    throw error;
  }
}

/** Consumer groups on each persistent adapter (CHRONICLE_BENCH_ADAPTERS=postgres,sqlite,redis filters them). */
export const groupsSuite: BenchSuite = {
  name: "groups",
  async run() {
    const only = process.env.CHRONICLE_BENCH_ADAPTERS?.split(",").map((name) => name.trim());
    for (const { name, create } of storages.filter((storage) => only === undefined || only.includes(storage.name))) {
      const suite = `groups ${name}`;
      const { storage, cleanup } = await create();
      const store = new EventStore(openStorage(storage));
      try {
        await store.log().latest(); // migrates once, before the members start
        const every = CHECKPOINT_EVERY === 1 ? "" : `, checkpointEvery ${CHECKPOINT_EVERY}`;
        const scenario = `${EVENTS} events over ${STREAMS} streams, handler ${HANDLER_MS} ms${every}`;
        const plain = await throughput(
          store,
          storage,
          { suite, scenario: `${scenario}, plain subscription`, subject: "baseline" },
          "plain",
          [undefined],
        );
        let single: Measurement | undefined;
        for (const count of MEMBER_COUNTS) {
          const members = Array.from({ length: count }, (_, index) => `member-${index + 1}`);
          const measured = await throughput(
            store,
            storage,
            { suite, scenario: `${scenario}, ${count} member${count === 1 ? "" : "s"}, leaseMs ${LEASE_MS}`, subject: "chronicle" },
            `members${count}`,
            members,
          );
          if (single === undefined) {
            single = measured;
            compare(measured, plain, {
              minimumRatio: 0.9,
              description: "a one-member group handles at least 90% of a plain subscription's events/s",
            });
            continue;
          }
          const speedUp = Math.round((measured.rate / single.rate) * 100) / 100;
          console.log(
            JSON.stringify({
              suite,
              scenario: `${count} members`,
              comparison: `${count} members / 1 member`,
              speedUp,
              versusPlainSubscription: Math.round((measured.rate / plain.rate) * 100) / 100,
              target: `close to linear: at least ${0.8 * count}`,
              meetsTarget: speedUp >= 0.8 * count,
            }),
          );
        }
        await failover(store, storage, suite);
      } finally {
        await store.close();
        await cleanup();
      }
    }
  },
};
