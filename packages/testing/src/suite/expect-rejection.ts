import type { ChronicleErrorCode } from "@chronicle/core";
import { expect } from "vitest";

/**
 * Expects `action` to reject with a Chronicle error of `code` (matched on the
 * `code` property: two copies of core may be installed) and returns the error.
 */
export async function expectRejection(action: Promise<unknown> | (() => Promise<unknown>), code: ChronicleErrorCode): Promise<unknown> {
  let outcome: { error: unknown } | undefined;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    outcome = { error };
  }
  expect(outcome, `expected a rejection with code ${code}, but the call resolved`).toBeDefined();
  const error = outcome?.error;
  expect(error, `expected a rejection with code ${code}`).toMatchObject({ code });
  return error;
}
