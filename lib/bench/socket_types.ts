/**
 * The load engine's socket interface, shared by lib/bench/socket.ts (which picks the runtime's
 * implementation) and the implementations (lib/bench/socket_bun.ts, lib/bench/socket_deno.ts).
 * A leaf: it imports nothing.
 *
 * @module
 */

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
  /**
   * From now on only how many bytes arrive matters, not what they are: a socket that can take
   * them in without copying them to user space does (optional; `onData` then gets a buffer whose
   * content is stale).
   */
  countOnly?(): void;
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
  /**
   * Bulk transfer (no message latencies measured): on Bun on Linux x86_64 the socket may then
   * read through libc into a reused buffer (lib/bench/socket_ffi.ts). Default false.
   */
  readonly bulk?: boolean;
}
