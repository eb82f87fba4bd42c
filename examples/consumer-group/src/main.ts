// A consumer group of two processes over one SQLite file (in a temporary
// folder: no server). main.ts starts two member processes (member.ts) that
// share the "billing" subscription of the "orders" category, publishes orders
// to many streams and shows which member handles which; then it kills one
// with SIGKILL and shows the other taking over once the lease expires, starts
// it again (the shares are rebalanced), lets the other leave with close() (its
// shares move at once), and checks that every event was handled.
//
//   pnpm example:consumer-group
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_GROUP_SHARES, EventStore } from "@chronicle/core";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { LEASE_MS, type MemberReport, type OrderEvents } from "./orders.js";

type Handled = Extract<MemberReport, { handled: unknown }>["handled"] & { member: string };

const ORDERS = Array.from({ length: 16 }, (_, index) => `order-${index + 1}`);
const EXAMPLE_DIRECTORY = fileURLToPath(new URL("..", import.meta.url));
const MEMBER_SCRIPT = fileURLToPath(new URL("member.ts", import.meta.url));
const directory = await mkdtemp(join(tmpdir(), "chronicle-consumer-group-"));
const filename = join(directory, "orders.db");
const handled: Handled[] = [];

/** A member process, as main.ts sees it through what it prints. */
class Member {
  ready = false;
  shares: number[] = [];
  readonly exited: Promise<void>;
  readonly #child;

  constructor(readonly name: string) {
    this.#child = spawn(process.execPath, ["--conditions=@chronicle/source", "--import", "tsx", MEMBER_SCRIPT, filename, name], {
      cwd: EXAMPLE_DIRECTORY,
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    createInterface({ input: this.#child.stdout }).on("line", (text) => {
      const report = JSON.parse(text) as MemberReport;
      if ("ready" in report) this.ready = true;
      else if ("shares" in report) this.shares = report.shares;
      else handled.push({ ...report.handled, member: name });
    });
  }

  /** Leaves the group cleanly: close() releases its leases at once. */
  async close(): Promise<void> {
    this.#child.stdin.end("close\n");
    await this.exited;
  }

  /** Dies without a word: its leases expire after LEASE_MS. */
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.exited;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await setTimeout(10);
  }
}

/** Until every member has joined and the shares are spread evenly between them. */
async function settled(members: readonly Member[]): Promise<void> {
  const each = DEFAULT_GROUP_SHARES / members.length;
  await until(
    () => members.every((member) => member.ready && member.shares.length === each),
    `the shares are spread over ${members.map((member) => member.name).join(" and ")}`,
  );
}

