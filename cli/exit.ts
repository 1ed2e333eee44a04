/**
 * Exit codes and usage errors, shared by every subcommand.
 *
 * - 0 OK: the command did what was asked (decode: the header is valid).
 * - 1 FAILURE: the input was read but is wrong (invalid or truncated header), or a file is
 *   unreadable, or an internal error.
 * - 2 USAGE: the command line itself is wrong; nothing was done. One line on stderr says why.
 * - 3 CONNECT_FAILED: a connection could not be made (refused, not found, unreachable).
 * - 4 RESET: the peer reset the connection.
 * - 5 TIMEOUT: a connect or idle timeout ran out.
 * - 6 TLS_FAILED: the TLS handshake failed.
 *
 * @module
 */

import { writeErr, writeOut } from "./io.ts";

/**
 * Process exit codes.
 */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONNECT_FAILED: 3,
  RESET: 4,
  TIMEOUT: 5,
  TLS_FAILED: 6,
} as const;
/** One of the {@linkcode ExitCode} values. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * Formats a usage error as the one line printed on stderr: the subcommand, what is wrong
 * (newlines flattened), and where the help is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatUsageError } from "./exit.ts";
 * assert.equal(
 *   formatUsageError("encode", "--src needs --dst"),
 *   "ppcat encode: --src needs --dst (see ppcat encode --help)\n",
 * );
 * ```
 */
export function formatUsageError(command: string, message: string): string {
  return `ppcat ${command}: ${message.replace(/\s*\n\s*/g, " ")} (see ppcat ${command} --help)\n`;
}

/**
 * Prints a usage error on stderr (one line) and returns {@linkcode ExitCode.USAGE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportUsage } from "./exit.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = reportUsage("decode", "expected at most one FILE, got 2");
 * restore();
 * assert.equal(code, 2);
 * assert.equal(
 *   mem.err(),
 *   "ppcat decode: expected at most one FILE, got 2 (see ppcat decode --help)\n",
 * );
 * ```
 */
export function reportUsage(command: string, message: string): ExitCode {
  writeErr(formatUsageError(command, message));
  return ExitCode.USAGE;
}

/**
 * Ends a run whose parse did not say "run": prints `help` on stdout (exit 0) or the usage error
 * on stderr (exit 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportParse } from "./exit.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const help = reportParse("decode", "HELP\n", { kind: "help" });
 * const usage = reportParse("decode", "HELP\n", { kind: "usage", message: "no input" });
 * restore();
 * assert.deepEqual([help, usage], [0, 2]);
 * assert.equal(mem.out(), "HELP\n");
 * assert.equal(mem.err(), "ppcat decode: no input (see ppcat decode --help)\n");
 * ```
 */
export function reportParse(
  command: string,
  help: string,
  parsed: { readonly kind: "help" } | { readonly kind: "usage"; readonly message: string },
): ExitCode {
  if (parsed.kind === "usage") return reportUsage(command, parsed.message);
  writeOut(help);
  return ExitCode.OK;
}

/**
 * Prints `ppcat <command>: <message>` on stderr and returns {@linkcode ExitCode.FAILURE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportFailure } from "./exit.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = reportFailure("decode", "cannot read x: no such file or directory");
 * restore();
 * assert.equal(code, 1);
 * assert.equal(mem.err(), "ppcat decode: cannot read x: no such file or directory\n");
 * ```
 */
export function reportFailure(command: string, message: string): ExitCode {
  writeErr(`ppcat ${command}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  return ExitCode.FAILURE;
}
