import { EventStore } from "@chronicle/core";
import { PostgresEventStorageAdapter } from "@chronicle/postgres";
import pg from "pg";
import type { SoakRandom } from "./soak-random.js";
import { injectPeriodically, type SoakTarget } from "./soak-target.js";

const POSTGRES_URL = process.env.CHRONICLE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * The PostgreSQL adapter on a pool of the soak's own, named by
 * `application_name`, in a schema of its own; the fault injector terminates
 * every backend of that pool with `pg_terminate_backend` every 2–4 s.
 */
export async function postgresTarget(runId: string): Promise<SoakTarget> {
  const applicationName = `chronicle-soak-${runId}`;
  const schema = `chronicle_soak_${runId.replaceAll("-", "_")}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, application_name: applicationName, max: 10 });
  let poolErrors = 0;
  // An idle connection terminated by the injector is reported here; the pool replaces it.
  pool.on("error", () => {
    poolErrors += 1;
  });
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, application_name: `${applicationName}-admin`, max: 1 });
  const store = new EventStore(new PostgresEventStorageAdapter({ pool }, { schema }));
  return {
    store,
    faults: `pg_terminate_backend of every connection with application_name ${applicationName}, every 2–4 s`,
    startFaults(random: SoakRandom) {
      let calls = 0;
      const injector = injectPeriodically(random, 2_000, 4_000, async () => {
        calls += 1;
        const { rows } = await admin.query(
          "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
          [applicationName],
        );
        return rows.filter((row: { terminated: boolean }) => row.terminated).length;
      });
      return {
        async stop() {
          const { injected, incidents } = await injector.stop();
          return {
            injected,
            counts: {
              "pg_terminate_backend rounds": calls,
              "connections terminated": injected,
              "pool errors (idle connections lost)": poolErrors,
            },
            outcomes: [],
            incidents,
          };
        },
      };
    },
    async openVerifier() {
      const verifier = new EventStore(new PostgresEventStorageAdapter({ connectionString: POSTGRES_URL }, { schema }));
      return { store: verifier, close: () => verifier.close() };
    },
    async close() {
      await store.close();
      await pool.end();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}