/** "order-1, order-5 (…)" for the streams a member handled events of `name` in. */
function streamsHandled(member: Member, name: keyof OrderEvents): string {
  const streams = new Set(handled.filter((event) => event.member === member.name && event.name === name).map((event) => event.stream));
  return ORDERS.filter((order) => streams.has(order)).join(", ") || "none";
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

const store = new EventStore<OrderEvents>(new SqliteEventStorageAdapter({ filename }));
const members: Member[] = [];
try {
  await store.log().latest(); // creates the file's tables before the members open it
  const [first, second] = [new Member("worker-1"), new Member("worker-2")];
  members.push(first, second);
  await settled([first, second]);
  console.log(
    `worker-1 and worker-2 joined the group "billing": ${DEFAULT_GROUP_SHARES} shares, ${DEFAULT_GROUP_SHARES / 2} each (leaseMs ${LEASE_MS})`,
  );

  // 1. Both members at work: each stream goes to the member holding its share.
  const published = (name: keyof OrderEvents) => handled.filter((event) => event.name === name).length;
  await store.category("orders").publish({
    streams: Object.fromEntries(
      ORDERS.map((order, index) => [
        order,
        {
          events: [
            { name: "order-placed" as const, payload: { total: 10 * (index + 1) } },
            { name: "order-paid" as const, payload: { amount: 10 * (index + 1) } },
          ],
        },
      ]),
    ),
  });
  await until(() => published("order-paid") >= ORDERS.length, "every order is paid");
  console.log(`\n${ORDERS.length} orders placed and paid:`);
  for (const member of [first, second]) console.log(`  ${member.name} handled ${streamsHandled(member, "order-paid")}`);

  // 2. worker-2 dies mid-work: worker-1 takes its shares over once their leases expire.
  await store.category("orders").publish({
    streams: Object.fromEntries(
      ORDERS.map((order) => [order, { events: [{ name: "order-shipped" as const, payload: { carrier: "post" } }] }]),
    ),
  });
  await until(() => handled.some((event) => event.member === "worker-2" && event.name === "order-shipped"), "worker-2 ships an order");
  await second.kill();
  const killedAt = performance.now();
  const shippedBefore = handled.filter((event) => event.name === "order-shipped").length;
  console.log(`\nworker-2 killed with SIGKILL after shipping ${streamsHandled(second, "order-shipped")}`);
  await until(() => first.shares.length === DEFAULT_GROUP_SHARES, "worker-1 holds every share");
  console.log(`  worker-1 took over worker-2's shares ${seconds(killedAt)} after the kill (their leases had to expire)`);
  await until(() => published("order-shipped") >= ORDERS.length, "every order is shipped");
  const ordersOfWorker2 = new Set(handled.filter((event) => event.member === "worker-2").map((event) => event.stream));
  const takenOver = handled
    .filter((event) => event.name === "order-shipped")
    .slice(shippedBefore)
    .filter((event) => event.member === "worker-1" && ordersOfWorker2.has(event.stream));
  console.log(`  worker-1 then shipped worker-2's orders ${takenOver.map((event) => event.stream).join(", ") || "(none left)"}`);

  // 3. worker-2 comes back: the shares are rebalanced. Then worker-1 leaves cleanly: no lease to wait for.
  const restarted = new Member("worker-2");
  members.push(restarted);
  const restartedAt = performance.now();
  await settled([first, restarted]);
  console.log(`\nworker-2 started again: ${DEFAULT_GROUP_SHARES / 2} shares each again after ${seconds(restartedAt)}`);
  const leftAt = performance.now();
  await first.close();
  await until(() => restarted.shares.length === DEFAULT_GROUP_SHARES, "worker-2 holds every share");
  console.log(`worker-1 left with close(): worker-2 held every share ${seconds(leftAt)} later`);
  await store.category("orders").publish({
    streams: Object.fromEntries(ORDERS.map((order) => [order, { events: [{ name: "order-delivered" as const, payload: {} }] }])),
  });
  await until(() => published("order-delivered") >= ORDERS.length, "every order is delivered");
  console.log(`  worker-2 handled every delivery: ${streamsHandled(restarted, "order-delivered")}`);
  await restarted.close();

  // 4. Every event was handled; a stream repeats at most the event in flight when its member died.
  const all = await store.category("orders").read();
  const times = new Map<string, number>();
  for (const event of handled) times.set(event.sequenceNumber, (times.get(event.sequenceNumber) ?? 0) + 1);
  const missing = all.filter((event) => !times.has(event.sequenceNumber.toString()));
  const repeated = all.filter((event) => (times.get(event.sequenceNumber.toString()) ?? 0) > 1);
  const overBound = ORDERS.filter((order) => {
    const again = repeated.filter((event) => event.stream === order);
    return again.length > 1 || again.some((event) => (times.get(event.sequenceNumber.toString()) ?? 0) > 2);
  });
  console.log(`\n${all.length} events published, ${all.length - missing.length} handled, ${repeated.length} of them twice`);
  for (const event of repeated) {
    const by = handled.filter((other) => other.sequenceNumber === event.sequenceNumber.toString()).map((other) => other.member);
    console.log(
      `  ${event.stream} ${event.name} by ${by.join(" and ")}: worker-2 was killed after handling it, before writing its checkpoint`,
    );
  }
  if (missing.length > 0 || overBound.length > 0) {
    console.error(
      `${missing.length} events not handled; streams repeating more than the event in flight: ${overBound.join(", ") || "none"}`,
    );
    process.exitCode = 1;
  }
} catch (error) {
  process.exitCode = 1;
  throw error;
} finally {
  await Promise.all(members.map((member) => member.kill()));
  await store.close();
  await rm(directory, { recursive: true, force: true });
}
