/**
 * `ppcat send`: the payload as a sequence of chunks, each one write (or one datagram).
 *
 * Standard input on a terminal is read as it comes, line by line, like nc. Otherwise it is read
 * through cli/io.ts `readStdin()`, which reads to the end first (so tests can feed it with
 * `memoryIo`): a pipe's content then goes out as one chunk once the pipe is closed.
 *
 * @module
 */

import process from "node:process";
import { isTty, readStdin } from "./io.ts";
import type { SendPlan } from "./send_options.ts";

/** Payload chunks, pulled one at a time. */
export interface ChunkSource {
  /** The next chunk, or null at the end of input. Never rejects. */
  next(): Promise<Uint8Array | null>;
  /** Stops reading (a pending `next()` may then never resolve). Idempotent. */
  cancel(): void;
  /** True when the chunks come from a person at a terminal. */
  readonly interactive: boolean;
}

/**
 * Chunks that are already in memory (`--data`, `--file`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySource } from "./send_stdin.ts";
 * const s = memorySource([new Uint8Array([1]), new Uint8Array([2])]);
 * assert.deepEqual(await s.next(), new Uint8Array([1]));
 * assert.deepEqual(await s.next(), new Uint8Array([2]));
 * assert.equal(await s.next(), null);
 * ```
 */
export function memorySource(chunks: readonly Uint8Array[]): ChunkSource {
  let at = 0;
  return {
    next: () => Promise.resolve(at < chunks.length ? chunks[at++] : null),
    cancel() {
      at = chunks.length;
    },
    interactive: false,
  };
}

/**
 * Standard input: streamed from a terminal, else read whole through cli/io.ts (one chunk; none
 * when empty).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryIo, setIo } from "./io.ts";
 * import { stdinSource } from "./send_stdin.ts";
 * const restore = setIo(memoryIo({ stdin: "hello" }));
 * try {
 *   const s = stdinSource();
 *   assert.equal(s.interactive, false);
 *   assert.equal(new TextDecoder().decode((await s.next())!), "hello");
 *   assert.equal(await s.next(), null);
 * } finally {
 *   restore();
 * }
 * ```
 */
export function stdinSource(): ChunkSource {
  return isTty(0) ? terminalSource() : wholeSource();
}

function wholeSource(): ChunkSource {
  let done = false;
  let pending = false;
  return {
    async next() {
      if (done) return null;
      done = true;
      pending = true;
      try {
        const bytes = await readStdin();
        return bytes.length === 0 ? null : bytes;
      } catch {
        return null; // stdin went away, or cancel() ended the read
      } finally {
        pending = false;
      }
    },
    cancel() {
      done = true;
      if (pending) releaseProcessStdin();
    },
    interactive: false,
  };
}

/**
 * cli/io.ts `readStdin()` reads the process's stdin to its end and cannot be called off, so a
 * pipe that stays open would keep the process alive after the run has ended (timeout, peer
 * closed). End that read, but only when something really is reading process.stdin (an Io from
 * `memoryIo` never touches it). A stopgap until cli/io.ts offers a cancellable stdin.
 */
function releaseProcessStdin(): void {
  try {
    const stdin = process.stdin;
    if (stdin.listenerCount("readable") + stdin.listenerCount("data") > 0) stdin.destroy();
  } catch {
    // no stdin at all
  }
}

const encoder = new TextEncoder();

// A terminal: read chunk by chunk (the terminal delivers a line at a time).
function terminalSource(): ChunkSource {
  const stdin = process.stdin;
  const iterator = stdin[Symbol.asyncIterator]();
  let done = false;
  return {
    async next() {
      if (done) return null;
      try {
        const r = await iterator.next();
        if (r.done || done) return null;
        const chunk = r.value as Uint8Array | string;
        return typeof chunk === "string"
          ? encoder.encode(chunk)
          : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } catch {
        return null; // destroyed by cancel(), or the terminal went away
      }
    },
    cancel() {
      if (done) return;
      done = true;
      // A pending read would keep the process alive until the next line: end it.
      stdin.destroy();
    },
    interactive: true,
  };
}

/**
 * The payload source of a plan: `--data`/`--file` chunks from memory, else standard input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSendArgs } from "./send_options.ts";
 * import { payloadSource } from "./send_stdin.ts";
 * const parsed = parseSendArgs(["127.0.0.1:1", "--data", "a", "--data", "b"]);
 * assert.ok(parsed.kind === "plan");
 * const source = payloadSource(parsed.plan);
 * assert.deepEqual(await source.next(), new Uint8Array([0x61]));
 * assert.deepEqual(await source.next(), new Uint8Array([0x62]));
 * assert.equal(await source.next(), null);
 * ```
 */
export function payloadSource(plan: SendPlan): ChunkSource {
  return plan.payload.kind === "chunks" ? memorySource(plan.payload.chunks) : stdinSource();
}
