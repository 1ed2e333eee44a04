// The import graph of the repository, read from the static imports of every .ts file: no
// circles, and no arrow from a lower layer to a higher one.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), ".."));
const SKIP_DIRS = new Set(["node_modules", "dist", ".git"]);

// An import or re-export at the start of a line (JSDoc examples start with " * " and are left
// out): `import x from "…"`, `import type { … } from "…"`, `export * from "…"`, `import "…"`.
const IMPORT =
  /^(?:import|export)(?:\s+type)?\s*(?:(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s*from\s*)?["']([^"']+)["']/gm;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) tsFiles(join(dir, entry.name), out);
    } else if (entry.name.endsWith(".ts")) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** Repository-relative path of every .ts file to the repository-relative files it imports. */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(root)) {
    const targets: string[] = [];
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = match[1];
      if (specifier === undefined || !specifier.startsWith(".")) continue; // node:, npm:
      targets.push(relative(root, normalize(join(dirname(file), specifier))));
    }
    graph.set(relative(root, file), targets);
  }
  return graph;
}

/** The circles of `graph`, each as the list of files around it (first repeated at the end). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The area a file belongs to, for the layer rules. */
export function areaOf(path: string): string {
  const parts = path.split(/[\\/]/);
  if (parts[0] === "lib" && (parts[1] === "fuzz" || parts[1] === "bench") && parts.length > 2) {
    return `lib/${parts[1]}`;
  }
  return parts.length > 1 ? parts[0] ?? "" : ".";
}

// Which areas each area must never import: lib < lib/fuzz, lib/bench < conformance, cli < bench.
// cli/ may import conformance/ (the conformance subcommand); conformance/ never imports cli/.
const FORBIDDEN: Record<string, readonly string[]> = {
  lib: ["lib/fuzz", "lib/bench", "conformance", "cli", "bench"],
  "lib/fuzz": ["conformance", "cli", "bench"],
  "lib/bench": ["conformance", "cli", "bench"],
  conformance: ["cli", "bench"],
  cli: ["bench"],
};

/** Every arrow of `graph` that points from an area to one it must not import. */
export function upwardArrows(graph: Map<string, string[]>): string[] {
  const arrows: string[] = [];
  for (const [from, targets] of graph) {
    const forbidden = FORBIDDEN[areaOf(from)] ?? [];
    for (const to of targets) {
      if (forbidden.includes(areaOf(to))) arrows.push(`${from} -> ${to}`);
    }
  }
  return arrows;
}

test("import graph: the reader finds static imports and re-exports, not examples", () => {
  const graph = importGraph(ROOT);
  assert.ok(
    (graph.get(join("lib", "transport.ts")) ?? []).includes(join("lib", "transport_deno.ts")),
  );
  assert.ok((graph.get(join("lib", "mod.ts")) ?? []).includes(join("lib", "server.ts")));
  // transport_types.ts's doc examples import itself; they are not edges.
  assert.deepEqual(graph.get(join("lib", "transport_types.ts")), []);
});

test("import graph: findCycles and upwardArrows catch what they must", () => {
  const graph = new Map([
    ["lib/a.ts", ["lib/b.ts"]],
    ["lib/b.ts", ["lib/a.ts", "cli/x.ts"]],
    ["cli/x.ts", ["conformance/y.ts"]],
    ["conformance/y.ts", ["lib/a.ts"]],
  ]);
  assert.deepEqual(findCycles(graph), [
    ["lib/a.ts", "lib/b.ts", "lib/a.ts"],
    ["lib/a.ts", "lib/b.ts", "cli/x.ts", "conformance/y.ts", "lib/a.ts"],
  ]);
  assert.deepEqual(upwardArrows(graph), ["lib/b.ts -> cli/x.ts"]);
  assert.equal(areaOf("lib/fuzz/run.ts"), "lib/fuzz");
  assert.equal(areaOf("lib/mod.ts"), "lib");
  assert.equal(areaOf("bench/load.ts"), "bench");
});

test("import graph: no circles", () => {
  assert.deepEqual(findCycles(importGraph(ROOT)).map((c) => c.join(" -> ")), []);
});

test("import graph: no upward arrow (lib < lib/fuzz, lib/bench < conformance, cli < bench)", () => {
  assert.deepEqual(upwardArrows(importGraph(ROOT)), []);
});
