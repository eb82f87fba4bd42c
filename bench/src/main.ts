import type { BenchSuite } from "./harness.js";
import { inMemorySuite } from "./in-memory.js";

/**
 * Runs the named suites (all when none is named), printing one JSON line per
 * figure: `pnpm bench`, `pnpm bench postgres sqlite`.
 */
const suites: Record<string, () => Promise<BenchSuite>> = {
  "in-memory": async () => inMemorySuite,
  sqlite: async () => (await import("./sqlite.js")).sqliteSuite,
  redis: async () => (await import("./redis.js")).redisSuite,
  postgres: async () => (await import("./postgres.js")).postgresSuite,
  "projections-postgres": async () => (await import("./projections-postgres.js")).projectionsPostgresSuite,
  "projections-sqlite": async () => (await import("./projections-sqlite.js")).projectionsSqliteSuite,
  "projections-redis": async () => (await import("./projections-redis.js")).projectionsRedisSuite,
  projections: async () => (await import("./projections.js")).projectionsSuite,
  "projection-store": async () => (await import("./projection-store.js")).projectionStoreSuite,
  cli: async () => (await import("./cli.js")).cliSuite,
  snapshots: async () => (await import("./snapshots.js")).snapshotsSuite,
  subscriptions: async () => (await import("./subscriptions.js")).subscriptionsSuite,
  groups: async () => (await import("./consumer-groups.js")).groupsSuite,
};

const requested = process.argv.slice(2).filter((argument) => !argument.startsWith("-"));
const unknown = requested.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`Unknown bench suite(s): ${unknown.join(", ")}. Known: ${Object.keys(suites).join(", ")}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(suites)) {
  const suite = await (suites[name] as () => Promise<BenchSuite>)();
  await suite.run();
}
