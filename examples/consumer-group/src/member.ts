// One member of the "billing" consumer group. Start it as several processes,
// each with its own member name, on the same storage: they split the streams
// of the "orders" category between them, one member per stream at a time, and
// when one leaves or dies the others take over its streams. main.ts starts two.
//
//   tsx --conditions=@chronicle/source src/member.ts <sqlite file> <member name>
//
// It prints one JSON line per handled event and whenever the shares it holds
// change, for main.ts to read.
import { createInterface } from "node:readline";
import { setTimeout } from "node:timers/promises";
import { EventStore } from "@chronicle/core";
import { SqliteEventStorageAdapter } from "@chronicle/sqlite";
import { LEASE_MS, type MemberReport, type OrderEvents } from "./orders.js";

const [filename, member] = process.argv.slice(2);
if (filename === undefined || member === undefined) throw new Error("usage: member.ts <sqlite file> <member name>");
const report = (line: MemberReport) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = new EventStore<OrderEvents>(new SqliteEventStorageAdapter({ filename }));
const billing = store.subscribe({
  name: "billing", // the group: every member subscribes under the same name
  source: store.category("orders"),
  group: { member, leaseMs: LEASE_MS },
  handler: async (event, { group }) => {
    await setTimeout(20); // billing an order takes a moment
    // An effect stored elsewhere could carry `group.epoch`: it grows every time the
    // share changes hands, so a store that refuses lower epochs fences a member that lost it.
    report({
      handled: {
        stream: event.stream,
        name: event.name,
        sequenceNumber: event.sequenceNumber.toString(),
        share: group?.share ?? 0,
        epoch: group?.epoch ?? 0,
      },
    });
  },
});
report({ ready: true });

// Report the shares this member holds whenever they change (joining, rebalancing, taking over).
let shares = "";
const watch = setInterval(() => {
  const held = billing.status().group?.shares ?? [];
  if (held.join() !== shares) {
    shares = held.join();
    report({ shares: held });
  }
}, 20);

// Leave on "close" from main.ts, Ctrl-C or SIGTERM: close() finishes the handler in flight,
// writes the checkpoints and releases the leases, so the other members take over at once.
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => {
  lines.on("line", (line) => line === "close" && resolve());
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
lines.close();
process.stdin.destroy();
clearInterval(watch);
await billing.close();
await store.close();
