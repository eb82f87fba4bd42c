import { EventStore } from "@chronicle/core";
import { InMemoryEventStorageAdapter } from "@chronicle/in-memory";
import { NO_FAULTS, type SoakTarget } from "./soak-target.js";

/** The in-memory adapter, without faults: the workload and checks alone. */
export async function inMemoryTarget(): Promise<SoakTarget> {
  const store = new EventStore(new InMemoryEventStorageAdapter());
  return {
    store,
    faults: undefined,
    startFaults: () => NO_FAULTS,
    // The storage lives in this adapter, so the verifier reads through it.
    openVerifier: async () => ({ store, close: async () => {} }),
    close: () => store.close(),
  };
}
