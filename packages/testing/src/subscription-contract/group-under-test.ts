import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EventStore, StoredEvent, Subscription } from "@chronicle/core";
import { GroupLog, LogFileReader, recordingHandler, timestamp } from "./group-member-log.js";
import type { GroupMemberInstructions } from "./group-member-process.js";
import { events, waitUntil } from "./helpers.js";
import type { SubscriptionContractTestContext } from "./subscription-contract-test.js";

const MEMBER_PROCESS = fileURLToPath(new URL(`./group-member-process${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** What every member of a group under test is given. */
export interface GroupSettings {
  /** The subscription's name. */
  readonly name: string;
  /** The category the group follows. */
  readonly category: string;
  readonly shares: number;
  readonly leaseMs: number;
  /** How long each handler call takes. */
  readonly handlerDelayMs: number;
}

/** A member of the group under test, in a child process or in the test's own. */
export interface GroupMemberHandle {
  readonly member: string;
  /** Closes it with `close()`; resolves once that resolved (in a child process: once it exited cleanly). */
  close(): Promise<void>;
  /** Sends a signal to its process: `SIGKILL`, `SIGSTOP`, `SIGCONT`. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

interface Running {
  readonly handle: GroupMemberHandle;
  /** Reads what the member reported since the last call into the log; throws if its process ended unasked. */
  readonly refresh: () => Promise<void>;
  /** Stops it in whatever state it is: after the test, passed or failed. */
  readonly dispose: () => Promise<void>;
}

/**
 * A consumer group the `group-members` tests run: members in child processes
 * (each with its own log file) or in the test's process (on one store), one
 * `GroupLog` of what they all reported, and waits on it. Every wait ends by
 * the deadline given at creation, so a test that cannot go on says what it was
 * waiting for before its timeout cuts it short. `dispose()` kills or closes
 * every member and removes the log files.
 */
export class GroupUnderTest {
  readonly log = new GroupLog();
  readonly settings: GroupSettings;
  readonly #directory: string;
  readonly #members = new Map<string, Running>();
  readonly #deadline: number;

  private constructor(settings: GroupSettings, directory: string, deadline: number) {
    this.settings = settings;
    this.#directory = directory;
    this.#deadline = deadline;
  }

  /** A group whose waits all end within `budgetMs` from now. */
  static async create(settings: GroupSettings, budgetMs: number): Promise<GroupUnderTest> {
    return new GroupUnderTest(settings, await mkdtemp(join(tmpdir(), "chronicle-group-")), Date.now() + budgetMs);
  }

  /** How often members renew their leases: a third of `leaseMs`. */
  get tickMs(): number {
    return this.settings.leaseMs / 3;
  }

  /** Starts a member in a child process that opens the test's storage through the suite's `process.module`. */
  startProcess(context: SubscriptionContractTestContext, serialisationGuarantee: string, member: string): GroupMemberHandle {
    const options = context.process;
    if (options === undefined) throw new Error("members in child processes need the suite's process option");
    const module = options.module instanceof URL ? options.module.href : pathToFileURL(options.module).href;
    const logFile = join(this.#directory, `${member}.jsonl`);
    const instructions: GroupMemberInstructions = {
      ...this.settings,
      module,
      context: { testId: context.testId, serialisationGuarantee },
      member,
      logFile,
    };
    const child: ChildProcess = spawn(
      process.execPath,
      [...(options.execArgv ?? ["--conditions=@chronicle/source", "--import", "tsx"]), MEMBER_PROCESS],
      {
        // From the module's folder, so `--import tsx` finds the adapter package's own tsx.
        cwd: dirname(fileURLToPath(module)),
        env: { ...process.env, CHRONICLE_GROUP_MEMBER: JSON.stringify(instructions) },
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    let asked = false;
    let exit: string | undefined;
    const exited = new Promise<string>((resolve) => {
      child.once("error", (error) => resolve(`failed to start: ${error.message}`));
      child.once("exit", (code, signal) => resolve(signal === null ? `exit code ${code}` : `signal ${signal}`));
    }).then((how) => {
      exit = how;
      return how;
    });
    const reader = new LogFileReader(logFile);
    const handle: GroupMemberHandle = {
      member,
      close: async () => {
        asked = true;
        child.kill("SIGTERM");
        const how = await within(exited, CLOSE_MS, `no exit within ${CLOSE_MS} ms`);
        if (how !== "exit code 0") throw new Error(`${member} did not close cleanly on SIGTERM: ${how}`);
        for (const line of await reader.read()) this.log.add(line);
      },
      signal: async (signal) => {
        if (signal === "SIGKILL") asked = true;
        child.kill(signal);
        if (signal === "SIGKILL") await exited;
      },
    };
    this.#members.set(member, {
      handle,
      refresh: async () => {
        for (const line of await reader.read()) this.log.add(line);
        if (exit !== undefined && !asked) throw new Error(`${member} ended on its own (${exit}); see its output above`);
      },
      dispose: async () => {
        if (exit !== undefined) return;
        asked = true;
        // SIGKILL ends a stopped process too.
        child.kill("SIGKILL");
        await within(exited, CLOSE_MS, undefined);
      },
    });
    return handle;
  }

  /** Subscribes a member in this process, on the store given (members may share one). */
  joinInProcess(store: EventStore, member: string): GroupMemberHandle {
    const { name, category, shares, leaseMs, handlerDelayMs } = this.settings;
    const subscription: Subscription = store.subscribe({
      name,
      source: store.category(category),
      group: { member, shares, leaseMs },
      pollIntervalMs: 50,
      retry: { attempts: 1_000_000, minDelayMs: 10, maxDelayMs: 100 },
      handler: recordingHandler(member, handlerDelayMs, (line) => this.log.add(line)),
    });
    const handle: GroupMemberHandle = {
      member,
      close: async () => {
        const shares = subscription.status().group?.shares ?? [];
        const closed = await within(
          subscription.close().then(() => true),
          CLOSE_MS,
          false,
        );
        if (!closed) throw new Error(`${member}'s close() did not resolve within ${CLOSE_MS} ms`);
        this.log.add({ kind: "closed", member, shares, at: timestamp() });
      },
      signal: () => Promise.reject(new Error(`${member} runs in this process: it cannot be sent signals`)),
    };
    this.#members.set(member, {
      handle,
      refresh: async () => {
        const status = subscription.status();
        if (status.state === "failed") throw new Error(`${member} failed: ${String(status.error)}`, { cause: status.error });
        if (status.state !== "closed") this.log.add({ kind: "shares", member, shares: status.group?.shares ?? [], at: timestamp() });
      },
      dispose: () => within(subscription.close(), CLOSE_MS, undefined),
    });
    return handle;
  }

  /** Reads what every member reported since the last look. */
  async refresh(): Promise<void> {
    for (const running of this.#members.values()) await running.refresh();
  }

  /**
   * Waits until `check` holds, reading the members' reports before each look;
   * `what` (or what it returns when the wait times out, to describe the state then) names the wait.
   */
  async waitUntil(check: (log: GroupLog) => boolean, what: string | (() => string), timeoutMs: number): Promise<void> {
    const left = this.#deadline - Date.now();
    const timeout = Math.max(0, Math.min(timeoutMs, left));
    let looked = false;
    await waitUntil(
      async () => {
        await this.refresh();
        looked = true;
        return check(this.log);
      },
      "",
      timeout,
    ).catch((error: unknown) => {
      // A member that ended on its own is reported as such; otherwise the wait timed out.
      if (!looked || !(error instanceof Error) || !error.message.startsWith("timed out")) throw error;
      const why = timeout < timeoutMs ? ` (${timeout} ms: the test's time ran out)` : ` ${timeout} ms`;
      throw new Error(`timed out after${why} waiting until ${typeof what === "string" ? what : what()}`);
    });
  }

  /**
   * Waits until exactly `members` hold the shares: each share held by one of
   * them, and the counts balanced (they differ by at most one).
   */
  async waitSettled(members: readonly string[], timeoutMs: number): Promise<void> {
    await this.waitUntil(
      (log) => {
        const held = members.map((member) => log.shares.get(member) ?? []);
        const all = held.flat().sort((a, b) => a - b);
        const counts = held.map((shares) => shares.length);
        return (
          all.length === this.settings.shares &&
          all.every((share, index) => share === index) &&
          Math.max(...counts) - Math.min(...counts) <= 1
        );
      },
      () => `the shares are spread over ${members.join(", ")} (last seen: ${JSON.stringify(Object.fromEntries(this.log.shares))})`,
      timeoutMs,
    );
  }

  /** Waits until every one of `events` was handled by some member. */
  async waitHandled(all: readonly StoredEvent[], timeoutMs: number): Promise<void> {
    await this.waitUntil(
      (log) => all.every((event) => log.handledIds.has(event.id)),
      () => `all ${all.length} events are handled (${all.filter((event) => !this.log.handledIds.has(event.id)).length} are not)`,
      timeoutMs,
    );
  }

  /**
   * Waits until members other than `member` have started handlers for each of
   * `shares` after `since`; resolves with how long after `since` each share's first one started.
   */
  async waitTakenOver(member: string, shares: readonly number[], since: number, timeoutMs: number): Promise<number[]> {
    const firstStarts = () => {
      const first = new Map<number, number | undefined>(shares.map((share) => [share, undefined]));
      for (const entry of this.log.handled) {
        if (entry.member === member || entry.start <= since || !first.has(entry.share)) continue;
        const seen = first.get(entry.share);
        if (seen === undefined || entry.start < seen) first.set(entry.share, entry.start);
      }
      return [...first];
    };
    await this.waitUntil(
      () => firstStarts().every(([, start]) => start !== undefined),
      () =>
        `other members handle the shares ${shares.join(", ")} of ${member} (not yet: ${firstStarts()
          .filter(([, start]) => start === undefined)
          .map(([share]) => share)
          .join(", ")})`,
      timeoutMs,
    );
    return firstStarts().map(([, start]) => (start as number) - since);
  }

  /** Closes the members given, one after the other. */
  async close(members: readonly GroupMemberHandle[]): Promise<void> {
    for (const member of members) await member.close();
    await this.refresh();
  }

  /** Kills or closes every member, and removes the log files. */
  async dispose(): Promise<void> {
    await Promise.all([...this.#members.values()].map((running) => running.dispose().catch(() => undefined)));
    await rm(this.#directory, { recursive: true, force: true });
  }
}

/** Publishes to many streams of one category in rounds until stopped, and reads back what it published. */
export class Publisher {
  readonly #store: EventStore;
  readonly #category: string;
  readonly #streams: number;
  #published = 0;
  #stopping = false;
  readonly #done: Promise<void>;

  /**
   * Starts publishing `perRound` events (one to each of the next `perRound`
   * of `streams` streams, round-robin) every `intervalMs`, for at most `rounds` rounds.
   */
  constructor(store: EventStore, options: { category: string; streams: number; perRound: number; intervalMs: number; rounds: number }) {
    this.#store = store;
    this.#category = options.category;
    this.#streams = options.streams;
    this.#done = this.#run(options.perRound, options.intervalMs, options.rounds);
    // Seen through `done` or `stop`; this keeps an early failure from being reported as unhandled before then.
    this.#done.catch(() => undefined);
  }

  /** Events published so far. */
  get published(): number {
    return this.#published;
  }

  /** Resolves once every round was published. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Stops after the round in progress. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
  }

  /** Everything published to the category, in sequence-number order. */
  async events(): Promise<StoredEvent[]> {
    return await this.#store.category(this.#category).read();
  }

  async #run(perRound: number, intervalMs: number, rounds: number): Promise<void> {
    const store = this.#store;
    for (let round = 0; round < rounds && !this.#stopping; round++) {
      const writes = Array.from({ length: perRound }, (_, offset) => {
        const index = round * perRound + offset;
        const stream = index % this.#streams;
        return {
          target: { type: "stream" as const, category: this.#category, stream: `s${stream}` },
          events: events(1, "job", Math.floor(index / this.#streams)),
        };
      });
      if (store.adapter.capabilities.multiStreamWrites) await store.publish({ writes });
      else for (const write of writes) await store.publish({ writes: [write] });
      this.#published += perRound;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** How long a member may take to close, or to exit once killed. */
const CLOSE_MS = 10_000;

/** What `promise` resolves with, or `otherwise` if that takes longer than `ms`. */
async function within<T, U>(promise: Promise<T>, ms: number, otherwise: U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(otherwise), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
