/**
 * `ppcat encode`: build a PROXY protocol header from flags and write it out.
 *
 * @module
 */

import { toHex } from "../lib/_bytes.ts";
import { decodeHeader } from "../lib/decode.ts";
import { encodeHeader } from "../lib/encode.ts";
import { commonFlags, flag, flagHelp, optionsOf, parseCommand, type Verbosity } from "./args.ts";
import { ExitCode, reportParse, reportUsage } from "./exit.ts";
import { formatHeader } from "./format.ts";
import { HEADER_FLAGS, HEADER_FLAGS_HELP, HELP_WIDTH, parseHeaderFlags } from "./header_flags.ts";
import { completeHeader } from "./header_template.ts";
import { isTty, writeErr, writeOut } from "./io.ts";
import type { CommandParse } from "./parsed.ts";

const COMMAND = "encode";

const OUTPUT_FLAGS = {
  hex: flag.boolean("write lowercase hex and a newline instead of raw bytes"),
  ...commonFlags(
    "stderr: the header decoded, as ppcat decode shows it",
    "errors only (the default)",
  ),
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

/** What `ppcat encode` was asked to do, checked: the header is already encoded. */
export interface EncodeConfig {
  /** The header bytes. */
  readonly header: Uint8Array;
  /** `--hex`. */
  readonly hex: boolean;
  /** `-v` / `-q`. */
  readonly verbosity: Verbosity;
}

/**
 * Parses the arguments of `ppcat encode` and builds the header (reading `--ssl-client-cert`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEncodeArgs } from "./encode.ts";
 * const r = parseEncodeArgs(["--v1", "--src", "192.0.2.1:1", "--dst", "192.0.2.2:2"]);
 * assert.ok(r.kind === "run");
 * assert.equal(new TextDecoder().decode(r.config.header), "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n");
 * assert.deepEqual(parseEncodeArgs(["--src", "192.0.2.1:1"]), {
 *   kind: "usage",
 *   message: "--src needs --dst",
 * });
 * ```
 */
export function parseEncodeArgs(args: string[]): CommandParse<EncodeConfig> {
  const parsed = parseCommand(args, OPTIONS);
  if (parsed.kind !== "run") return parsed;
  const { values, verbosity } = parsed.config;
  const template = parseHeaderFlags(values);
  if (!template.ok) return { kind: "usage", message: template.message };
  const init = completeHeader(template.value);
  if (!init.ok) return { kind: "usage", message: init.message };
  const encoded = encodeHeader(init.value);
  if (!encoded.ok) return { kind: "usage", message: encoded.error.message };
  return {
    kind: "run",
    config: { header: encoded.value, hex: values.hex ?? false, verbosity },
  };
}

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
  const parsed = parseEncodeArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const { header, hex, verbosity } = parsed.config;
  const binary = header[0] !== 0x50; // "P": version 1 is text
  if (!hex && binary && isTty(1)) {
    return reportUsage(
      COMMAND,
      "refusing to write binary to a terminal; add --hex or redirect stdout",
    );
  }
  if (verbosity === "verbose") {
    const decoded = decodeHeader(header);
    if (decoded.ok) {
      writeErr(
        `* header: ${header.length} bytes\n${
          formatHeader(decoded.value, { trailingBytes: 0 }).replace(/^(?=.)/gm, "* ")
        }`,
      );
    }
  }
  writeOut(hex ? `${toHex(header)}\n` : header);
  return ExitCode.OK;
}
