import {
  allOf,
  anyOf,
  evaluateConditionAt,
  noCondition,
  positionIs,
  streamExists,
  streamIsEmpty,
  type WriteCondition,
} from "@chronicle/core";
import { createRandom } from "@chronicle/testing";
import { expect, it } from "vitest";
import { conditionSet } from "../src/condition-set.js";

/** Whether the set the append function checks accepts a stream whose latest position is `latest`. */
function accepts(condition: WriteCondition, latest: number | undefined): boolean {
  const set = conditionSet(condition);
  return latest === undefined ? set.empty : set.anyPosition || set.positions.includes(latest);
}

it("reduces every condition to a set that accepts exactly the stream states core's evaluateConditionAt accepts", () => {
  const random = createRandom(20_260_101);
  const leaf = (): WriteCondition => {
    const choice = random.integer(0, 3);
    if (choice === 0) return noCondition();
    if (choice === 1) return streamIsEmpty();
    if (choice === 2) return streamExists();
    return positionIs(random.integer(0, 4));
  };
  const tree = (depth: number): WriteCondition => {
    if (depth === 0 || random.integer(0, 2) === 0) return leaf();
    const children = Array.from({ length: random.integer(0, 3) }, () => tree(depth - 1));
    return random.integer(0, 1) === 0 ? allOf(...children) : anyOf(...children);
  };
  for (let sample = 0; sample < 2_000; sample += 1) {
    const condition = tree(4);
    for (const latest of [undefined, 0, 1, 2, 3, 4, 5]) {
      expect(accepts(condition, latest), `${JSON.stringify(condition)} at ${latest}`).toBe(evaluateConditionAt(condition, latest));
    }
  }
});
