#!/usr/bin/env node
// Proves that an adapter author outside this repository can start from the
// template: packs @chronicle/core and @chronicle/testing as a release would,
// creates a standalone adapter package from examples/custom-adapter in a
// temporary folder, installs it with npm from those tarballs, then type-checks,
// tests (the whole contract suite) and builds it. Run after `pnpm build`.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "chronicle-adapter-template-"));
const tarballs = join(work, "tarballs");
const adapter = join(work, "chronicle-adapter-example");
// Inside `pnpm run`, npm_execpath is pnpm itself, whether or not pnpm is on PATH.
const pnpm = process.env.npm_execpath?.includes("pnpm") ? [process.execPath, process.env.npm_execpath] : ["pnpm"];

// npm is run as an author would run it, without the settings pnpm passes to its scripts.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

function run(command, args, cwd) {
  console.log(`$ ${[command, ...args].join(" ")}`);
  execFileSync(command, args, { cwd, stdio: "inherit", env });
}

try {
  mkdirSync(tarballs);
  for (const dir of ["core", "testing"]) {
    run(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", tarballs], join(root, "packages", dir));
  }
  run(
    process.execPath,
    [
      join(root, "tooling/scripts/create-adapter.mjs"),
      adapter,
      "--name",
      "chronicle-adapter-example",
      "--standalone",
      "--chronicle",
      tarballs,
    ],
    root,
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], adapter);
  run("npm", ["run", "typecheck"], adapter);
  run("npm", ["test"], adapter);
  run("npm", ["run", "build"], adapter);
  console.log("ok   the adapter template installs, type-checks, passes the contract suite and builds outside the repository");
} catch (error) {
  console.log(`FAIL the adapter template: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
