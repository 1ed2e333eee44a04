/**
 * `deno task conformance`: runs the conformance suite and regenerates
 * docs/CONFORMANCE.md (then formats it with `deno fmt`, so the repository's
 * `deno fmt --check` stays clean). Takes the flags of `ppcat conformance`
 * (e.g. `--haproxy PATH`, `--nginx PATH`, `--json`, `--no-fuzz`); exits
 * non-zero on any ppcat failure.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { conformance } from "../cli/conformance.ts";

/** The repository's root. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where the matrix is written. */
export const DOC_PATH: string = fileURLToPath(new URL("../docs/CONFORMANCE.md", import.meta.url));

/** Formats the written matrix with the repository's deno and deno.json; false if it could not. */
function formatDoc(): boolean {
  const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const deno = isDeno ? process.execPath : `${ROOT}node_modules/.bin/deno`;
  if (!existsSync(deno)) return false;
  const r = spawnSync(deno, ["fmt", "--quiet", DOC_PATH], { cwd: ROOT, timeout: 60_000 });
  return r.status === 0;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const custom = args.some((a) => a === "--markdown" || a.startsWith("--markdown="));
  const code = await conformance(
    custom ? args : ["--markdown", DOC_PATH, ...args],
    "`deno task conformance`",
  );
  if (!custom && existsSync(DOC_PATH) && !formatDoc()) {
    process.stderr.write(`could not format ${DOC_PATH}: run deno fmt on it\n`);
  }
  process.exitCode = code;
}
