/**
 * `ppcat bench merge FILES…`: combines `ppcat bench --json` results of runs made at the same
 * time (several machines, each running a share of the load) into one, with the histograms
 * merged exactly. The same code merges the workers of one run.
 *
 * @module
 */

import { type BenchResult, mergeBenchResults, parseBenchResult } from "../lib/bench/result.ts";
import { flagHelp, optionsOf, parseCommandArgs } from "./args.ts";
import { parsePercentiles } from "./bench_options.ts";
import { formatSummary } from "./bench_report.ts";
import { ExitCode, reportFailure, reportUsage, usageError } from "./exit.ts";
import { readFile, writeOut } from "./io.ts";

const COMMAND = "bench merge";

const MERGE_FLAGS = {
  "latency-percentiles": {
    type: "string",
    arg: "LIST",
    help: "percentiles to report (default: those of the first file)",
  },
  json: { type: "boolean", help: "stdout: the merged result as JSON" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

/** Help text for `ppcat bench merge`. */
export const MERGE_HELP = `ppcat bench merge - combine the --json results of simultaneous runs

USAGE
  ppcat bench merge [--json] [--latency-percentiles LIST] FILE…

  Each FILE holds the output of 'ppcat bench --json'. Counts, bytes, bandwidths
  and rates add up (the runs shared the load at the same time), durations take
  the longest, and the latency histograms merge exactly: the percentiles are
  those of all samples.

FLAGS
${flagHelp(MERGE_FLAGS)}
EXIT STATUS
  0  merged
  1  a file is unreadable, not JSON, or not a bench result; histograms differ
  2  usage error
`;

/**
 * Runs `ppcat bench merge` with the arguments after `merge`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runMerge } from "./bench_merge.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo({ files: { "a.json": "{}" } });
 * const restore = setIo(mem);
 * const code = await runMerge(["a.json"]);
 * restore();
 * assert.equal(code, 1);
 * assert.match(mem.err(), /^ppcat bench merge: a\.json: "connections\.opened" is missing/);
 * ```
 */
export function runMerge(args: string[]): Promise<number> {
  return Promise.resolve(merge(args));
}

function merge(args: string[]): number {
  const parsed = parseCommandArgs(COMMAND, args, optionsOf(MERGE_FLAGS), true);
  if (!parsed.ok) return reportUsage(parsed.error);
  const { values, positionals } = parsed;
  if (values.help) {
    writeOut(MERGE_HELP);
    return ExitCode.OK;
  }
  if (positionals.length === 0) return reportUsage(usageError(COMMAND, "no FILE to merge"));
  let percentiles: number[] | undefined;
  if (values["latency-percentiles"] !== undefined) {
    const p = parsePercentiles(values["latency-percentiles"]);
    if (!p.ok) return reportUsage(usageError(COMMAND, p.message));
    percentiles = p.value;
  }
  const results: BenchResult[] = [];
  for (const path of positionals) {
    const file = readFile(path);
    if (!file.ok) return reportFailure(COMMAND, `cannot read ${path}: ${file.reason}`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(file.bytes));
    } catch {
      return reportFailure(COMMAND, `${path}: not JSON`);
    }
    const r = parseBenchResult(json);
    if (!r.ok) return reportFailure(COMMAND, `${path}: ${r.message}`);
    results.push(r.value);
  }
  const merged = mergeBenchResults(results, percentiles);
  if (!merged.ok) return reportFailure(COMMAND, `${merged.code}: ${merged.message}`);
  writeOut(values.json ? `${JSON.stringify(merged.value)}\n` : formatSummary(merged.value));
  return ExitCode.OK;
}
