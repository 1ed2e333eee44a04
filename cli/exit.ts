/**
 * Exit codes and usage errors, shared by every subcommand.
 *
 * - 0 OK: the command did what was asked (decode: the header is valid).
 * - 1 FAILURE: the input was read but is wrong (invalid or truncated header), or a file is
 *   unreadable, or an internal error.
 * - 2 USAGE: the command line itself is wrong; nothing was done.
 * - 3 CONNECT_FAILED: a connection could not be made (refused, not found, unreachable).
 * - 4 RESET: the peer reset the connection.
 * - 5 TIMEOUT: a connect or idle timeout ran out.
 * - 6 TLS_FAILED: the TLS handshake failed.
 *
 * @module
 */

import { writeErr } from "./io.ts";

/**
 * Process exit codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExitCode } from "./exit.ts";
 * assert.equal(ExitCode.USAGE, 2);
 * ```
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

/** A problem with the command line: which subcommand, and one line saying what is wrong. */
export interface UsageError {
  readonly kind: "usage";
  /** Subcommand name, e.g. "decode". */
  readonly command: string;
  /** One line, no trailing period, no "ppcat" prefix. */
  readonly message: string;
}

/**
 * Builds a {@linkcode UsageError} value. Newlines in the message are flattened so
 * the report stays one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usageError } from "./exit.ts";
 * assert.deepEqual(usageError("decode", "odd\nhex"), {
 *   kind: "usage",
 *   command: "decode",
 *   message: "odd hex",
 * });
 * ```
 */
export function usageError(command: string, message: string): UsageError {
  return { kind: "usage", command, message: message.replace(/\s*\n\s*/g, " ") };
}

/**
 * Formats a {@linkcode UsageError} as the two lines printed on stderr.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatUsageError, usageError } from "./exit.ts";
 * assert.equal(
 *   formatUsageError(usageError("encode", "missing --dst")),
 *   "ppcat encode: missing --dst\nTry 'ppcat encode --help'.\n",
 * );
 * ```
 */
export function formatUsageError(error: UsageError): string {
  return `ppcat ${error.command}: ${error.message}\nTry 'ppcat ${error.command} --help'.\n`;
}

/**
 * Prints a {@linkcode UsageError} on stderr and returns {@linkcode ExitCode.USAGE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportUsage, usageError } from "./exit.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = reportUsage(usageError("decode", "too many arguments"));
 * restore();
 * assert.equal(code, 2);
 * assert.equal(mem.err(), "ppcat decode: too many arguments\nTry 'ppcat decode --help'.\n");
 * ```
 */
export function reportUsage(error: UsageError): ExitCode {
  writeErr(formatUsageError(error));
  return ExitCode.USAGE;
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
