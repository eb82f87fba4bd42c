import type { Clock, SerialisationGuarantee } from "@chronicle/core";

/** Options of `new InMemoryEventStorageAdapter(options)`. */
export interface InMemoryEventStorageAdapterOptions {
  /**
   * Accepted for parity with the persistent adapters; every save runs to
   * completion before the next starts, which satisfies all three. Defaults to `"log"`.
   */
  serialisationGuarantee?: SerialisationGuarantee;
  /** Stamps `observedAt` on events saved without one. Defaults to the system clock. */
  clock?: Clock;
}
