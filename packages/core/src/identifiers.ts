/** Identifies the whole log. */
export interface LogIdentifier {
  readonly type: "log";
}

/** Identifies one category: every stream under one name, such as `"profiles"`. */
export interface CategoryIdentifier {
  readonly type: "category";
  readonly category: string;
}

/** Identifies one stream within a category, such as `profiles` / `joe`. */
export interface StreamIdentifier {
  readonly type: "stream";
  readonly category: string;
  readonly stream: string;
}

/** What a read or scan covers: the log, a category or a stream. */
export type EventTarget = LogIdentifier | CategoryIdentifier | StreamIdentifier;

/** The whole log. */
export function logIdentifier(): LogIdentifier {
  return { type: "log" };
}

/** One category. */
export function categoryIdentifier(category: string): CategoryIdentifier {
  return { type: "category", category };
}

/** One stream within a category. */
export function streamIdentifier(category: string, stream: string): StreamIdentifier {
  return { type: "stream", category, stream };
}

/** A readable form of a target for messages: `log`, `profiles`, `profiles/joe`. */
export function describeTarget(target: EventTarget): string {
  switch (target.type) {
    case "log":
      return "log";
    case "category":
      return target.category;
    case "stream":
      return `${target.category}/${target.stream}`;
  }
}
