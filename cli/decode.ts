/**
 * `ppcat decode`: decode and validate one PROXY protocol header.
 *
 * @module
 */

import { decodeHeader } from "../lib/decode.ts";
import { type ProxyError, proxyError } from "../lib/errors.ts";
import { errorToJson, headerToJson } from "../lib/json.ts";
import {
  flagHelp,
  optionsOf,
  parseCommandArgs,
  type Verbosity,
  verbosityFlags,
  verbosityOf,
} from "./args.ts";
import { ExitCode, reportFailure, reportParse, reportUsage } from "./exit.ts";
import { formatHeader } from "./format.ts";
import { parseHex } from "./hex.ts";
import { colorOut, isTty, readFile, readStdin, writeErr, writeOut } from "./io.ts";
import { type CommandParse, usage } from "./parsed.ts";

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
  ...verbosityFlags(
    "stderr: where the input came from, its size, the header's length",
    "stderr: errors only (the default)",
  ),
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

/** Where `ppcat decode` reads its input. */
export type DecodeInput =
  /** `--hex`, already parsed. */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  /** FILE. */
  | { readonly kind: "file"; readonly path: string }
  /** "-" (`explicit`), or nothing: then stdin must not be a terminal. */
  | { readonly kind: "stdin"; readonly explicit: boolean };

/** What `ppcat decode` was asked to do, checked. */
export interface DecodeConfig {
  /** The input. */
  readonly input: DecodeInput;
  /** `--json`. */
  readonly json: boolean;
  /** `--allow-crc-mismatch`. */
  readonly allowCrcMismatch: boolean;
  /** `-v` / `-q`. */
  readonly verbosity: Verbosity;
}

/**
 * Parses the arguments of `ppcat decode` (after the subcommand name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDecodeArgs } from "./decode.ts";
 * const r = parseDecodeArgs(["--hex", "0d0a", "--json"]);
 * assert.ok(r.kind === "run");
 * assert.deepEqual(r.config.input, { kind: "bytes", bytes: new Uint8Array([13, 10]) });
 * assert.deepEqual(parseDecodeArgs(["a", "b"]), {
 *   kind: "usage",
 *   message: "expected at most one FILE, got 2",
 * });
 * ```
 */
export function parseDecodeArgs(args: string[]): CommandParse<DecodeConfig> {
  const parsed = parseCommandArgs(args, OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals } = parsed.config;
  const verbosity = verbosityOf(values);
  if (!verbosity.ok) return usage(verbosity.message);
  if (positionals.length > 1) return usage(`expected at most one FILE, got ${positionals.length}`);
  const source = positionals[0];
  let input: DecodeInput;
  if (values.hex !== undefined) {
    if (source !== undefined) {
      return usage(`--hex and ${source === "-" ? "-" : "FILE"} exclude each other`);
    }
    const hex = parseHex(values.hex);
    if (!hex.ok) return usage(`--hex: ${hex.message}`);
    input = { kind: "bytes", bytes: hex.bytes };
  } else if (source !== undefined && source !== "-") {
    input = { kind: "file", path: source };
  } else {
    input = { kind: "stdin", explicit: source === "-" };
  }
  return {
    kind: "run",
    config: {
      input,
      json: values.json ?? false,
      allowCrcMismatch: values["allow-crc-mismatch"] ?? false,
      verbosity: verbosity.value,
    },
  };
}

type Input =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly from: string }
  | { readonly ok: false; readonly exit: number };

async function readInput(input: DecodeInput): Promise<Input> {
  if (input.kind === "bytes") return { ok: true, bytes: input.bytes, from: "--hex" };
  if (input.kind === "file") {
    const file = readFile(input.path);
    if (!file.ok) {
      return {
        ok: false,
        exit: reportFailure(COMMAND, `cannot read ${JSON.stringify(input.path)}: ${file.reason}`),
      };
    }
    return { ok: true, bytes: file.bytes, from: JSON.stringify(input.path) };
  }
  if (!input.explicit && isTty(0)) {
    return {
      ok: false,
      exit: reportUsage(COMMAND, "no input: give --hex HEX, a FILE, or pipe the bytes on stdin"),
    };
  }
  return { ok: true, bytes: await readStdin(), from: "stdin" };
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
  const parsed = parseDecodeArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const { json, allowCrcMismatch, verbosity } = parsed.config;

  const input = await readInput(parsed.config.input);
  if (!input.ok) return input.exit;
  const bytes = input.bytes;
  if (verbosity === "verbose") writeErr(`* input: ${bytes.length} bytes from ${input.from}\n`);
  if (bytes.length === 0) {
    // §2.2: a receiver must reject partial headers, and nothing is the shortest partial header.
    return reportInvalid(proxyError("TRUNCATED", "empty input", 0), json);
  }

  const decoded = decodeHeader(bytes, { allowCrcMismatch });
  if (!decoded.ok) return reportInvalid(decoded.error, json);
  const header = decoded.value;
  const trailingBytes = bytes.length - header.headerLength;
  if (verbosity === "verbose") {
    writeErr(`* header: ${header.headerLength} bytes, then ${trailingBytes} trailing\n`);
  }
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
