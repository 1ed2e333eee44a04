/**
 * The socket the load engine of `ppcat bench` drives: callback style and non-blocking, so one
 * event loop can keep thousands of connections busy without a promise per message.
 *
 * On Bun the engine uses Bun's native sockets directly (lib/bench/socket_bun.ts): their
 * callbacks already fit, while lib/transport.ts's pull-style `Conn` copies every chunk into its
 * read queue and costs a promise per read. On Deno, `Conn` moves as much as raw `Deno.connect`
 * (docs/bench.md has the figures), so lib/bench/socket_deno.ts adapts it.
 *
 * @module
 */

import { connectBun } from "./socket_bun.ts";
import { connectDeno } from "./socket_deno.ts";

/** What a {@linkcode BenchSocket} reports. Called synchronously by the socket layer. */
export interface BenchHandlers {
  /** Bytes arrived: `bytes[0..length)`. Valid only during the call. */
  onData(bytes: Uint8Array, length: number): void;
  /** A write that took fewer bytes than offered can now continue. */
  onDrain(): void;
  /** The connection is gone (peer closed, reset, or our close); `error` when it failed. */
  onClose(error: unknown): void;
}

/** One connection of the load engine. */
export interface BenchSocket {
  /**
   * Offers `buf[offset..offset+length)`; returns how many bytes were taken (0: none now, wait
   * for `onDrain`; -1: the socket is closed). The bytes taken must not change until `onDrain`
   * (the Deno path writes them asynchronously), so the engine only offers immutable buffers.
   */
  write(buf: Uint8Array, offset: number, length: number): number;
  /** Half-close once everything taken is written: FIN; reading goes on until the peer closes. */
  shutdown(): void;
  /** Closes both directions now; `onClose` follows. Idempotent. */
  close(): void;
}

/** Where and how to connect. */
export interface BenchConnectOptions {
  /** Host name or address literal (no brackets). */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
  /** Give up after this many ms (rejects with a TransportError `TIMEOUT`). */
  readonly timeoutMs: number;
  /** TCP_NODELAY off (Nagle's algorithm on) when true. */
  readonly nagle: boolean;
}

/**
 * Connects with the running runtime's fastest sockets. Rejects with a
 * {@linkcode TransportError} (`CONNECTION_REFUSED`, `TIMEOUT`, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchConnect } from "./socket.ts";
 * await assert.rejects(
 *   benchConnect({ hostname: "127.0.0.1", port: 9, timeoutMs: 2000, nagle: false }, {
 *     onData() {},
 *     onDrain() {},
 *     onClose() {},
 *   }),
 *   { code: "CONNECTION_REFUSED" },
 * );
 * ```
 */
export function benchConnect(
  options: BenchConnectOptions,
  handlers: BenchHandlers,
): Promise<BenchSocket> {
  return "Bun" in globalThis ? connectBun(options, handlers) : connectDeno(options, handlers);
}
