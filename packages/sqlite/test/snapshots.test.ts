import { describeSnapshots } from "@chronicle/testing/vitest";
import { SqliteEventStorageAdapter, SqliteProjectionStorageAdapter } from "../src/index.js";
import { removeTemporaryFiles, temporaryDatabaseFile } from "./temporary-files.js";

// Events and projections in one file, as an application keeps them.
describeSnapshots({
  name: "sqlite",
  create: async () => {
    const filename = temporaryDatabaseFile();
    return { events: new SqliteEventStorageAdapter({ filename }), projections: new SqliteProjectionStorageAdapter({ filename }) };
  },
  cleanup: async () => removeTemporaryFiles(),
});
