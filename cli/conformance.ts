/**
 * `ppcat conformance`: parses the flags with the CLI's value layer and runs
 * the conformance command (conformance/command.ts), which drives the real
 * peers found on this machine and prints the matrix as text or JSON, with
 * Markdown, HTML and JUnit reports on request.
 *
 * @module
 */

import {
  CONFORMANCE_FLAGS,
  CONFORMANCE_HELP_HEAD,
  CONFORMANCE_HELP_TAIL,
  conformanceConfig,
  runConformance,
} from "../conformance/command.ts";
import { flagHelp, optionsOf, parseCommand, verbosityFlags } from "./args.ts";
import { ExitCode, reportFailure, reportParse, reportUsage } from "./exit.ts";
import { writeErr, writeOut } from "./io.ts";

const COMMAND = "conformance";

// The suite's flags, with -v/-q as every subcommand has them.
const { quiet: _quiet, help, ...SUITE_FLAGS } = CONFORMANCE_FLAGS;
const FLAGS = {
  ...SUITE_FLAGS,
  ...verbosityFlags("stderr: progress lines (the default)", "stderr: errors only, no progress"),
  help,
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat conformance`. */
export const HELP = `${CONFORMANCE_HELP_HEAD}${flagHelp(FLAGS)}${CONFORMANCE_HELP_TAIL}`;

/**
 * Runs `ppcat conformance` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./conformance.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--haproxy"]);
 * const unknown = await run(["--peers", "iis"]);
 * restore();
 * assert.equal(code, 2);
 * assert.equal(unknown, 2);
 * assert.match(mem.err(), /^ppcat conformance: flag --haproxy needs a value/);
 * assert.match(mem.err(), /ppcat conformance: --peers: unknown peer "iis"/);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(args, OPTIONS);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const { values, verbosity } = parsed.config;
  const checked = conformanceConfig(values);
  if (!checked.ok) return reportUsage(COMMAND, checked.message);
  const outcome = await runConformance(
    checked.config,
    { out: writeOut, err: writeErr },
    verbosity === "quiet",
    "`ppcat conformance`",
  );
  if (outcome.failure !== undefined) return reportFailure(COMMAND, outcome.failure);
  return ExitCode.OK;
}
