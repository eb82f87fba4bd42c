export { InMemoryEventStorageAdapter } from "./in-memory-event-storage-adapter.js";
export type { InMemoryEventStorageAdapterOptions } from "./in-memory-options.js";
export { InMemoryProjectionStorageAdapter } from "./in-memory-projection-storage-adapter.js";
