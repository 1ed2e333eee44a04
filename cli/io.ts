/**
 * The only place in cli/ that touches the runtime. Everything goes through
 * `node:` built-ins, which both Deno and Bun implement, so the CLI runs (and
 * compiles) unchanged under either. Tests swap the whole {@linkcode Io} with
 * {@linkcode setIo} and a {@linkcode memoryIo}, then call `main()` in-process.
 *
 * @module
 */

import process from "node:process";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isatty } from "node:tty";
import { concatBytes } from "../lib/_bytes.ts";
import { getTransport, type StdinReader, type StdoutWriter } from "../lib/transport.ts";

export type { StdinReader };

/**
 * The largest file any flag reads whole (`--file`, `--header-file`, `--ssl-client-cert`,
 * `-f`, …) unless it asks for less: such files are held in memory, so a wrong path (a disk
 * image, /dev/zero) must fail fast instead of filling it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_FILE_BYTES } from "./io.ts";
 * assert.equal(MAX_FILE_BYTES, 64 * 1024 * 1024);
 * ```
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Outcome of opening a file to stream it: chunks as they are read, or a one-line reason. */
export type OpenResult =
  | { readonly ok: true; readonly reader: StdinReader }
  | { readonly ok: false; readonly reason: string };

/**
 * Standard output with backpressure, for commands whose output is driven by the network
 * (`send`, `listen`): writes are queued in order and handed to the runtime one at a time, so a
 * pipe nobody reads grows {@linkcode OutSink.backlog} instead of blocking the process or its
 * memory without bound. Callers look at the backlog and wait or drop.
 */
export interface OutSink {
  /** Queues `data` (copied) behind everything written before. */
  write(data: string | Uint8Array): void;
  /** Bytes queued and not yet taken by the runtime. */
  readonly backlog: number;
  /** True once stdout is gone (a closed pipe): writes are then dropped. */
  readonly gone: boolean;
  /** Resolves once the backlog is at most `below` bytes (default 0), or stdout is gone. */
  drained(below?: number): Promise<void>;
}

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
  /** Reads a whole file of at most `maxBytes` (default {@linkcode MAX_FILE_BYTES}); never throws. */
  readFile(path: string, maxBytes?: number): ReadResult;
  /**
   * Opens a file to read it chunk by chunk; never throws. A chunk is valid until the next
   * read: one buffer serves them all, so streaming a large file makes no garbage.
   */
  openFile(path: string): OpenResult;
  /** Standard output with backpressure (one per process). */
  outSink(): OutSink;
  /** Ends the process at once with `code` (output still queued is lost). */
  exitNow(code: number): void;
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
      return error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error);
  }
}

function tooLarge(maxBytes: number): string {
  return `larger than the limit of ${maxBytes} bytes`;
}

function readWhole(path: string, maxBytes: number): ReadResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { ok: false, reason: "is a directory" };
    if (stat.isFile() && stat.size > maxBytes) return { ok: false, reason: tooLarge(maxBytes) };
    // Devices and pipes report no size: read, but never past the limit.
    let buf = new Uint8Array(stat.isFile() ? stat.size + 1 : Math.min(maxBytes + 1, 65536));
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        if (buf.length > maxBytes) return { ok: false, reason: tooLarge(maxBytes) };
        const grown = new Uint8Array(Math.min(buf.length * 2, maxBytes + 1));
        grown.set(buf);
        buf = grown;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    if (filled > maxBytes) return { ok: false, reason: tooLarge(maxBytes) };
    return { ok: true, bytes: buf.subarray(0, filled) };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing left to do
      }
    }
  }
}

/** Read size when streaming a file. */
const FILE_CHUNK = 64 * 1024;

