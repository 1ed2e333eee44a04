/**
 * The only place in cli/ that touches the runtime. Everything goes through
 * `node:` built-ins, which both Deno and Bun implement, so the CLI runs (and
 * compiles) unchanged under either. Tests swap the whole {@linkcode Io} with
 * {@linkcode setIo} and a {@linkcode memoryIo}, then call `main()` in-process.
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import { isatty } from "node:tty";
import { concatBytes } from "../lib/_bytes.ts";
import { getTransport, type StdinReader } from "../lib/transport.ts";

export type { StdinReader };

/** Outcome of reading a file: the bytes, or a one-line reason (no stack, no path). */
export type ReadResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Everything the CLI needs from the outside world. */
export interface Io {
  /** Writes to standard output. */
  writeOut(data: string | Uint8Array): void;
  /** Writes to standard error. */
  writeErr(data: string | Uint8Array): void;
  /** Reads standard input to its end. */
  readStdin(): Promise<Uint8Array>;
  /** Standard input chunk by chunk, as it arrives, with a way to stop reading. */
  stdinReader(): StdinReader;
  /** Reads a whole file; never throws. */
  readFile(path: string): ReadResult;
  /** Whether the descriptor (0 stdin, 1 stdout, 2 stderr) is a terminal. */
  isTty(fd: 0 | 1 | 2): boolean;
  /** Whether NO_COLOR is set to a non-empty value (https://no-color.org). */
  noColor(): boolean;
  /** Command-line arguments after the program (and script) name. */
  args(): string[];
  /** Sets the exit code the process ends with once its output is flushed. */
  setExitCode(code: number): void;
}

const encoder = new TextEncoder();

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "not a directory";
    case "ELOOP":
      return "too many symbolic links";
    case "ENAMETOOLONG":
      return "file name too long";
    default:
      return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
}

let pipeGuardInstalled = false;

/** A reader closing the pipe early (`ppcat … | head -c 1`) is no reason for a stack trace. */
function installPipeGuard(): void {
  if (pipeGuardInstalled) return;
  pipeGuardInstalled = true;
  const onError = (error: unknown) => {
    if ((error as { code?: unknown } | null)?.code === "EPIPE") return;
    process.exitCode = 1;
  };
  process.stdout.on("error", onError);
  process.stderr.on("error", onError);
}

/**
 * The real process, through `node:process`, `node:fs` and `node:tty`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeIo } from "./io.ts";
 * assert.equal(typeof nodeIo.isTty(1), "boolean");
 * ```
 */
