/**
 * The {@linkcode BenchSocket} of `ppcat bench` on Bun: Bun's native sockets (`Bun.connect`),
 * whose callbacks already have the shape the engine wants: `write` returns what the kernel
 * took, `drain` says when to continue, `data` hands over each chunk. No queue, no copy, no
 * promise per read (see lib/bench/socket.ts and docs/bench.md).
 *
 * The Bun API is reached through `globalThis.Bun` inside functions only, so Deno can import
 * and type-check this module.
 *
 * @module
 */

import type { BenchConnectOptions, BenchHandlers, BenchSocket } from "./socket_types.ts";
import { connectBunCancellable } from "../_bun_connect.ts";
import { formatAddr, withConnectDeadline } from "../transport_error.ts";

interface RawSocket {
  data: BunBenchSocket;
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  shutdown(): void;
  end(): void;
  setNoDelay(on: boolean): boolean;
}

interface RawHandler {
  binaryType: "uint8array";
  open?(socket: RawSocket): void;
  data(socket: RawSocket, data: Uint8Array): void;
  drain(socket: RawSocket): void;
  end(socket: RawSocket): void;
  close(socket: RawSocket, error?: Error): void;
  error(socket: RawSocket, error: Error): void;
  connectError?(socket: RawSocket, error: Error): void;
}

class BunBenchSocket implements BenchSocket {
  raw: RawSocket | null = null;
  handlers: BenchHandlers;
  closed = false;
  error: unknown = null;

  constructor(handlers: BenchHandlers) {
    this.handlers = handlers;
  }

  write(buf: Uint8Array, offset: number, length: number): number {
    if (this.closed) return -1;
    if (this.raw === null) return 0; // a drain before connect() resolved: not yet
    const n = this.raw.write(buf, offset, length);
    return n < 0 ? -1 : n;
  }

  shutdown(): void {
    if (!this.closed) this.raw?.shutdown();
  }

  close(): void {
    if (!this.closed) this.raw?.end();
  }

  onClose(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(error ?? this.error);
  }
}

const HANDLER: RawHandler = {
  // A plain Uint8Array per chunk rather than the default Buffer: less CPU per byte in bulk.
  binaryType: "uint8array",
  data: (s, chunk) => s.data.handlers.onData(chunk, chunk.length),
  drain: (s) => s.data.handlers.onDrain(),
  end: (s) => s.end(), // the peer is done and so are we once it is: close
  close: (s, error) => s.data.onClose(error ?? null),
  error: (s, error) => {
    s.data.error ??= error;
  },
};

/**
 * The node:net socket that made the connection stays reachable from the native one (a symbol
 * property `owner_symbol`) although nothing uses it once the native socket is taken over: about
 * 2 KB of stream state per connection. Dropping the reference lets it be collected.
 */
function forgetOwner(raw: RawSocket): void {
  const r = raw as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(raw)) {
    if (key.description === "owner_symbol") delete r[key];
  }
}

/**
 * Connects over Bun's native sockets (a connect that a timeout can call off: lib/_bun_connect.ts).
 * Rejects with a TransportError on failure or timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectBun } from "./socket_bun.ts";
 * if ("Bun" in globalThis) {
 *   await assert.rejects(
 *     connectBun({ hostname: "127.0.0.1", port: 9, timeoutMs: 2000, nagle: false }, {
 *       onData() {},
 *       onDrain() {},
 *       onClose() {},
 *     }),
 *     { code: "CONNECTION_REFUSED" },
 *   );
 * }
 * ```
 */
export async function connectBun(
  options: BenchConnectOptions,
  handlers: BenchHandlers,
): Promise<BenchSocket> {
  const socket = new BunBenchSocket(handlers);
  const target = formatAddr(options);
  // A connect that can be called off, so a timed-out one does not keep the process alive.
  const raw = await withConnectDeadline(
    (signal) =>
      connectBunCancellable<RawSocket, RawHandler>(
        { hostname: options.hostname, port: options.port, target, signal },
        HANDLER,
        socket,
      ),
    { timeoutMs: options.timeoutMs },
    target,
    (late) => late.end(),
  );
  socket.raw = raw;
  raw.setNoDelay(!options.nagle);
  forgetOwner(raw);
  return socket;
}
