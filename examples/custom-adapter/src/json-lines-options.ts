/** Where a `JsonLinesEventStorageAdapter` keeps its log. */
export interface JsonLinesEventStorageAdapterConfig {
  /** The log file: created when missing, appended to, never rewritten. */
  filename: string;
}
