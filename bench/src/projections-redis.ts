import { randomUUID } from "node:crypto";
import { type Projection, ProjectionStore, streamIdentifier } from "@chronicle/core";
import { RedisProjectionStorageAdapter } from "@chronicle/redis";
import { Redis } from "ioredis";
import { alternate, type BenchSuite, compare, measure, runConcurrently } from "./harness.js";

const SUITE = "projections-redis";
const URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";
const SAVERS = 8;
const SAVES = 40_000;
const ROUNDS = 4;
const LOADED_PROJECTIONS = 1_000;
const LOADS = 20_000;

/**
 * The baseline save: a minimal hand-written never-backwards script. It reads
 * the stored version and position, returns 0 when the incoming one is older,
 * and otherwise writes the three fields with HSET. Positions are compared as
 * Lua numbers (exact only up to 2^53), the shortcut a hand-written version
 * would take. KEYS: the hash. ARGV: version, position, JSON.
 */
const BASELINE_SAVE = `
local stored = redis.call('HMGET', KEYS[1], 'v', 'p')
if stored[1] then
  local version, position = tonumber(ARGV[1]), tonumber(ARGV[2])
  local storedVersion, storedPosition = tonumber(stored[1]), tonumber(stored[2])
  if version < storedVersion or (version == storedVersion and position < storedPosition) then return 0 end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'p', ARGV[2], 'r', ARGV[3])
return 1
`;

interface BaselineClient extends Redis {
  baselineSave(key: string, version: number, position: string, json: string): Promise<number>;
}

/** The projection a saver writes: a small read model, as a projector would fold it. */
function profile(saver: number, position: number): Projection {
  return {
    name: "profile",
    id: `profile-${saver}`,
    source: streamIdentifier("profiles", `profile-${saver}`),
    state: { name: `Person ${saver}`, email: `person-${saver}@example.com`, visits: position, tags: ["a", "b", "c"] },
    version: 1,
    position: BigInt(position),
    eventCount: position,
    updatedAt: new Date(1_767_225_600_000 + position),
  };
}

/** What the baseline stores for the same projection: the same fields as one JSON text. */
function baselineJson(item: Projection): string {
  return JSON.stringify({ ...item, position: item.position?.toString(), updatedAt: item.updatedAt?.getTime() });
}

/** The percentile of sorted durations (nanoseconds), in milliseconds. */
function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return Math.round((sorted[index] ?? 0) / 1000) / 1000;
}

async function saves(client: BaselineClient, prefix: string): Promise<void> {
  const scenario = `save, ${SAVERS} concurrent savers, each its own projection, position + 1 each time`;
  const store = new ProjectionStore(new RedisProjectionStorageAdapter({ client }, { keyPrefix: `${prefix}saves:` }));
  await store.load({ name: "profile", id: "warm-up" });
  const chroniclePositions = new Array<number>(SAVERS).fill(0);
  const baselinePositions = new Array<number>(SAVERS).fill(0);
  const perRound = SAVES / ROUNDS;
  const [chronicle, baseline] = await alternate(
    { suite: SUITE, scenario, unit: "saves" },
    ROUNDS,
    () => async () => {
      let errors = 0;
      await runConcurrently(SAVERS, perRound, async (_, saver) => {
        chroniclePositions[saver] = (chroniclePositions[saver] as number) + 1;
        if (!(await store.save(profile(saver, chroniclePositions[saver] as number)))) errors += 1;
      });
      return { count: perRound - errors, errors };
    },
    () => async () => {
      let errors = 0;
      await runConcurrently(SAVERS, perRound, async (_, saver) => {
        baselinePositions[saver] = (baselinePositions[saver] as number) + 1;
        const item = profile(saver, baselinePositions[saver] as number);
        const stored = await client.baselineSave(`{${prefix}baseline}${item.id}`, item.version, String(item.position), baselineJson(item));
        if (stored !== 1) errors += 1;
      });
      return { count: perRound - errors, errors };
    },
  );
  compare(chronicle, baseline, { minimumRatio: 0.5, description: "at least half the hand-written script's saves/s" });
  await measure(
    { suite: SUITE, scenario: `${scenario} (plain SET of the JSON, no check: the floor)`, subject: "baseline", unit: "saves" },
    async () => {
      await runConcurrently(SAVERS, perRound, async (index, saver) => {
        await client.set(`{${prefix}set}profile-${saver}`, baselineJson(profile(saver, index)));
      });
      return perRound;
    },
  );
}

async function loads(client: BaselineClient, prefix: string): Promise<void> {
  const scenario = `load one of ${LOADED_PROJECTIONS} projections, 1 reader, latency`;
  const store = new ProjectionStore(new RedisProjectionStorageAdapter({ client }, { keyPrefix: `${prefix}loads:` }));
  for (let index = 0; index < LOADED_PROJECTIONS; index += 1) {
    const item = profile(index, 1);
    await store.save(item);
    await client.baselineSave(`{${prefix}baseline}load-${item.id}`, item.version, String(item.position), baselineJson(item));
  }
  const all = { chronicle: [] as number[], baseline: [] as number[] };
  const timed = (subject: keyof typeof all, load: (index: number) => Promise<unknown>) => async () => {
    const durations: number[] = [];
    for (let index = 0; index < LOADS / ROUNDS; index += 1) {
      const started = process.hrtime.bigint();
      const loaded = await load(index % LOADED_PROJECTIONS);
      durations.push(Number(process.hrtime.bigint() - started));
      if (loaded === undefined || loaded === null) throw new Error(`projection ${index} is missing`);
    }
    all[subject].push(...durations);
    durations.sort((a, b) => a - b);
    return { count: durations.length, p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) };
  };
  const [chronicle, baseline] = await alternate(
    { suite: SUITE, scenario, unit: "loads" },
    ROUNDS,
    () => timed("chronicle", (index) => store.load({ name: "profile", id: `profile-${index}` })),
    () =>
      timed("baseline", async (index) => {
        const json = await client.hget(`{${prefix}baseline}load-profile-${index}`, "r");
        if (json === null) return undefined;
        const raw = JSON.parse(json) as Projection & { position: string; updatedAt: number };
        return { ...raw, position: BigInt(raw.position), updatedAt: new Date(raw.updatedAt) };
      }),
  );
  for (const subject of ["chronicle", "baseline"] as const) {
    const sorted = all[subject].sort((a, b) => a - b);
    console.log(
      JSON.stringify({ suite: SUITE, scenario, subject, round: "all", p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }),
    );
  }
  compare(chronicle, baseline, { minimumRatio: 0.7, description: "at least 70% of the raw HGET and JSON.parse's loads/s" });
}

/** Deletes every key under the bench's prefix. */
async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `{${prefix}*`, "COUNT", 10_000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== "0");
}

/**
 * The Redis projection adapter: saves per second from 8 concurrent savers
 * through `ProjectionStore` beside a minimal hand-written never-backwards Lua
 * script (and a plain SET, the floor), and the latency of `load` (p50 / p99,
 * printed with each round) beside a raw HGET and JSON.parse.
 */
export const projectionsRedisSuite: BenchSuite = {
  name: SUITE,
  async run() {
    const client = new Redis(URL) as BaselineClient;
    client.defineCommand("baselineSave", { numberOfKeys: 1, lua: BASELINE_SAVE });
    const prefix = `chronicle-bench:${randomUUID()}:`;
    try {
      await saves(client, prefix);
      await loads(client, prefix);
    } finally {
      await deleteKeys(client, prefix);
      await client.quit();
    }
  },
};
