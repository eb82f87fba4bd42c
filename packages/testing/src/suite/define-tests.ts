/** What every contract suite's test spec has: the body to run. */
export interface TestSpecWithBody {
  /** The body; each suite gives it its own context type. */
  readonly run: (context: never) => Promise<void>;
}

/**
 * Makes the `defineTests` of one contract suite: it registers a group's tests
 * under ids that start with the group's name, so ids stay stable and greppable
 * (`"conditions.position-is.rejects-stale"`). A test is given as its body alone
 * or as a spec with the body in `run`.
 */
export function testDefiner<Group extends string, Spec extends TestSpecWithBody>() {
  return <G extends Group, T extends Record<`${G}.${string}`, Spec["run"] | Spec>>(
    group: G,
    tests: T,
  ): { readonly [K in keyof T]: Spec & { readonly id: string; readonly group: Group } } => {
    const result: Record<string, Spec & { id: string; group: Group }> = {};
    for (const [id, test] of Object.entries(tests) as [string, Spec["run"] | Spec][]) {
      if (!id.startsWith(`${group}.`)) throw new Error(`contract test id ${id} does not start with its group ${group}.`);
      result[id] = (typeof test === "function" ? { id, group, run: test } : { ...test, id, group }) as Spec & {
        id: string;
        group: Group;
      };
    }
    return result as { readonly [K in keyof T]: Spec & { readonly id: string; readonly group: Group } };
  };
}
