/**
 * One member process of the consumer group bench (or, without a member name,
 * the plain subscription it is compared with). It subscribes, handles each
 * event in about 1 ms, and prints one JSON line per event it handled and one
 * whenever the shares it holds change; "cpu" on stdin prints the CPU time it
 * used since it subscribed, "close" closes it.
 */
import { createInterface } from "node:readline";
import { setTimeout } from "node:timers/promises";
import { EventStore } from "@chronicle/core";
import { type MemberInstructions, type MemberLine, now, openStorage } from "./consumer-groups.js";

async function member(instructions: MemberInstructions): Promise<void> {
  // A synchronous write per line, so a line printed before SIGKILL is not lost.
  const print = (line: MemberLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const store = new EventStore(openStorage(instructions.storage));
  await store.log().latest(); // migrations and connections before the clock starts
  const subscription = store.subscribe({
    name: instructions.name,
    source: store.category(instructions.category),
    checkpointEvery: instructions.checkpointEvery,
    // SQLite has no notifications between processes: poll often, so no run waits up to a second to start.
    pollIntervalMs: 100,
    ...(instructions.member === undefined
      ? {}
      : { group: { member: instructions.member, ...(instructions.leaseMs === undefined ? {} : { leaseMs: instructions.leaseMs }) } }),
    handler: async (event, context) => {
      await setTimeout(instructions.handlerMs);
      print({ handled: event.sequenceNumber.toString(), share: context.group?.share ?? 0, at: now() });
    },
  });
  const started = process.cpuUsage();
  print({ ready: true });
  let shares = "";
  const watch = setInterval(() => {
    const held = subscription.status().group?.shares ?? [];
    if (held.join() !== shares) {
      shares = held.join();
      print({ shares: held });
    }
  }, 10);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "close") break;
    if (line === "cpu") {
      const { user, system } = process.cpuUsage(started);
      print({ cpuMs: (user + system) / 1000 });
    }
  }
  clearInterval(watch);
  await subscription.close();
  await store.close();
}

await member(JSON.parse(process.argv[2] ?? "{}") as MemberInstructions);
