export { NewEventBuilder, newEvent } from "./new-event-builder.js";
export { ProjectionBuilder, projection } from "./projection-builder.js";
export { createRandom, type Random } from "./random.js";
export type { RandomProjections } from "./random-projections.js";
export { DEFAULT_STORED_EVENT_DATE, StoredEventBuilder, storedEvent } from "./stored-event-builder.js";