export const nodeIo: Io = {
  writeOut(data) {
    installPipeGuard();
    process.stdout.write(data);
  },
  writeErr(data) {
    installPipeGuard();
    process.stderr.write(data);
  },
  async readStdin() {
    const reader = getTransport().stdin();
    const chunks: Uint8Array[] = [];
    for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
      chunks.push(chunk);
    }
    return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
  },
  stdinReader: () => getTransport().stdin(),
  readFile(path) {
    try {
      const buf = readFileSync(path);
      return { ok: true, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
  },
  isTty(fd) {
    try {
      return isatty(fd);
    } catch {
      return false;
    }
  },
  noColor() {
    try {
      const value = process.env.NO_COLOR;
      return value !== undefined && value !== "";
    } catch {
      // No env permission (deno run without --allow-env): colour is harmless either way.
      return false;
    }
  },
  args() {
    // Deno, Bun and `bun build --compile` binaries all put the program and script first.
    return process.argv.slice(2);
  },
  setExitCode(code) {
    process.exitCode = code;
  },
};

let current: Io = nodeIo;

/**
 * Replaces the active {@linkcode Io}; returns a function that restores the previous one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryIo, setIo, writeOut } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * writeOut("hi\n");
 * restore();
 * assert.equal(mem.out(), "hi\n");
 * ```
 */
export function setIo(io: Io): () => void {
  const previous = current;
  current = io;
  return () => {
    current = previous;
  };
}

/** Writes to standard output through the active {@linkcode Io}. */
export function writeOut(data: string | Uint8Array): void {
  current.writeOut(data);
}

/** Writes to standard error through the active {@linkcode Io}. */
export function writeErr(data: string | Uint8Array): void {
  current.writeErr(data);
}

/** Reads standard input to its end through the active {@linkcode Io}. */
export function readStdin(): Promise<Uint8Array> {
  return current.readStdin();
}

/** Standard input chunk by chunk, as it arrives, through the active {@linkcode Io}. */
export function stdinReader(): StdinReader {
  return current.stdinReader();
}

/** Reads a whole file through the active {@linkcode Io}; never throws. */
export function readFile(path: string): ReadResult {
  return current.readFile(path);
}

/** Whether a descriptor is a terminal, through the active {@linkcode Io}. */
export function isTty(fd: 0 | 1 | 2): boolean {
  return current.isTty(fd);
}

/** Whether NO_COLOR asks for plain output, through the active {@linkcode Io}. */
export function noColor(): boolean {
  return current.noColor();
}

/** Whether colour is wanted on standard output: a terminal, and NO_COLOR not set. */
export function colorOut(): boolean {
  return current.isTty(1) && !current.noColor();
}

/** Command-line arguments, through the active {@linkcode Io}. */
export function args(): string[] {
  return current.args();
}

/** Sets the process exit code, through the active {@linkcode Io}. */
export function setExitCode(code: number): void {
  current.setExitCode(code);
}

/** Options for {@linkcode memoryIo}. */
export interface MemoryIoInit {
  /** What standard input yields (default: empty). */
  stdin?: string | Uint8Array;
  /** Files readFile can see, by path; anything else is "no such file or directory". */
  files?: Record<string, string | Uint8Array>;
  /** Which descriptors claim to be terminals (default: none). */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Whether NO_COLOR is set (default: false). */
  noColor?: boolean;
  /** Arguments returned by args() (default: none). */
  args?: string[];
}

/** An in-memory {@linkcode Io} that records what was written. */
export interface MemoryIo extends Io {
  /** Standard output so far, decoded as UTF-8. */
  out(): string;
  /** Standard error so far, decoded as UTF-8. */
  err(): string;
  /** Standard output so far, as bytes. */
  outBytes(): Uint8Array;
  /** Whether standard input was read. */
  stdinRead(): boolean;
  /** The last exit code set, if any. */
  exitCode(): number | undefined;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data.slice();
}

/**
 * Builds an in-memory {@linkcode Io} for tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryIo } from "./io.ts";
 * const mem = memoryIo({ stdin: "abc", files: { "a.bin": new Uint8Array([1]) } });
 * assert.deepEqual(await mem.readStdin(), new TextEncoder().encode("abc"));
 * assert.deepEqual(mem.readFile("a.bin"), { ok: true, bytes: new Uint8Array([1]) });
 * assert.equal(mem.readFile("b.bin").ok, false);
 * ```
 */
export function memoryIo(init: MemoryIoInit = {}): MemoryIo {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const stdin = toBytes(init.stdin ?? new Uint8Array());
  const files = new Map<string, Uint8Array>();
  for (const [path, data] of Object.entries(init.files ?? {})) files.set(path, toBytes(data));
  const decoder = new TextDecoder();
  let read = false;
  let code: number | undefined;
  return {
    writeOut(data) {
      out.push(toBytes(data));
    },
    writeErr(data) {
      err.push(toBytes(data));
    },
    readStdin() {
      read = true;
      return Promise.resolve(stdin.slice());
    },
    stdinReader() {
      read = true;
      let left: Uint8Array | null = stdin.length > 0 ? stdin.slice() : null;
      return {
        read() {
          const chunk = left;
          left = null;
          return Promise.resolve(chunk);
        },
        cancel() {
          left = null;
        },
      };
    },
    readFile(path) {
      const bytes = files.get(path);
      return bytes === undefined
        ? { ok: false, reason: "no such file or directory" }
        : { ok: true, bytes: bytes.slice() };
    },
    isTty(fd) {
      const tty = init.tty ?? {};
      return fd === 0 ? !!tty.stdin : fd === 1 ? !!tty.stdout : !!tty.stderr;
    },
    noColor() {
      return init.noColor ?? false;
    },
    args() {
      return [...(init.args ?? [])];
    },
    setExitCode(c) {
      code = c;
    },
    out: () => decoder.decode(concatBytes(out)),
    err: () => decoder.decode(concatBytes(err)),
    outBytes: () => concatBytes(out),
    stdinRead: () => read,
    exitCode: () => code,
  };
}
