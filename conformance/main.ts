/**
 * `deno task conformance`: runs the conformance suite with the flags of
 * `ppcat conformance` (e.g. `--peers haproxy,apache2`, `--json`, `--html
 * FILE`). It writes no tracked file unless asked: `--write-docs` (or `deno
 * task conformance:docs`) also regenerates docs/CONFORMANCE.md (formatted
 * with `deno fmt`, so `deno fmt --check` stays clean) from a run without errors
 * (one that could not start its peers leaves it as it is). The HTML page is
 * not tracked: it is generated code and data (`--html FILE` writes it), and
 * docs/conformance.png pictures it. Exits non-zero on any ppcat failure.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  CONFORMANCE_FLAGS,
  CONFORMANCE_HELP_HEAD,
  CONFORMANCE_HELP_TAIL,
  conformanceConfig,
  runConformance,
} from "./command.ts";
import { renderMarkdown, writeReport } from "./report.ts";

/** The repository's root. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where `--write-docs` writes the Markdown matrix. */
export const DOC_PATH: string = fileURLToPath(new URL("../docs/CONFORMANCE.md", import.meta.url));

/** Formats the written matrix with the repository's deno and deno.json; false if it could not. */
function formatDoc(): boolean {
  const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const deno = isDeno ? process.execPath : `${ROOT}node_modules/.bin/deno`;
  if (!existsSync(deno)) return false;
  const r = spawnSync(deno, ["fmt", "--quiet", DOC_PATH], { cwd: ROOT, timeout: 60_000 });
  return r.status === 0;
}

const USAGE = "Try 'deno task conformance --help'.\n";

async function main(args: string[]): Promise<number> {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    "write-docs": { type: "boolean" },
  };
  for (const [name, f] of Object.entries(CONFORMANCE_FLAGS)) {
    options[name] = "short" in f ? { type: f.type, short: f.short } : { type: f.type };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`conformance: ${(e as Error).message.split("\n")[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      `${CONFORMANCE_HELP_HEAD}  (the flags of ppcat conformance --help), and\n` +
        `  --write-docs  also write ${DOC_PATH}\n${CONFORMANCE_HELP_TAIL}`,
    );
    return 0;
  }
  const checked = conformanceConfig(values);
  if (!checked.ok) {
    process.stderr.write(`conformance: ${checked.message}\n${USAGE}`);
    return 2;
  }
  const docs = values["write-docs"] === true;
  const generatedBy = docs ? "`deno task conformance:docs`" : "`deno task conformance`";
  const outcome = await runConformance(
    checked.config,
    { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
    values.quiet === true,
    generatedBy,
  );
  if (docs) {
    // A run that could not start its peers (a busy machine, a missing tool) says nothing about
    // them: the tracked document keeps the last complete run.
    if (outcome.result.errors.length > 0) {
      process.stderr.write(
        `conformance: ${DOC_PATH} not written: the run had errors\n`,
      );
    } else {
      writeReport(DOC_PATH, renderMarkdown(outcome.result, generatedBy));
      if (!formatDoc()) process.stderr.write(`could not format ${DOC_PATH}: run deno fmt on it\n`);
    }
  }
  if (outcome.failure !== undefined) process.stderr.write(`conformance: ${outcome.failure}\n`);
  return outcome.code;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
