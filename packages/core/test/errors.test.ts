import { describe, expect, it } from "vitest";
import {
  ChronicleError,
  ClosedError,
  DuplicateEventIdError,
  InvalidInputError,
  isChronicleError,
  positionIs,
  streamIdentifier,
  UnavailableError,
  UnmetWriteConditionError,
} from "../src/index.js";

describe("Chronicle errors", () => {
  it("carry a stable code, a retryable flag and a name", () => {
    const target = streamIdentifier("profiles", "joe");
    const cases: [ChronicleError, string, boolean, string][] = [
      [new UnmetWriteConditionError(target, positionIs(3), 5), "UNMET_WRITE_CONDITION", false, "UnmetWriteConditionError"],
      [new DuplicateEventIdError("e-1"), "DUPLICATE_EVENT_ID", false, "DuplicateEventIdError"],
      [new InvalidInputError("bad"), "INVALID_INPUT", false, "InvalidInputError"],
      [new UnavailableError("down"), "UNAVAILABLE", true, "UnavailableError"],
      [new ClosedError(), "CLOSED", false, "ClosedError"],
      [new ChronicleError("INVALID_INPUT", "base"), "INVALID_INPUT", false, "ChronicleError"],
    ];
    for (const [error, code, retryable, name] of cases) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ChronicleError);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(error.name).toBe(name);
      expect(String(error)).toContain(name);
      expect(error.stack).toBeTypeOf("string");
    }
  });

  it("keep the error underneath as the cause", () => {
    const driverError = Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
    const unavailable = new UnavailableError("the database is unreachable", { cause: driverError });
    expect(unavailable.cause).toBe(driverError);
    expect(new ClosedError("The pool", { cause: driverError }).cause).toBe(driverError);
    expect(new InvalidInputError("bad", { cause: "text cause" }).cause).toBe("text cause");
    expect(new DuplicateEventIdError("e-1", "is taken", { cause: driverError }).cause).toBe(driverError);
    expect(new InvalidInputError("bad").cause).toBeUndefined();
  });

  it("let the base class be retryable when asked", () => {
    expect(new ChronicleError("UNAVAILABLE", "busy", { retryable: true }).retryable).toBe(true);
  });

  it("say which stream, which condition and what the stream held", () => {
    const target = streamIdentifier("profiles", "joe");
    const condition = positionIs(3);
    const atFive = new UnmetWriteConditionError(target, condition, 5);
    expect(atFive.target).toEqual(target);
    expect(atFive.condition).toEqual(condition);
    expect(atFive.latestPosition).toBe(5);
    expect(atFive.message).toBe("Write condition positionIs(3) not met for stream profiles/joe: its latest position is 5");
    const onEmpty = new UnmetWriteConditionError(target, condition, undefined);
    expect(onEmpty.latestPosition).toBeUndefined();
    expect(onEmpty.message).toContain("the stream is empty");
  });

  it("name the duplicate id", () => {
    const error = new DuplicateEventIdError("e-1");
    expect(error.eventId).toBe("e-1");
    expect(error.message).toContain('"e-1"');
  });

  it("say what was closed", () => {
    expect(new ClosedError().message).toBe("The event storage adapter is closed");
    expect(new ClosedError("The event store").message).toBe("The event store is closed");
  });
});

describe("isChronicleError", () => {
  it("recognises Chronicle errors, optionally by code", () => {
    const error = new InvalidInputError("bad");
    expect(isChronicleError(error)).toBe(true);
    expect(isChronicleError(error, "INVALID_INPUT")).toBe(true);
    expect(isChronicleError(error, "CLOSED")).toBe(false);
  });

  it("recognises an error from another copy of core by its shape", () => {
    // What `instanceof` cannot see: an error built by a second installed copy of the package.
    const foreign = { name: "UnavailableError", message: "down", code: "UNAVAILABLE", retryable: true };
    expect(foreign instanceof ChronicleError).toBe(false);
    expect(isChronicleError(foreign)).toBe(true);
    expect(isChronicleError(foreign, "UNAVAILABLE")).toBe(true);
    expect(isChronicleError(foreign, "CLOSED")).toBe(false);
  });

  it("rejects everything else", () => {
    for (const value of [
      undefined,
      null,
      "INVALID_INPUT",
      new Error("plain"),
      Object.assign(new Error("node"), { code: "ECONNREFUSED" }),
      { code: "INVALID_INPUT" },
      { code: "INVALID_INPUT", retryable: "no" },
      { code: "SOMETHING_ELSE", retryable: false },
      { code: 23505, retryable: false },
    ]) {
      expect(isChronicleError(value)).toBe(false);
    }
  });
});

describe("isChronicleError narrowing by code", () => {
  it("gives the facts of the code's error", () => {
    const error: unknown = new UnmetWriteConditionError(streamIdentifier("profiles", "joe"), positionIs(2), 4);
    if (!isChronicleError(error, "UNMET_WRITE_CONDITION")) throw new Error("expected a match");
    // Typed as UnmetWriteConditionError: these properties type-check without a cast.
    expect([error.latestPosition, error.target.stream, error.condition]).toEqual([4, "joe", positionIs(2)]);
    expect(isChronicleError(error, "CLOSED")).toBe(false);
  });
});
