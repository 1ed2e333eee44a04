/**
 * `ppcat`: the command-line entry point. Dispatches to one module per
 * subcommand; each owns its flags and help. Run with
 * `deno run -A cli/main.ts …` or `bun cli/main.ts …`, or compile it.
 *
 * @module
 */

import * as bench from "./bench.ts";
import * as conformance from "./conformance.ts";
import * as decode from "./decode.ts";
import * as encode from "./encode.ts";
import { suggest } from "./args.ts";
import { ExitCode } from "./exit.ts";
import * as fuzz from "./fuzz.ts";
import { args, setExitCode, writeErr, writeOut } from "./io.ts";
import * as listen from "./listen.ts";
import * as send from "./send.ts";
import { VERSION } from "./version.ts";

/** A built subcommand. */
interface Subcommand {
  readonly summary: string;
  readonly help: string;
  run(args: string[]): Promise<number>;
}

/** Built subcommands, in help order. */
const COMMANDS: Readonly<Record<string, Subcommand>> = {
  decode: {
    summary: "decode and validate one header (hex, file or stdin)",
    help: decode.HELP,
    run: decode.run,
  },
  encode: { summary: "build a header from flags; raw or hex", help: encode.HELP, run: encode.run },
  listen: {
    summary: "accept connections and print their headers",
    help: listen.HELP,
    run: (args) => listen.run(args),
  },
  fuzz: {
    summary: "send malformed headers to a receiver and judge its reactions",
    help: fuzz.HELP,
    run: fuzz.run,
  },
  send: {
    summary: "connect, send a header, then relay a payload (TCP, UNIX, UDP, TLS)",
    help: send.HELP,
    run: send.run,
  },
  bench: {
    summary: "tcpkali-class load with PROXY headers; merge results (bench merge)",
    help: bench.HELP,
    run: bench.run,
  },
  conformance: {
    summary: "prove interoperability with haproxy and nginx (runs its own instances)",
    help: conformance.HELP,
    run: conformance.run,
  },
};

function commandList(): string {
  const rows: [string, string][] = [];
  for (const [name, cmd] of Object.entries(COMMANDS)) rows.push([name, cmd.summary]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}\n`).join("");
}

/** Help text for `ppcat` itself. */
export const HELP =
  `ppcat ${VERSION} - HAProxy PROXY protocol toolkit (v1 text and v2 binary headers)

USAGE
  ppcat <command> [flags]
  ppcat help <command>

COMMANDS
${commandList()}
FLAGS
  -h, --help     show this help
  -V, --version  print the version

FLAGS EVERY COMMAND TAKES
  -h, --help     its help, on stdout
  -v, --verbose  more on stderr (what exactly: see the command's help)
  -q, --quiet    only errors on stderr; stdout never changes with -v or -q
  -w TIME        a timeout, as nc -w (send: connect and idle; bench: connect;
                 fuzz: per case); TIME is 10, 1.5, 500ms or 2m (a bare number
                 is seconds). decode, encode, listen and conformance have none.

Run 'ppcat <command> --help' for a command's flags and examples.

EXIT STATUS
  0  success
  1  failure or findings: invalid header, violations found, unreadable file, internal error
  2  usage error (one line on stderr, e.g. "ppcat send: missing TARGET (…) (see ppcat
     send --help)"; a mistyped command or flag gets a "did you mean")
  3  connection could not be made (send, fuzz, bench: refused, not found, unreachable)
  4  connection reset by the peer (send)
  5  timeout (send: connect or idle)
  6  TLS handshake failed (send)
`;

const TOP_FLAGS = ["--help", "-h", "--version", "-V"];

/** The one usage line of `ppcat` itself, with a suggestion when `name` is close to a known one. */
function usageLine(what: string, name: string, known: readonly string[]): number {
  const close = suggest(name, known);
  writeErr(
    `ppcat: unknown ${what} ${JSON.stringify(name)}${
      close === null ? "" : ` (did you mean ${close}?)`
    } (see ppcat --help)\n`,
  );
  return ExitCode.USAGE;
}

function unknownCommand(name: string): number {
  return usageLine("command", name, Object.keys(COMMANDS));
}

function has(table: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.hasOwn(table, name);
}

async function dispatch(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    writeErr(
      `ppcat: missing command: one of ${Object.keys(COMMANDS).join(", ")} (see ppcat --help)\n`,
    );
    return ExitCode.USAGE;
  }
  if (first === "--help" || first === "-h") {
    writeOut(HELP);
    return ExitCode.OK;
  }
  if (first === "--version" || first === "-V") {
    writeOut(`ppcat ${VERSION}\n`);
    return ExitCode.OK;
  }
  if (first === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) {
      writeOut(HELP);
      return ExitCode.OK;
    }
    if (extra.length > 0) {
      writeErr("ppcat: help takes one command (see ppcat --help)\n");
      return ExitCode.USAGE;
    }
    const command = has(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (command !== undefined) {
      writeOut(command.help);
      return ExitCode.OK;
    }
    return unknownCommand(topic);
  }
  if (first.startsWith("-")) return usageLine("flag", first, TOP_FLAGS);
  const command = has(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command !== undefined) return await command.run(rest);
  return unknownCommand(first);
}

/**
 * Runs ppcat with `argv` (the arguments after the program name) and returns the
 * exit code. Never throws: an unexpected exception is reported on one line as an
 * internal error (exit 1), without a stack trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await main(["--version"]);
 * restore();
 * assert.equal(code, 0);
 * assert.equal(mem.out(), "ppcat 0.1.0\n");
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    try {
      writeErr(`ppcat: internal error: ${message.split("\n")[0]}\n`);
    } catch {
      // stderr is gone too; the exit code still tells.
    }
    return ExitCode.FAILURE;
  }
}

if (import.meta.main) {
  // exitCode rather than exit(): the process ends once stdout is flushed.
  main(args()).then(setExitCode, () => setExitCode(ExitCode.FAILURE));
}
