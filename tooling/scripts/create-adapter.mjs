#!/usr/bin/env node
// Creates a new storage adapter package from the template in examples/custom-adapter.
//
//   node tooling/scripts/create-adapter.mjs packages/my-adapter --name @acme/chronicle-my-adapter
//       inside this repository: the package joins the workspace (run `pnpm install` next)
//   node tooling/scripts/create-adapter.mjs ../my-adapter --name chronicle-my-adapter --standalone [--chronicle <spec>]
//       a repository of its own: dependencies get real versions (`--chronicle` overrides the
//       version of @chronicle/core and @chronicle/testing: a registry version, or a folder of
//       tarballs made by `pnpm pack`, such as chronicle-core-0.1.0.tgz)
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("../../", import.meta.url).pathname;
const template = join(root, "examples", "custom-adapter");

const usage = "usage: create-adapter.mjs <directory> --name <package-name> [--standalone] [--chronicle <spec>]";
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { name: { type: "string" }, standalone: { type: "boolean", default: false }, chronicle: { type: "string" } },
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const [directory] = parsed.positionals;
const { name, standalone, chronicle } = parsed.values;
if (directory === undefined || name === undefined || !/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) {
  console.error(usage);
  process.exit(2);
}
const destination = resolve(directory);
if (existsSync(destination) && readdirSync(destination).length > 0) {
  console.error(`${destination} exists and is not empty`);
  process.exit(1);
}

cpSync(template, destination, {
  recursive: true,
  filter: (source) => !["node_modules", "dist"].includes(basename(source)),
});

const manifestPath = join(destination, "package.json");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
manifest.name = name;
manifest.description = "A Chronicle storage adapter.";
delete manifest.private;
if (standalone) {
  const released = `^${JSON.parse(readFileSync(join(root, "packages/core/package.json"), "utf8")).version}`;
  const catalog = readCatalog();
  for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
    for (const [dependency, spec] of Object.entries(manifest[field] ?? {})) {
      if (spec.startsWith("workspace:")) {
        manifest[field][dependency] = field === "peerDependencies" ? released : chronicleSpec(dependency, chronicle ?? released);
      } else if (spec === "catalog:") manifest[field][dependency] = catalog[dependency];
    }
  }
}
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

// The vitest project is named after the folder, so `pnpm vitest run --project <folder>` finds it.
const vitestConfigPath = join(destination, "vitest.config.ts");
writeFileSync(
  vitestConfigPath,
  readFileSync(vitestConfigPath, "utf8").replace('name: "custom-adapter"', `name: ${JSON.stringify(basename(destination))}`),
);

console.log(`created ${name} in ${destination}`);
console.log(standalone ? "next: npm install && npm test" : `next: pnpm install && pnpm vitest run --project ${basename(destination)}`);

/** A Chronicle package's version: `spec` itself, or its tarball when `spec` is a folder of packed tarballs. */
function chronicleSpec(dependency, spec) {
  if (!existsSync(spec) || !statSync(spec).isDirectory()) return spec;
  const prefix = `${dependency.replace("@", "").replace("/", "-")}-`;
  const tarball = readdirSync(spec).find((file) => file.startsWith(prefix) && /^\d/.test(file.slice(prefix.length)));
  if (tarball === undefined) throw new Error(`no tarball of ${dependency} in ${spec}`);
  return `file:${join(resolve(spec), tarball)}`;
}

/** The `catalog:` versions of pnpm-workspace.yaml: one `name: version` line each. */
function readCatalog() {
  const text = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const section = text.split(/^catalog:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const catalog = {};
  for (const line of section.split("\n")) {
    const match = /^\s+"?([^":\s]+)"?:\s*(\S+)\s*$/.exec(line);
    if (match) catalog[match[1]] = match[2];
  }
  return catalog;
}
