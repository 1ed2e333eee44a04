/**
 * `ppcat decode`: decode and validate one PROXY protocol header.
 *
 * @module
 */

import { decodeHeader } from "../lib/decode.ts";
import type { ProxyHeader } from "../lib/header.ts";
import { createStreamDecoder } from "../lib/stream.ts";
import { V2_FIXED_LENGTH } from "../lib/v2.ts";
import { type ProxyError, proxyError } from "../lib/errors.ts";
import { errorToJson, headerToJson } from "../lib/json.ts";
import { commonFlags, flag, flagHelp, optionsOf, parseCommand, type Verbosity } from "./args.ts";
import { ExitCode, reportFailure, reportParse, reportUsage } from "./exit.ts";
import { formatHeader } from "./format.ts";
import { errorExcerpt } from "./decode_excerpt.ts";
import { createHexStream, type HexStream, looksLikeHex, parseHex } from "./hex.ts";
import {
  colorOut,
  isTty,
  openFile,
  type StdinReader,
  stdinReader,
  writeErr,
  writeOut,
} from "./io.ts";
import { type CommandParse, usage } from "./parsed.ts";

const COMMAND = "decode";

const FLAGS = {
  hex: flag.string(
    "HEX",
    "the bytes as hex (spaces, newlines, ':' allowed); '-': hex text on stdin",
  ),
  json: flag.boolean("print one JSON object on one line instead of the human form"),
  "allow-crc-mismatch": flag.boolean(
    'report a wrong CRC32C as "invalid" instead of failing (§2.2.3)',
  ),
  ...commonFlags(
    "stderr: where the input came from, its size, the header's length",
    "stderr: errors only (the default)",
  ),
} as const;

const OPTIONS = optionsOf(FLAGS);

/** Help text for `ppcat decode`. */
export const HELP = `ppcat decode - decode and validate one PROXY protocol header (v1 or v2)

USAGE
  ppcat decode [--json] [--allow-crc-mismatch] [--hex HEX | --hex - | FILE | -]

  The input comes from --hex, from FILE, or from stdin ("-", or no argument when
  stdin is not a terminal). The version is detected as in §2.2. Bytes after the
  header are payload: they are counted as trailing bytes, not decoded.

  FILE and stdin are read as they come: the human form shows the header as soon
  as it is complete (the trailing byte count follows at the end of the input);
  --json prints its one line at the end. An invalid header ends the read at once.
  Input that starts as hex text is read as hex (no binary header does): plain
  digits (spaces, ':' allowed) for its first 64 bytes, as from 'xxd -p' or
  'tshark -T fields -e tcp.payload', or a dump row at offset 0, as from 'xxd',
  'hexdump -C' or 'tshark -x'. --hex - forces it.

FLAGS
${flagHelp(FLAGS)}
EXAMPLES
  ppcat decode --hex '0d0a0d0a000d0a515549540a 21 11 000c c0000201 c000020b dc04 01bb'
  printf 'PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\\r\\n' | ppcat decode --json
  ppcat encode --src 192.0.2.1:56324 --dst 192.0.2.11:443 --crc32c | ppcat decode
  ppcat encode --local | xxd -p | ppcat decode
  nc -l 8080 | ppcat decode

EXIT STATUS
  0  the header is valid
  1  the header is invalid or truncated (stderr: "ppcat decode: CODE: message (at byte N)";
     stdout: the bytes around byte N with a caret under it, or with --json
     {"error":{"code":…,"message":…,"offset":N}}), FILE cannot be read, or hex
     text on stdin or in FILE is malformed ("ppcat decode: hex input: line L: …")
  2  usage error
`;

