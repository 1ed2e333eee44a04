// A UNIX socket file left behind by a listener that died without cleaning up (kill -9) makes
// the next bind fail with "address in use". Internal: not exported by mod.ts.

import { lstatSync, unlinkSync } from "node:fs";
import type { Conn, ConnectOptions } from "./transport_types.ts";
import { TransportError } from "./transport_error.ts";

/** How long a probe connect to a possibly stale socket may take. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Binds a UNIX listener at `path` with `bind`; when the path is taken by a socket file that
 * nobody listens on any more (a connect is refused), removes the file and binds again. A socket
 * in use, or a path that is not a socket, stays `ADDRESS_IN_USE`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindReclaiming } from "./_unix_stale.ts";
 * import { TransportError } from "./transport_error.ts";
 * let tries = 0;
 * const bind = () => {
 *   tries++;
 *   throw new TransportError("ADDRESS_IN_USE", "listen", "unix:/nonexistent/x.sock");
 * };
 * const connect = () => Promise.reject(new Error("not called: the path is no socket"));
 * await assert.rejects(bindReclaiming("/nonexistent/x.sock", bind, connect), {
 *   code: "ADDRESS_IN_USE",
 * });
 * assert.equal(tries, 1);
 * ```
 */
export async function bindReclaiming<T>(
  path: string,
  bind: () => T,
  connect: (options: ConnectOptions) => Promise<Conn>,
): Promise<T> {
  try {
    return bind();
  } catch (e) {
    if (!(e instanceof TransportError) || e.code !== "ADDRESS_IN_USE") throw e;
    if (!isSocketFile(path) || !(await refused(path, connect))) throw e;
    try {
      unlinkSync(path);
    } catch {
      // removed by someone else meanwhile: bind decides
    }
    return bind();
  }
}

function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

// True when nothing accepts connections at `path` any more.
async function refused(
  path: string,
  connect: (options: ConnectOptions) => Promise<Conn>,
): Promise<boolean> {
  try {
    (await connect({ path, timeoutMs: PROBE_TIMEOUT_MS })).close();
    return false;
  } catch (e) {
    return e instanceof TransportError && e.code === "CONNECTION_REFUSED";
  }
}
