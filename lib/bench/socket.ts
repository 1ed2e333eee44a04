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
import { connectFfi, ffiBulkAvailable } from "./socket_ffi.ts";
import { ipv4ToBytes } from "../address.ts";
import type { BenchConnectOptions, BenchHandlers, BenchSocket } from "./socket_types.ts";

export type { BenchConnectOptions, BenchHandlers, BenchSocket } from "./socket_types.ts";

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
  if (!("Bun" in globalThis)) return connectDeno(options, handlers);
  return bulkOverLibc(options) ? connectFfi(options, handlers) : connectBun(options, handlers);
}

/**
 * Whether {@linkcode benchConnect} uses the zero-copy libc sockets for `options`: a bulk
 * connection to an IPv4 literal on Bun on Linux x86_64 (lib/bench/socket_ffi.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bulkOverLibc } from "./socket.ts";
 * const options = { hostname: "127.0.0.1", port: 9, timeoutMs: 2000, nagle: false };
 * assert.equal(bulkOverLibc(options), false);
 * assert.equal(bulkOverLibc({ ...options, hostname: "localhost", bulk: true }), false);
 * if (!("Bun" in globalThis)) assert.equal(bulkOverLibc({ ...options, bulk: true }), false);
 * ```
 */
export function bulkOverLibc(options: BenchConnectOptions): boolean {
  return options.bulk === true && ipv4ToBytes(options.hostname) !== null && ffiBulkAvailable();
}