/** Where `ppcat decode` reads its input. */
export type DecodeInput =
  /** `--hex`, already parsed. */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  /** FILE, streamed; `hex`: hex text for sure (`--hex -`), or when it looks like it. */
  | { readonly kind: "file"; readonly path: string; readonly hex: "auto" | "yes" }
  /** "-" (`explicit`), or nothing: then stdin must not be a terminal. Streamed, as FILE. */
  | { readonly kind: "stdin"; readonly explicit: boolean; readonly hex: "auto" | "yes" };

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
  const parsed = parseCommand(args, OPTIONS, true);
  if (parsed.kind !== "run") return parsed;
  const { values, positionals, verbosity } = parsed.config;
  if (positionals.length > 1) return usage(`expected at most one FILE, got ${positionals.length}`);
  const source = positionals[0];
  let input: DecodeInput;
  const hexMode = values.hex === "-" ? "yes" : "auto";
  if (values.hex === "-") {
    if (source !== undefined && source !== "-") return usage("--hex - and FILE exclude each other");
    input = { kind: "stdin", explicit: true, hex: "yes" };
  } else if (values.hex !== undefined) {
    if (source !== undefined) {
      return usage(`--hex and ${source === "-" ? "-" : "FILE"} exclude each other`);
    }
    const hex = parseHex(values.hex);
    if (!hex.ok) return usage(`--hex: ${hex.message}`);
    input = { kind: "bytes", bytes: hex.bytes };
  } else if (source !== undefined && source !== "-") {
    input = { kind: "file", path: source, hex: hexMode };
  } else {
    input = { kind: "stdin", explicit: source === "-", hex: hexMode };
  }
  return {
    kind: "run",
    config: {
      input,
      json: values.json ?? false,
      allowCrcMismatch: values["allow-crc-mismatch"] ?? false,
      verbosity,
    },
  };
}

/** Bytes of the input kept for the error excerpt: the largest header and a row more. */
const KEEP_BYTES = V2_FIXED_LENGTH + 0xffff + 16;

/** A reader of the input (FILE or stdin) and what to call it, or the exit code of a failure. */
type Opened =
  | { readonly ok: true; readonly reader: StdinReader; readonly from: string }
  | { readonly ok: false; readonly exit: number };

function openInput(input: DecodeInput & { kind: "file" | "stdin" }): Opened {
  if (input.kind === "file") {
    const file = openFile(input.path);
    if (!file.ok) {
      return {
        ok: false,
        exit: reportFailure(COMMAND, `cannot read ${JSON.stringify(input.path)}: ${file.reason}`),
      };
    }
    return { ok: true, reader: file.reader, from: JSON.stringify(input.path) };
  }
  if (!input.explicit && isTty(0)) {
    return {
      ok: false,
      exit: reportUsage(COMMAND, "no input: give --hex HEX, a FILE, or pipe the bytes on stdin"),
    };
  }
  return { ok: true, reader: stdinReader(), from: "stdin" };
}

function reportInvalid(error: ProxyError, json: boolean, seen: Uint8Array | null): number {
  if (json) writeOut(`${JSON.stringify(errorToJson(error))}\n`);
  else if (seen !== null && seen.length > 0) {
    writeOut(errorExcerpt(seen, error.offset, error.field));
  }
  writeErr(`ppcat ${COMMAND}: ${error.code}: ${error.message} (at byte ${error.offset})\n`);
  return ExitCode.FAILURE;
}

/** Bytes pulled from the input, hex text already converted. */
type Pull = { readonly bytes: Uint8Array | null } | { readonly hexError: string };

function puller(reader: StdinReader, hexMode: "auto" | "yes"): () => Promise<Pull> {
  let hex: HexStream | null = null;
  let first = true;
  let ended = false;
  const text = new TextDecoder();
  return async () => {
    for (;;) {
      if (ended) return { bytes: null };
      const chunk = await reader.read();
      if (first && chunk !== null && chunk.length > 0) {
        first = false;
        if (hexMode === "yes" || looksLikeHex(chunk)) hex = createHexStream();
      }
      if (hex === null) return { bytes: chunk };
      const r = chunk === null ? hex.end() : hex.push(text.decode(chunk, { stream: true }));
      if (chunk === null) ended = true;
      if (!r.ok) return { hexError: r.message };
      if (r.bytes.length > 0 || chunk === null) {
        return { bytes: r.bytes.length > 0 ? r.bytes : null };
      }
    }
  };
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
  const input = parsed.config.input;
  const options = { allowCrcMismatch, json, verbose: verbosity === "verbose" };
  if (input.kind === "bytes") return decodeWhole(input.bytes, options);
  const opened = openInput(input);
  if (!opened.ok) return opened.exit;
  return await decodeStream(opened.reader, opened.from, input.hex, options);
}