function openStream(path: string): OpenResult {
  let fd: number;
  try {
    fd = openSync(path, "r");
    if (fstatSync(fd).isDirectory()) {
      closeSync(fd);
      return { ok: false, reason: "is a directory" };
    }
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
  let open = true;
  const buf = new Uint8Array(FILE_CHUNK);
  const close = () => {
    if (!open) return;
    open = false;
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
  };
  return {
    ok: true,
    reader: {
      read() {
        if (!open) return Promise.resolve(null);
        try {
          const n = readSync(fd, buf, 0, buf.length, null);
          if (n === 0) {
            close();
            return Promise.resolve(null);
          }
          return Promise.resolve(buf.subarray(0, n));
        } catch {
          close();
          return Promise.resolve(null);
        }
      },
      cancel: close,
    },
  };
}

/**
 * An {@linkcode OutSink} over a writer that takes one chunk at a time (the runtime's stdout, or
 * a test's stand-in).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createOutSink } from "./io.ts";
 * const taken: Uint8Array[] = [];
 * let release = () => {};
 * const sink = createOutSink({
 *   write: (bytes) => new Promise((resolve) => {
 *     release = () => {
 *       taken.push(bytes);
 *       resolve(true);
 *     };
 *   }),
 * });
 * sink.write("abc");
 * sink.write("de");
 * assert.equal(sink.backlog, 5); // the writer has not taken anything yet
 * release();
 * await new Promise((r) => setTimeout(r, 0));
 * release();
 * await sink.drained();
 * assert.equal(sink.backlog, 0);
 * assert.deepEqual(taken.map((b) => b.length), [3, 2]);
 * ```
 */
export function createOutSink(writer: StdoutWriter): OutSink {
  const queue: Uint8Array[] = [];
  let backlog = 0;
  let gone = false;
  let pumping = false;
  const waiters: { below: number; wake: () => void }[] = [];
  const settle = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (gone || backlog <= w.below) {
        waiters.splice(i, 1);
        w.wake();
      }
    }
  };
  const pump = async () => {
    pumping = true;
    while (queue.length > 0 && !gone) {
      const chunk = queue[0]!;
      const ok = await writer.write(chunk);
      queue.shift();
      backlog -= chunk.length;
      if (!ok) {
        gone = true;
        queue.length = 0;
        backlog = 0;
      }
      settle();
    }
    pumping = false;
  };
  return {
    write(data) {
      if (gone) return;
      const bytes = typeof data === "string" ? encoder.encode(data) : data.slice();
      if (bytes.length === 0) return;
      queue.push(bytes);
      backlog += bytes.length;
      if (!pumping) void pump();
    },
    get backlog() {
      return backlog;
    },
    get gone() {
      return gone;
    },
    drained(below = 0) {
      if (gone || backlog <= below) return Promise.resolve();
      return new Promise<void>((wake) => waiters.push({ below, wake }));
    },
  };
}

let stdoutSink: OutSink | undefined;

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
    return concatBytes(chunks);
  },
  stdinReader: () => getTransport().stdin(),
  readFile: (path, maxBytes = MAX_FILE_BYTES) => readWhole(path, maxBytes),
  openFile: openStream,
  outSink() {
    installPipeGuard();
    return stdoutSink ??= createOutSink(getTransport().stdout());
  },
  exitNow(code) {
    process.exit(code);
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

/**
 * Reads a whole file of at most `maxBytes` (default {@linkcode MAX_FILE_BYTES}) through the
 * active {@linkcode Io}; never throws.
 */
export function readFile(path: string, maxBytes?: number): ReadResult {
  return current.readFile(path, maxBytes);
}

/**
 * Opens a file to stream it, through the active {@linkcode Io}; never throws. A chunk is valid
 * until the next read.
 */
export function openFile(path: string): OpenResult {
  return current.openFile(path);
}

/** Standard output with backpressure, through the active {@linkcode Io}. */
export function outSink(): OutSink {
  return current.outSink();
}

/** Ends the process at once, through the active {@linkcode Io}. */
export function exitNow(code: number): void {
  current.exitNow(code);
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
  /** The last exit code set (or passed to exitNow), if any. */
  exitCode(): number | undefined;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data.slice();
}

/** A reader that yields a copy of `bytes` in one chunk (none when empty), then the end. */
function onceReader(bytes: Uint8Array): StdinReader {
  let left: Uint8Array | null = bytes.length > 0 ? bytes.slice() : null;
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
  const sink = createOutSink({
    write(bytes) {
      out.push(bytes);
      return Promise.resolve(true);
    },
  });
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
      return onceReader(stdin);
    },
    readFile(path, maxBytes = MAX_FILE_BYTES) {
      const bytes = files.get(path);
      if (bytes === undefined) return { ok: false, reason: "no such file or directory" };
      if (bytes.length > maxBytes) return { ok: false, reason: tooLarge(maxBytes) };
      return { ok: true, bytes: bytes.slice() };
    },
    openFile(path) {
      const bytes = files.get(path);
      if (bytes === undefined) return { ok: false, reason: "no such file or directory" };
      return { ok: true, reader: onceReader(bytes) };
    },
    outSink() {
      return sink;
    },
    exitNow(c) {
      code = c;
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
