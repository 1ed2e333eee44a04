/**
 * The transport layer: one small runtime-neutral interface over TCP, UNIX stream sockets, UDP
 * and client TLS, implemented for Deno (lib/transport_deno.ts) and Bun (lib/transport_bun.ts).
 * `ppcat send`, `ppcat listen`, fuzz and bench use only this module; nothing else in ppcat
 * touches a runtime network API.
 *
 * Every failure is a {@linkcode TransportError} with a stable `code` and a one-line message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTransport } from "./transport.ts";
 * const t = getTransport();
 * const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await t.connect({ ...listener.addr, timeoutMs: 2000 });
 * const server = (await listener.accept())!;
 * await client.write(new TextEncoder().encode("PROXY UNKNOWN\r\n"));
 * await client.closeWrite();
 * const buf = new Uint8Array(64);
 * const n = (await server.read(buf))!;
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "PROXY UNKNOWN\r\n");
 * assert.equal(await server.read(buf), null);
 * server.close();
 * client.close();
 * listener.close();
 * ```
 *
 * @module
 */

import { formatAddr, TransportError } from "./transport_error.ts";
import { denoTransport } from "./transport_deno.ts";
import { bunTransport } from "./transport_bun.ts";
import type { Conn, Transport } from "./transport_types.ts";

export {
  formatAddr,
  toTransportError,
  TransportError,
  TransportErrorCode,
  type TransportOp,
} from "./transport_error.ts";
// The interface's whole vocabulary: addresses, options, Conn, Listener, Transport and its limits.
export * from "./transport_types.ts";

let selected: Transport | undefined;

/**
 * The transport of the running runtime: Bun when `globalThis.Bun` exists, else Deno. Throws
 * `UNSUPPORTED` anywhere else. Picked on first call; the implementations only touch runtime
 * globals inside their functions, so importing both is harmless.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTransport } from "./transport.ts";
 * const name = "Bun" in globalThis ? "bun" : "deno";
 * assert.equal(getTransport().name, name);
 * ```
 */
export function getTransport(): Transport {
  if (selected !== undefined) return selected;
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) selected = bunTransport;
  else if (g.Deno !== undefined) selected = denoTransport;
  else throw new TransportError("UNSUPPORTED", "connect", "", "ppcat runs on Deno or Bun");
  return selected;
}

/** A {@linkcode Conn} with a deadline, from {@linkcode withDeadline}. */
export interface DeadlineConn extends Conn {
  /** Disarms the deadline (call it once the header is in). */
  clearDeadline(): void;
  /** True once the deadline has passed. */
  readonly expired: boolean;
}

/**
 * Arms a deadline on `conn`: unless `clearDeadline()` is called within `ms`, the connection is
 * closed, and pending and later reads and writes reject with `TIMEOUT`. This is the receiver's
 * header timeout of §2 (use at least {@linkcode MIN_HEADER_TIMEOUT_MS}). Runtime-neutral: it
 * relies only on `close()` ending a pending read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTransport, withDeadline } from "./transport.ts";
 * const t = getTransport();
 * const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await t.connect(listener.addr);
 * const server = withDeadline((await listener.accept())!, 20); // the client never sends
 * await assert.rejects(server.read(new Uint8Array(16)), { code: "TIMEOUT" });
 * assert.equal(server.expired, true);
 * client.close();
 * listener.close();
 * ```
 */
export function withDeadline(conn: Conn, ms: number): DeadlineConn {
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    timer = undefined;
    expired = true;
    conn.close();
  }, ms);
  const clear = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const timeout = (op: "read" | "write") =>
    new TransportError("TIMEOUT", op, formatAddr(conn.remoteAddr), `deadline of ${ms} ms`);
  return {
    get localAddr() {
      return conn.localAddr;
    },
    get remoteAddr() {
      return conn.remoteAddr;
    },
    get expired() {
      return expired;
    },
    clearDeadline: clear,
    async read(buf) {
      if (expired) throw timeout("read");
      const n = await conn.read(buf);
      if (expired) throw timeout("read");
      return n;
    },
    async write(data) {
      if (expired) throw timeout("write");
      try {
        await conn.write(data);
      } catch (e) {
        if (expired) throw timeout("write");
        throw e;
      }
    },
    closeWrite: () => conn.closeWrite(),
    close() {
      clear();
      conn.close();
    },
    setNoDelay: (on) => conn.setNoDelay(on),
  };
}
