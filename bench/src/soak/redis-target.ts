import { EventStore } from "@chronicle/core";
import { RedisEventStorageAdapter } from "@chronicle/redis";
import { Redis } from "ioredis";
import type { SoakRandom } from "./soak-random.js";
import { injectPeriodically, type SoakTarget } from "./soak-target.js";

const REDIS_URL = process.env.CHRONICLE_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The Redis adapter on a client of the soak's own, named with `CLIENT SETNAME`
 * (ioredis' `connectionName`), under a key prefix of its own; the fault injector
 * kills every connection of that name with `CLIENT KILL ID` every 2–4 s (Redis 7.0
 * has no `CLIENT KILL` filter by name, so the ids come from `CLIENT LIST`).
 */
export async function redisTarget(runId: string): Promise<SoakTarget> {
  const connectionName = `chronicle-soak-${runId}`;
  const keyPrefix = `soak:${runId}:`;
  const client = new Redis(REDIS_URL, { connectionName });
  let clientErrors = 0;
  client.on("error", () => {
    clientErrors += 1;
  });
  const admin = new Redis(REDIS_URL, { connectionName: `${connectionName}-admin` });
  const store = new EventStore(new RedisEventStorageAdapter({ client }, { keyPrefix }));
  return {
    store,
    faults: `CLIENT KILL of every connection named ${connectionName}, every 2–4 s`,
    startFaults(random: SoakRandom) {
      let rounds = 0;
      const injector = injectPeriodically(random, 2_000, 4_000, async () => {
        rounds += 1;
        const list = (await admin.call("CLIENT", "LIST")) as string;
        const ids = list
          .split("\n")
          .filter((line) => line.split(" ").includes(`name=${connectionName}`))
          .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
          .filter((id): id is string => id !== undefined);
        let killed = 0;
        for (const id of ids) killed += Number(await admin.call("CLIENT", "KILL", "ID", id));
        return killed;
      });
      return {
        async stop() {
          const { injected, incidents } = await injector.stop();
          return {
            injected,
            counts: { "CLIENT KILL rounds": rounds, "connections killed": injected, "client errors": clientErrors },
            outcomes: [],
            incidents,
          };
        },
      };
    },
    async openVerifier() {
      const verifier = new EventStore(new RedisEventStorageAdapter({ url: REDIS_URL }, { keyPrefix }));
      return { store: verifier, close: () => verifier.close() };
    },
    async close() {
      await store.close();
      client.disconnect();
      let cursor = "0";
      do {
        const [next, keys] = (await admin.call("SCAN", cursor, "MATCH", `*${keyPrefix}*`, "COUNT", 1000)) as [string, string[]];
        cursor = next;
        if (keys.length > 0) await admin.call("UNLINK", ...keys);
      } while (cursor !== "0");
      await admin.quit();
    },
  };
}
