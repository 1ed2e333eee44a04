/**
 * Payload read sizes of `ppcat listen` where the transport has no zero-copy read (Deno): one
 * buffer per connection, reused from read to read, small while the peer sends little (an idle
 * connection's pending read holds it) and growing while reads fill it.
 *
 * @module
 */

/** The buffer of an idle connection, and the smallest. */
export const READ_SIZE_MIN = 256;
/** The largest buffer. */
export const READ_SIZE_MAX = 64 * 1024;

/**
 * The buffer size for the next read after a read of `n` bytes into `size`: four times larger
 * when the read filled it, else the smallest {@linkcode READ_SIZE_MIN} times a power of two
 * holding twice `n`; never over {@linkcode READ_SIZE_MAX}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextReadSize, READ_SIZE_MIN } from "./listen_buffer.ts";
 * assert.equal(nextReadSize(READ_SIZE_MIN, READ_SIZE_MIN), 1024);
 * assert.equal(nextReadSize(65536, 65536), 65536);
 * assert.equal(nextReadSize(65536, 40000), 65536);
 * assert.equal(nextReadSize(65536, 10), 256);
 * assert.equal(nextReadSize(65536, 3000), 8192);
 * ```
 */
export function nextReadSize(size: number, n: number): number {
  if (n >= size) return Math.min(size * 4, READ_SIZE_MAX);
  let next = READ_SIZE_MIN;
  while (next < 2 * n && next < READ_SIZE_MAX) next *= 2;
  return next;
}
