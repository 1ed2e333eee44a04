// A transport Conn as a node stream, for node:tls (the Deno TLS client, and tests running a TLS
// server over a Conn). Internal: not exported by mod.ts. The Duplex class is passed in so that
// node:stream is loaded only where TLS is used.

import type { Duplex } from "node:stream";
import type { Conn } from "./transport_types.ts";

/**
 * A Duplex that reads from and writes to `conn`; ending it half-closes `conn`, destroying it
 * closes `conn`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Duplex } from "node:stream";
 * import { duplexOver } from "./_conn_duplex.ts";
 * const written: Uint8Array[] = [];
 * const conn = {
 *   read: () => Promise.resolve(null),
 *   write: (b: Uint8Array) => Promise.resolve(void written.push(b)),
 *   closeWrite: () => Promise.resolve(),
 *   close: () => {},
 * };
 * const stream = duplexOver(conn, Duplex);
 * await new Promise((resolve) => stream.write(new Uint8Array([1, 2]), resolve));
 * assert.deepEqual(written.map((b) => [...b]), [[1, 2]]);
 * stream.destroy();
 * ```
 */
export function duplexOver(
  conn: Pick<Conn, "read" | "write" | "closeWrite" | "close">,
  DuplexClass: typeof Duplex,
): Duplex {
  return new DuplexClass({
    read() {
      const chunk = new Uint8Array(16384);
      conn.read(chunk).then(
        (n) => this.push(n === null ? null : chunk.subarray(0, n)),
        (e) => this.destroy(e),
      );
    },
    write(chunk: Uint8Array, _encoding, callback) {
      conn.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      conn.closeWrite().then(() => callback(), callback);
    },
    destroy(error, callback) {
      conn.close();
      callback(error);
    },
  });
}
