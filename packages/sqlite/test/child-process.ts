import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A TypeScript script from test/scripts running in its own Node process, with each line it prints parsed as JSON. */
export interface ChildScript {
  readonly process: ChildProcessWithoutNullStreams;
  /** Every line printed so far, parsed. */
  readonly lines: unknown[];
  /** Resolves with the first printed line that `matches`. */
  waitForLine(matches: (line: unknown) => boolean): Promise<unknown>;
  /** Resolves with the exit code (or the signal) and what was printed on stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `test/scripts/<name>.ts` with `options` as its one JSON argument. */
export function startScript(name: string, options: unknown): ChildScript {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@chronicle/source", join("test", "scripts", `${name}.ts`), JSON.stringify(options)],
    { cwd: packageDirectory, stdio: ["pipe", "pipe", "pipe"] },
  );
  const lines: unknown[] = [];
  const waiters: { matches: (line: unknown) => boolean; resolve: (line: unknown) => void }[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout }).on("line", (text) => {
    const line: unknown = JSON.parse(text);
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (!waiter.matches(line)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
  return {
    process: child,
    lines,
    exited,
    waitForLine(matches) {
      const seen = lines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ matches, resolve });
        void exited.then(({ code, signal, stderr: output }) =>
          reject(new Error(`${name} exited (${code ?? signal}) before printing the awaited line:\n${output}`)),
        );
      });
    },
  };
}
