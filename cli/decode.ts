/**
 * `ppcat decode`: decode and validate one PROXY protocol header.
 *
 * @module
 */

import { decodeHeader } from "../lib/decode.ts";
import { type ProxyError, proxyError } from "../lib/errors.ts";
import { errorToJson, headerToJson } from "../lib/json.ts";
import { flagHelp, optionsOf, parseCommandArgs } from "./args.ts";
import { ExitCode, reportFailure, reportUsage, usageError } from "./exit.ts";
import { formatHeader } from "./format.ts";
import { parseHex } from "./hex.ts";
import { colorOut, isTty, readFile, readStdin, writeErr, writeOut } from "./io.ts";

const COMMAND = "decode";

const FLAGS = {
  hex: {
    type: "string",
    arg: "HEX",
    help: "the bytes as hex; spaces, newlines and ':' between digits are allowed",
  },
  json: { type: "boolean", help: "print one JSON object on one line instead of the human form" },
  "allow-crc-mismatch": {
    type: "boolean",
    help: 'report a wrong CRC32C as "invalid" instead of failing (§2.2.3)',
  },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat decode`. */
export const HELP = `ppcat decode - decode and validate one PROXY protocol header (v1 or v2)

USAGE
  ppcat decode [--json] [--allow-crc-mismatch] [--hex HEX | FILE | -]

  The input comes from --hex, from FILE, or from stdin ("-", or no argument when
  stdin is not a terminal). The version is detected as in §2.2. Bytes after the
  header are payload: they are counted as trailing bytes, not decoded.

FLAGS
${flagHelp(FLAGS)}
EXAMPLES
  ppcat decode --hex '0d0a0d0a000d0a515549540a 21 11 000c c0000201 c000020b dc04 01bb'
  printf 'PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\\r\\n' | ppcat decode --json
  ppcat encode --src 192.0.2.1:56324 --dst 192.0.2.11:443 --crc32c | ppcat decode

EXIT STATUS
  0  the header is valid
  1  the header is invalid or truncated (stderr: "ppcat decode: CODE: message (at byte N)";
     with --json, stdout also gets {"error":{"code":…,"message":…,"offset":N}}),
     or FILE cannot be read
  2  usage error
`;

type Input =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly exit: number };

async function readInput(hex: string | undefined, positionals: string[]): Promise<Input> {
  if (positionals.length > 1) {
    const error = usageError(COMMAND, `expected at most one FILE, got ${positionals.length}`);
    return { ok: false, exit: reportUsage(error) };
  }
  const source = positionals[0];
  if (hex !== undefined) {
    if (source !== undefined) {
      const error = usageError(
        COMMAND,
        `give --hex or ${source === "-" ? "-" : "a FILE"}, not both`,
      );
      return { ok: false, exit: reportUsage(error) };
    }
    const parsed = parseHex(hex);
    if (!parsed.ok) {
      return { ok: false, exit: reportUsage(usageError(COMMAND, `--hex: ${parsed.message}`)) };
    }
    return { ok: true, bytes: parsed.bytes };
  }
  if (source !== undefined && source !== "-") {
    const file = readFile(source);
    if (!file.ok) {
      return {
        ok: false,
        exit: reportFailure(COMMAND, `cannot read ${JSON.stringify(source)}: ${file.reason}`),
      };
    }
    return { ok: true, bytes: file.bytes };
  }
  if (source === undefined && isTty(0)) {
    const error = usageError(
      COMMAND,
      "no input: give --hex HEX, a FILE, or pipe the bytes on stdin",
    );
    return { ok: false, exit: reportUsage(error) };
  }
  return { ok: true, bytes: await readStdin() };
}

function reportInvalid(error: ProxyError, json: boolean): number {
  if (json) writeOut(`${JSON.stringify(errorToJson(error))}\n`);
  writeErr(`ppcat ${COMMAND}: ${error.code}: ${error.message} (at byte ${error.offset})\n`);
  return ExitCode.FAILURE;
}

/**
 * Runs `ppcat decode` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./decode.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--json", "--hex", "50524f585920554e4b4e4f574e0d0a"]);
 * restore();
 * assert.equal(code, 0);
 * assert.equal(JSON.parse(mem.out()).protocol, "UNKNOWN");
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(COMMAND, args, OPTIONS, true);
  if (!parsed.ok) return reportUsage(parsed.error);
  const { values, positionals } = parsed;
  if (values.help) {
    writeOut(HELP);
    return ExitCode.OK;
  }
  const json = values.json ?? false;
  const allowCrcMismatch = values["allow-crc-mismatch"] ?? false;

  const input = await readInput(values.hex, positionals);
  if (!input.ok) return input.exit;
  const bytes = input.bytes;
  if (bytes.length === 0) {
    // §2.2: a receiver must reject partial headers, and nothing is the shortest partial header.
    return reportInvalid(proxyError("TRUNCATED", "empty input", 0), json);
  }

  const decoded = decodeHeader(bytes, { allowCrcMismatch });
  if (!decoded.ok) return reportInvalid(decoded.error, json);
  const header = decoded.value;
  const trailingBytes = bytes.length - header.headerLength;
  if (json) {
    writeOut(`${JSON.stringify(headerToJson(header, trailingBytes))}\n`);
  } else {
    writeOut(formatHeader(header, {
      color: colorOut(),
      trailingBytes,
      crcMismatchAllowed: allowCrcMismatch,
    }));
  }
  return ExitCode.OK;
}
