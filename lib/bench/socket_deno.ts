/**
 * The {@linkcode BenchSocket} of `ppcat bench` on Deno: lib/transport.ts's `Conn` (Deno.connect
 * underneath; as fast as raw Deno.connect: see lib/bench/socket.ts), turned into the
 * callback style the engine wants: one read loop per connection into one reused buffer, and at
 * most one write in flight (`write` returns 0 while it is, `onDrain` when it is done).
 *
 * @module
 */

import type { BenchConnectOptions, BenchHandlers, BenchSocket } from "./socket_types.ts";
import { type Conn, getTransport } from "../transport.ts";

/** First read buffer: small, so thousands of idle connections cost little memory. */
const READ_SIZE_IDLE = 16384;
/** Read buffer once a read filled the small one: fewer, larger reads (and promises) in bulk. */
const READ_SIZE_BULK = 262144;

class DenoBenchSocket implements BenchSocket {
  #conn: Conn;
  #handlers: BenchHandlers;
  #busy = false;
  #closed = false;
  #shutdownPending = false;
  #ended = false;
  // Views of a buffer's prefix by length, reused: the engine writes whole messages from the
  // start of its repeated-message buffer, so this avoids a subarray per write.
  #viewsOf: Uint8Array | null = null;
  #views: Uint8Array[] = [];

  constructor(conn: Conn, handlers: BenchHandlers) {
    this.#conn = conn;
    this.#handlers = handlers;
  }

  async readLoop(): Promise<void> {
    let buf = new Uint8Array(READ_SIZE_IDLE);
    let error: unknown = null;
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.#handlers.onData(buf, n);
        if (n === buf.length && n < READ_SIZE_BULK) buf = new Uint8Array(READ_SIZE_BULK);
      }
    } catch (e) {
      if (!this.#closed) error = e;
    }
    this.#finish(error);
  }

  #finish(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closed = true;
    this.#conn.close();
    this.#handlers.onClose(error);
  }

  #view(buf: Uint8Array, offset: number, length: number): Uint8Array {
    if (offset !== 0) return buf.subarray(offset, offset + length);
    if (this.#viewsOf !== buf) {
      this.#viewsOf = buf;
      this.#views = [];
    }
    return (this.#views[length] ??= buf.subarray(0, length));
  }

  write(buf: Uint8Array, offset: number, length: number): number {
    if (this.#closed || this.#shutdownPending) return -1;
    if (this.#busy) return 0;
    if (length === 0) return 0;
    this.#busy = true;
    this.#conn.write(this.#view(buf, offset, length)).then(() => {
      this.#busy = false;
      if (this.#shutdownPending) this.#doShutdown();
      else if (!this.#closed) this.#handlers.onDrain();
    }, (e) => {
      this.#busy = false;
      this.#finish(this.#closed ? null : e);
    });
    return length;
  }

  #doShutdown(): void {
    this.#conn.closeWrite().catch(() => this.close());
  }

  shutdown(): void {
    if (this.#closed || this.#shutdownPending) return;
    this.#shutdownPending = true;
    if (!this.#busy) this.#doShutdown();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close(); // ends the read loop, which reports onClose
  }
}

/**
 * Connects on Deno (through lib/transport.ts) and starts reading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectDeno } from "./socket_deno.ts";
 * await assert.rejects(
 *   connectDeno({ hostname: "127.0.0.1", port: 9, timeoutMs: 2000, nagle: false }, {
 *     onData() {},
 *     onDrain() {},
 *     onClose() {},
 *   }),
 *   { code: "CONNECTION_REFUSED" },
 * );
 * ```
 */
export async function connectDeno(
  options: BenchConnectOptions,
  handlers: BenchHandlers,
): Promise<BenchSocket> {
  const conn = await getTransport().connect({
    hostname: options.hostname,
    port: options.port,
    timeoutMs: options.timeoutMs,
  });
  conn.setNoDelay(!options.nagle);
  const socket = new DenoBenchSocket(conn, handlers);
  socket.readLoop();
  return socket;
}
