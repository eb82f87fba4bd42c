#!/usr/bin/env node
// Checks every published package as users will receive it: packs it the way a
// release does (publishConfig applied), then runs publint and Are The Types
// Wrong on the tarball. Run after `pnpm build`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const packagesDir = join(root, "packages");
const destination = mkdtempSync(join(tmpdir(), "chronicle-pack-"));
let failures = 0;

try {
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8"));
    if (manifest.private) continue;
    const cwd = join(packagesDir, dir);
    const before = new Set(readdirSync(destination));
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd, stdio: ["ignore", "ignore", "inherit"] });
    const tarball = readdirSync(destination).find((file) => !before.has(file));
    if (tarball === undefined) throw new Error(`pnpm pack produced no tarball for ${manifest.name}`);
    const path = join(destination, tarball);
    for (const [tool, args] of [
      ["publint", ["run", path, "--strict"]],
      ["attw", [path, "--profile", "esm-only", "--format", "table-flipped"]],
    ]) {
      try {
        execFileSync(join(root, "node_modules", ".bin", tool), args, { cwd, stdio: "pipe", encoding: "utf8" });
        console.log(`ok   ${manifest.name}: ${tool}`);
      } catch (error) {
        failures += 1;
        console.log(`FAIL ${manifest.name}: ${tool}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
      }
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

if (failures > 0) {
  console.log(`${failures} package check(s) failed`);
  process.exit(1);
}
