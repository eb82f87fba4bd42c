import { type EventTarget, type JsonValue, type Projection, streamIdentifier } from "@chronicle/core";

/**
 * Builds a `Projection`, as a projector or a projection store returns it, for
 * testing code that stores, searches or consumes projections.
 */
export class ProjectionBuilder<State extends JsonValue = JsonValue> {
  #name = "projection";
  #id: string | undefined;
  #source: EventTarget = streamIdentifier("category", "stream");
  #state: JsonValue = {};
  #version = 1;
  #position: bigint | undefined;
  #eventCount = 0;
  #updatedAt: Date | undefined;

  /** Sets the projector's name (default `"projection"`). */
  withName(name: string): this {
    this.#name = name;
    return this;
  }

  /** Sets the id (default: as a projector would give it: the stream name, the category name, or `"log"`). */
  withId(id: string): this {
    this.#id = id;
    return this;
  }

  /** Sets the source folded (default: the stream `category` / `stream`). */
  withSource(source: EventTarget): this {
    this.#source = source;
    return this;
  }

  /** Sets the state (default `{}`). */
  withState<S extends JsonValue>(state: S): ProjectionBuilder<S> {
    this.#state = state;
    return this as unknown as ProjectionBuilder<S>;
  }

  /** Sets the projector's version (default `1`). */
  withVersion(version: number): this {
    this.#version = version;
    return this;
  }

  /** Sets the sequence number of the last event folded (default `undefined`: none was). */
  withPosition(position: bigint | undefined): this {
    this.#position = position;
    return this;
  }

  /** Sets how many events were folded (default `0`). */
  withEventCount(eventCount: number): this {
    this.#eventCount = eventCount;
    return this;
  }

  /** Sets `observedAt` of the last event folded (default `undefined`: none was). */
  updatedAt(date: Date | undefined): this {
    this.#updatedAt = date;
    return this;
  }

  /** A new projection object; building twice gives two independent objects. */
  build(): Projection<State> {
    return {
      name: this.#name,
      id: this.#id ?? defaultProjectionId(this.#source),
      source: { ...this.#source },
      state: structuredClone(this.#state) as State,
      version: this.#version,
      position: this.#position,
      eventCount: this.#eventCount,
      updatedAt: this.#updatedAt === undefined ? undefined : new Date(this.#updatedAt.getTime()),
    };
  }
}

/** Starts building a `Projection` with sensible defaults: `projection().withName("profile").withState({ … }).build()`. */
export function projection(): ProjectionBuilder {
  return new ProjectionBuilder();
}

/** The id a projector gives a projection of `source` by default. */
function defaultProjectionId(source: EventTarget): string {
  switch (source.type) {
    case "stream":
      return source.stream;
    case "category":
      return source.category;
    case "log":
      return "log";
  }
}