interface RunOptions {
  readonly allowCrcMismatch: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

function printHeader(
  header: ProxyHeader,
  trailingBytes: number,
  allowCrcMismatch: boolean,
  part: "all" | "head" | "tail",
): void {
  const text = formatHeader(header, {
    color: colorOut(),
    trailingBytes,
    crcMismatchAllowed: allowCrcMismatch,
  });
  if (part === "all") return writeOut(text);
  // The last line is the trailing byte count, known only at the end of the input.
  const cut = text.lastIndexOf("\n", text.length - 2) + 1;
  writeOut(part === "head" ? text.slice(0, cut) : text.slice(cut));
}

function decodeWhole(bytes: Uint8Array, options: RunOptions): number {
  if (options.verbose) writeErr(`* input: ${bytes.length} bytes from --hex\n`);
  if (bytes.length === 0) {
    // §2.2: a receiver must reject partial headers, and nothing is the shortest partial header.
    return reportInvalid(proxyError("TRUNCATED", "empty input", 0), options.json, null);
  }
  const decoded = decodeHeader(bytes, { allowCrcMismatch: options.allowCrcMismatch });
  if (!decoded.ok) return reportInvalid(decoded.error, options.json, bytes);
  const header = decoded.value;
  const trailingBytes = bytes.length - header.headerLength;
  if (options.verbose) {
    writeErr(`* header: ${header.headerLength} bytes, then ${trailingBytes} trailing\n`);
  }
  if (options.json) writeOut(`${JSON.stringify(headerToJson(header, trailingBytes))}\n`);
  else printHeader(header, trailingBytes, options.allowCrcMismatch, "all");
  return ExitCode.OK;
}

/**
 * Decodes as the bytes come: the header is printed as soon as it is complete (human form), the
 * rest is only counted, and an invalid header ends the read at once. Memory stays bounded by
 * the largest header, whatever the input's size.
 */
async function decodeStream(
  reader: StdinReader,
  from: string,
  hexMode: "auto" | "yes",
  options: RunOptions,
): Promise<number> {
  const { json, allowCrcMismatch } = options;
  const decoder = createStreamDecoder({ allowCrcMismatch });
  const kept = new Uint8Array(KEEP_BYTES);
  let keptLength = 0;
  let total = 0;
  let header: ProxyHeader | null = null;
  let headerEnd = 0;
  const pull = puller(reader, hexMode);
  try {
    for (;;) {
      const next = await pull();
      if ("hexError" in next) return reportFailure(COMMAND, `hex input: ${next.hexError}`);
      const bytes = next.bytes;
      if (bytes === null) break;
      if (header === null) {
        const room = Math.min(bytes.length, KEEP_BYTES - keptLength);
        kept.set(bytes.subarray(0, room), keptLength);
        keptLength += room;
        const step = decoder.push(bytes);
        if (step.state === "error") {
          return reportInvalid(step.error, json, kept.subarray(0, keptLength));
        }
        if (step.state === "done") {
          header = step.header;
          headerEnd = total + step.payloadOffset;
          if (options.verbose) writeErr(`* header: ${header.headerLength} bytes from ${from}\n`);
          if (!json) printHeader(header, 0, allowCrcMismatch, "head");
        }
      }
      total += bytes.length;
    }
  } finally {
    reader.cancel();
  }
  if (options.verbose) writeErr(`* input: ${total} bytes from ${from}\n`);
  if (header === null) {
    if (total === 0) {
      return reportInvalid(proxyError("TRUNCATED", "empty input", 0), json, null);
    }
    // The same error a whole-input decode gives (the stream decoder only knows "need more").
    const seen = kept.subarray(0, keptLength);
    const decoded = decodeHeader(seen, { allowCrcMismatch });
    const error = decoded.ok
      ? proxyError("TRUNCATED", "the input ends inside the header", total)
      : decoded.error;
    return reportInvalid(error, json, seen);
  }
  const trailingBytes = total - headerEnd;
  if (json) writeOut(`${JSON.stringify(headerToJson(header, trailingBytes))}\n`);
  else printHeader(header, trailingBytes, allowCrcMismatch, "tail");
  return ExitCode.OK;
}
