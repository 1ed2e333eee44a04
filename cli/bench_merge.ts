/**
 * `ppcat bench merge FILES…`: combines `ppcat bench --json` results of runs made at the same
 * time (several machines, each running a share of the load) into one, with the histograms
 * merged exactly. The same code merges the workers of one run.
 *
 * @module
 */

import { type BenchResult, mergeBenchResults, parseBenchResult } from "../lib/bench/result.ts";
import { commonFlags, flag, flagHelp, optionsOf, parseCommand, type Verbosity } from "./args.ts";
import { parsePercentiles } from "./bench_options.ts";
import { formatSummary } from "./bench_report.ts";
import { ExitCode, reportFailure, reportParse } from "./exit.ts";
import { readFile, writeErr, writeOut } from "./io.ts";
import { type CommandParse, usage } from "./parsed.ts";

const COMMAND = "bench merge";

const MERGE_FLAGS = {
  "latency-percentiles": flag.string(
    "LIST",
    "percentiles to report (default: those of the first file)",
  ),
  json: flag.boolean("stdout: the merged result as JSON"),
  ...commonFlags("stderr: one line per FILE read", "stderr: errors only (the default)"),
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

/** What `ppcat bench merge` was asked to do. */
export interface MergeConfig {
  /** The files, in order. */
  readonly files: readonly string[];
  /** `--latency-percentiles`, or undefined for those of the first file. */
  readonly percentiles: readonly number[] | undefined;
  /** `--json`. */
  readonly json: boolean;
  /** `-v` / `-q`. */
  readonly verbosity: Verbosity;
}

/**
 * Parses the arguments of `ppcat bench merge` (after `merge`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMergeArgs } from "./bench_merge.ts";
 * const r = parseMergeArgs(["--json", "a.json", "b.json"]);
 * assert.ok(r.kind === "run");
 * assert.deepEqual(r.config.files, ["a.json", "b.json"]);
 * assert.deepEqual(parseMergeArgs([]), { kind: "usage", message: "no FILE to merge" });
 * ```
 */
export function parseMergeArgs(args: string[]): CommandParse<MergeConfig> {
  const parsed = parseCommand(args, optionsOf(MERGE_FLAGS), true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;
  if (positionals.length === 0) return usage("no FILE to merge");
  let percentiles: number[] | undefined;
  if (values["latency-percentiles"] !== undefined) {
    const p = parsePercentiles(values["latency-percentiles"]);
    if (!p.ok) return usage(p.message);
    percentiles = p.value;
  }
  return {
    kind: "run",
    config: {
      files: positionals,
      percentiles,
      json: values.json ?? false,
      verbosity,
    },
  };
}

function merge(args: string[]): number {
  const parsed = parseMergeArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, MERGE_HELP, parsed);
  const { files, percentiles, json: asJson, verbosity } = parsed.config;
  const results: BenchResult[] = [];
  for (const path of files) {
    const file = readFile(path);
    if (!file.ok) {
      return reportFailure(COMMAND, `cannot read ${JSON.stringify(path)}: ${file.reason}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(file.bytes));
    } catch {
      return reportFailure(COMMAND, `${path}: not JSON`);
    }
    const r = parseBenchResult(json);
    if (!r.ok) return reportFailure(COMMAND, `${path}: ${r.message}`);
    if (verbosity === "verbose") {
      writeErr(`* ${path}: ${r.value.connections.opened} connections opened\n`);
    }
    results.push(r.value);
  }
  const merged = mergeBenchResults(results, percentiles);
  if (!merged.ok) return reportFailure(COMMAND, `${merged.code}: ${merged.message}`);
  writeOut(asJson ? `${JSON.stringify(merged.value)}\n` : formatSummary(merged.value));
  return ExitCode.OK;
}
