import type { JsonObject, JsonValue, NewEvent } from "@chronicle/core";

/**
 * Builds a `NewEvent` step by step. Only what is set ends up in the event, so
 * the store's defaults (id, dates, metadata) apply to everything else.
 */
export class NewEventBuilder<Payload extends JsonValue = JsonValue> {
  #name = "something-happened";
  #payload: JsonValue = {};
  #id: string | undefined;
  #metadata: JsonObject | undefined;
  #occurredAt: Date | undefined;
  #observedAt: Date | undefined;

  /** Sets the event name (default `"something-happened"`). */
  withName(name: string): this {
    this.#name = name;
    return this;
  }

  /** Sets the payload (default `{}`). */
  withPayload<P extends JsonValue>(payload: P): NewEventBuilder<P> {
    this.#payload = payload;
    return this as unknown as NewEventBuilder<P>;
  }

  /** Sets the event id; without one the store assigns a UUIDv7. */
  withId(id: string): this {
    this.#id = id;
    return this;
  }

  /** Sets the metadata; without it the store stores `{}`. */
  withMetadata(metadata: JsonObject): this {
    this.#metadata = metadata;
    return this;
  }

  /** Sets when the event happened in the domain. */
  occurredAt(date: Date): this {
    this.#occurredAt = date;
    return this;
  }

  /** Sets when the store learned of the event. */
  observedAt(date: Date): this {
    this.#observedAt = date;
    return this;
  }

  /** A new event object; building twice gives two independent objects. */
  build(): NewEvent<Payload> {
    const event: NewEvent<Payload> = { name: this.#name, payload: this.#payload as Payload };
    if (this.#id !== undefined) event.id = this.#id;
    if (this.#metadata !== undefined) event.metadata = this.#metadata;
    if (this.#occurredAt !== undefined) event.occurredAt = new Date(this.#occurredAt.getTime());
    if (this.#observedAt !== undefined) event.observedAt = new Date(this.#observedAt.getTime());
    return event;
  }
}

/** Starts building a `NewEvent`: `newEvent().withName("x").withPayload({ … }).build()`. */
export function newEvent(): NewEventBuilder {
  return new NewEventBuilder();
}
