/**
 * `ppcat send`: the payload as a sequence of chunks, each one write (or one datagram).
 *
 * Standard input is read as it comes, like nc: a terminal line by line, a pipe chunk by chunk,
 * each chunk one write (or one datagram with `--udp`).
 *
 * @module
 */

import { isTty, stdinReader } from "./io.ts";
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
    next: () => Promise.resolve(chunks[at++] ?? null),
    cancel() {
      at = chunks.length;
    },
    interactive: false,
  };
}

/**
 * Standard input, chunk by chunk as it arrives (a terminal delivers a line at a time, a pipe
 * what its writer wrote), through cli/io.ts `stdinReader()`; an empty chunk is never returned.
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
  const reader = stdinReader();
  let done = false;
  return {
    async next() {
      while (!done) {
        const chunk = await reader.read();
        if (chunk === null || done) break;
        if (chunk.length > 0) return chunk;
      }
      done = true;
      return null;
    },
    cancel() {
      if (done) return;
      done = true;
      reader.cancel();
    },
    interactive: isTty(0),
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
 * assert.ok(parsed.kind === "run");
 * const source = payloadSource(parsed.config);
 * assert.deepEqual(await source.next(), new Uint8Array([0x61]));
 * assert.deepEqual(await source.next(), new Uint8Array([0x62]));
 * assert.equal(await source.next(), null);
 * ```
 */
export function payloadSource(plan: SendPlan): ChunkSource {
  return plan.payload.kind === "chunks" ? memorySource(plan.payload.chunks) : stdinSource();
}
