/**
 * `ppcat encode`: build a PROXY protocol header from flags and write it out.
 *
 * @module
 */

import { encodeHeader } from "../lib/encode.ts";
import { flagHelp, optionsOf, parseCommandArgs } from "./args.ts";
import { ExitCode, reportUsage, usageError } from "./exit.ts";
import { HEADER_FLAGS, HEADER_FLAGS_HELP, headerFromFlags, HELP_WIDTH } from "./header_flags.ts";
import { toHex } from "../lib/_bytes.ts";
import { isTty, writeOut } from "./io.ts";

const COMMAND = "encode";

const OUTPUT_FLAGS = {
  hex: { type: "boolean", help: "write lowercase hex and a newline instead of raw bytes" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

const OPTIONS = optionsOf({ ...HEADER_FLAGS, ...OUTPUT_FLAGS });

/** Help text for `ppcat encode`. */
export const HELP = `ppcat encode - build a PROXY protocol header and write it to stdout

USAGE
  ppcat encode [--v1 | --v2] [--local | --unknown] [--protocol PROTO]
               [--src ADDR:PORT --dst ADDR:PORT] [TLV FLAGS…] [--crc32c] [--hex]

  Version 2 unless --v1. The protocol follows the family of --src (TCP4 or TCP6;
  UNIX_STREAM for a path starting with "/", "@" or ".") unless --protocol says
  otherwise. Raw version 2 bytes are never written to a terminal: use --hex or
  redirect stdout.

${HEADER_FLAGS_HELP}
OUTPUT FLAGS
${flagHelp(OUTPUT_FLAGS, HELP_WIDTH)}
EXAMPLES
  ppcat encode --v1 --src 192.0.2.1:56324 --dst 192.0.2.11:443
  ppcat encode --src [2001:db8::1]:56324 --dst [2001:db8::11]:443 --alpn h2 \\
    --authority example.com --ssl-version TLSv1.3 --crc32c --hex
  ppcat encode --local --hex
  ppcat encode --src 192.0.2.1:5353 --dst 192.0.2.11:53 --protocol UDP4 | ppcat decode

EXIT STATUS
  0  the header was written
  2  usage error: the flags do not describe a header this version can carry
`;

/**
 * Runs `ppcat encode` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./encode.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--v1", "--unknown"]);
 * restore();
 * assert.equal(code, 0);
 * assert.equal(mem.out(), "PROXY UNKNOWN\r\n");
 * ```
 */
export function run(args: string[]): Promise<number> {
  return Promise.resolve(encode(args));
}

function encode(args: string[]): number {
  const parsed = parseCommandArgs(COMMAND, args, OPTIONS);
  if (!parsed.ok) return reportUsage(parsed.error);
  const values = parsed.values;
  if (values.help) {
    writeOut(HELP);
    return ExitCode.OK;
  }
  const init = headerFromFlags(values);
  if (!init.ok) return reportUsage(usageError(COMMAND, init.error.message));
  const encoded = encodeHeader(init.value);
  if (!encoded.ok) {
    return reportUsage(usageError(COMMAND, `${encoded.error.code}: ${encoded.error.message}`));
  }
  if (values.hex) {
    writeOut(`${toHex(encoded.value)}\n`);
  } else if (init.value.version === 2 && isTty(1)) {
    return reportUsage(
      usageError(COMMAND, "refusing to write binary to a terminal; add --hex or redirect stdout"),
    );
  } else {
    writeOut(encoded.value);
  }
  return ExitCode.OK;
}
