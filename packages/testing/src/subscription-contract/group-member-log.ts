import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { SubscriptionHandler } from "@chronicle/core";

/**
 * Now, in milliseconds since the epoch with sub-millisecond precision, on a
 * clock that processes of one machine share (`performance.timeOrigin` is the
 * wall clock at process start, `performance.now()` is monotonic).
 */
export function timestamp(): number {
  return performance.timeOrigin + performance.now();
}

/** One event a group member's handler finished. */
export interface HandledEntry {
  readonly member: string;
  readonly share: number;
  /** The epoch of the member's lease on the share, from the handler's `context.group`. */
  readonly epoch: number;
  readonly stream: string;
  /** The event's sequence number, as a string (JSON has no bigint). */
  readonly sequenceNumber: string;
  readonly id: string;
  /** When the handler was called and when it finished (`timestamp()`). */
  readonly start: number;
  readonly end: number;
}

/** A line of a group member's log: an event handled, the shares it holds now, or that its `close()` resolved. */
export type GroupMemberLine =
  | ({ readonly kind: "handled" } & HandledEntry)
  | { readonly kind: "shares"; readonly member: string; readonly shares: number[]; readonly at: number }
  | { readonly kind: "closed"; readonly member: string; readonly shares: number[]; readonly at: number };

/**
 * The handler every member under test runs, in a child process or in the
 * test's own: it takes `delayMs`, then records the event with its share and
 * epoch and when the handler started and finished.
 */
export function recordingHandler(member: string, delayMs: number, record: (line: GroupMemberLine) => void): SubscriptionHandler {
  return async (event, { group }) => {
    const start = timestamp();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    record({
      kind: "handled",
      member,
      share: group?.share ?? -1,
      epoch: group?.epoch ?? -1,
      stream: event.stream,
      sequenceNumber: String(event.sequenceNumber),
      id: event.id,
      start,
      end: timestamp(),
    });
  };
}

/** What the members of a group have reported so far. */
export class GroupLog {
  /** Every event handled, in the order the lines were read. */
  readonly handled: HandledEntry[] = [];
  /** The ids of the events handled. */
  readonly handledIds = new Set<string>();
  /** The shares each member reported last. */
  readonly shares = new Map<string, number[]>();
  /** Members whose `close()` resolved: when, and the shares they held before. */
  readonly closed = new Map<string, { at: number; shares: number[] }>();

  add(line: GroupMemberLine): void {
    switch (line.kind) {
      case "handled": {
        const { kind: _, ...entry } = line;
        this.handled.push(entry);
        this.handledIds.add(entry.id);
        break;
      }
      case "shares":
        this.shares.set(line.member, line.shares);
        break;
      case "closed":
        this.closed.set(line.member, { at: line.at, shares: line.shares });
        break;
    }
  }

  /** How many events each member handled. */
  countsByMember(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.handled) counts.set(entry.member, (counts.get(entry.member) ?? 0) + 1);
    return counts;
  }
}

/** Reads the lines appended to a file since the last call; a file not created yet has none. */
export class LogFileReader {
  readonly #file: string;
  readonly #decoder = new StringDecoder("utf8");
  #offset = 0;
  #rest = "";

  constructor(file: string) {
    this.#file = file;
  }

  async read(): Promise<GroupMemberLine[]> {
    const handle = await open(this.#file, "r").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (handle === undefined) return [];
    try {
      const { size } = await handle.stat();
      if (size <= this.#offset) return [];
      const buffer = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
      this.#offset += bytesRead;
      const text = this.#rest + this.#decoder.write(buffer.subarray(0, bytesRead));
      const lines = text.split("\n");
      // A line being appended right now is read in full next time.
      this.#rest = lines.pop() ?? "";
      return lines.filter((line) => line !== "").map((line) => JSON.parse(line) as GroupMemberLine);
    } finally {
      await handle.close();
    }
  }
}
