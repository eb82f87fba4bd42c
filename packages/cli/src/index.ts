export { CliError, EXIT } from "./cli-error.js";
export { decodeEvent, type EventLine, encodeEvent } from "./event-lines.js";
export { createProgram, run } from "./main.js";
export { parseStoreUrl, redactUrl, type StoreLocation } from "./store-url.js";
