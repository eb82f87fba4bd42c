import { type JsonObject, type JsonValue, type StoredEvent, uuidv7 } from "@chronicle/core";

/** The date stored events get unless told otherwise: fixed, so tests are repeatable. */
export const DEFAULT_STORED_EVENT_DATE = new Date("2025-01-01T00:00:00.000Z");

/**
 * Builds a `StoredEvent`, as an adapter would return it, for testing code that
 * consumes events (projections, handlers) without a store.
 */
export class StoredEventBuilder<Payload extends JsonValue = JsonValue> {
  #id: string | undefined;
  #name = "something-happened";
  #category = "category";
  #stream = "stream";
  #position = 0;
  #sequenceNumber = 1n;
  #payload: JsonValue = {};
  #metadata: JsonObject = {};
  #occurredAt: Date | undefined;
  #observedAt = DEFAULT_STORED_EVENT_DATE;

  /** Sets the id (default: a fresh UUIDv7 per build). */
  withId(id: string): this {
    this.#id = id;
    return this;
  }

  /** Sets the event name (default `"something-happened"`). */
  withName(name: string): this {
    this.#name = name;
    return this;
  }

  /** Sets the category (default `"category"`). */
  withCategory(category: string): this {
    this.#category = category;
    return this;
  }

  /** Sets the stream (default `"stream"`). */
  withStream(stream: string): this {
    this.#stream = stream;
    return this;
  }

  /** Sets the position within the stream (default `0`). */
  withPosition(position: number): this {
    this.#position = position;
    return this;
  }

  /** Sets the sequence number in the log (default `1n`). */
  withSequenceNumber(sequenceNumber: bigint): this {
    this.#sequenceNumber = sequenceNumber;
    return this;
  }

  /** Sets the payload (default `{}`). */
  withPayload<P extends JsonValue>(payload: P): StoredEventBuilder<P> {
    this.#payload = payload;
    return this as unknown as StoredEventBuilder<P>;
  }

  /** Sets the metadata (default `{}`). */
  withMetadata(metadata: JsonObject): this {
    this.#metadata = metadata;
    return this;
  }

  /** Sets when the event happened (default: `observedAt`). */
  occurredAt(date: Date): this {
    this.#occurredAt = date;
    return this;
  }

  /** Sets when the store learned of the event (default 2025-01-01T00:00:00.000Z). */
  observedAt(date: Date): this {
    this.#observedAt = date;
    return this;
  }

  /** A new stored event object. */
  build(): StoredEvent<Payload> {
    return {
      id: this.#id ?? uuidv7(),
      name: this.#name,
      category: this.#category,
      stream: this.#stream,
      position: this.#position,
      sequenceNumber: this.#sequenceNumber,
      payload: structuredClone(this.#payload) as Payload,
      metadata: structuredClone(this.#metadata),
      occurredAt: new Date((this.#occurredAt ?? this.#observedAt).getTime()),
      observedAt: new Date(this.#observedAt.getTime()),
    };
  }
}

/** Starts building a `StoredEvent` with sensible defaults: `storedEvent().withStream("joe").build()`. */
export function storedEvent(): StoredEventBuilder {
  return new StoredEventBuilder();
}
