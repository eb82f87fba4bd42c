export { classifyFileError } from "./json-lines-error-classifier.js";
export { JsonLinesEventStorageAdapter } from "./json-lines-event-storage-adapter.js";
export type { JsonLinesEventStorageAdapterConfig } from "./json-lines-options.js";
