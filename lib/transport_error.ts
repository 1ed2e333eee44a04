/**
 * Errors of the transport layer (lib/transport.ts): one {@linkcode TransportError} class with a
 * stable {@linkcode TransportErrorCode}, so a CLI can print one clear line and tests can match on
 * the code. Runtime-neutral: it only looks at the `code`, `name` and `message` that Deno, Bun and
 * node:* errors carry.
 *
 * @module
 */

import { hostPort } from "./address.ts";

/**
 * Stable transport error codes. Tools and tests match on these, never on messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTransport } from "./transport.ts";
 * import { TransportErrorCode } from "./transport_error.ts";
 * const t = getTransport();
 * const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
 * const addr = listener.addr;
 * listener.close(); // nothing listens there any more
 * await assert.rejects(t.connect({ ...addr, timeoutMs: 2000 }), (e: { code?: string }) => {
 *   return e.code === TransportErrorCode.CONNECTION_REFUSED;
 * });
 * ```
 */
export const TransportErrorCode = {
  /** Nothing listens at the address (ECONNREFUSED; also a UNIX path that is not a socket). */
  CONNECTION_REFUSED: "CONNECTION_REFUSED",
  /** `timeoutMs` of a connect ran out, or a {@linkcode withDeadline} deadline passed. */
  TIMEOUT: "TIMEOUT",
  /** The caller's AbortSignal fired. */
  ABORTED: "ABORTED",
  /** The peer reset the connection, or went away while we wrote (ECONNRESET, EPIPE). */
  RESET: "RESET",
  /** The address or UNIX path is already bound (EADDRINUSE). */
  ADDRESS_IN_USE: "ADDRESS_IN_USE",
  /** A UNIX socket path, or a host name, that does not exist (ENOENT, ENOTFOUND). */
  NOT_FOUND: "NOT_FOUND",
  /** The OS refused (EACCES, EPERM), e.g. a port below 1024 or an unwritable socket path. */
  PERMISSION_DENIED: "PERMISSION_DENIED",
  /** No route to the host or network, or an address that is not local (EADDRNOTAVAIL). */
  UNREACHABLE: "UNREACHABLE",
  /** The operation was used after `close()` / `closeWrite()` of our own side. */
  CLOSED: "CLOSED",
  /** The TLS handshake failed (untrusted certificate, name mismatch, protocol error). */
  TLS: "TLS",
  /** §2: a datagram is never split, and this one is too large to send at once (EMSGSIZE). */
  DATAGRAM_TOO_LARGE: "DATAGRAM_TOO_LARGE",
  /** The runtime cannot do this (e.g. UDP on Deno without --unstable-net). */
  UNSUPPORTED: "UNSUPPORTED",
  /** Anything else; the message carries the runtime's own text. */
  OTHER: "OTHER",
} as const;

/** One of the {@linkcode TransportErrorCode} values. */
export type TransportErrorCode = typeof TransportErrorCode[keyof typeof TransportErrorCode];

/** The operation that failed, first word of every {@linkcode TransportError} message. */
export type TransportOp =
  | "connect"
  | "listen"
  | "accept"
  | "read"
  | "write"
  | "close-write"
  | "tls"
  | "send"
  | "receive";

const DESCRIPTION: Readonly<Record<TransportErrorCode, string>> = {
  CONNECTION_REFUSED: "connection refused",
  TIMEOUT: "timed out",
  ABORTED: "aborted",
  RESET: "connection reset by peer",
  ADDRESS_IN_USE: "address already in use",
  NOT_FOUND: "not found",
  PERMISSION_DENIED: "permission denied",
  UNREACHABLE: "unreachable",
  CLOSED: "connection closed",
  TLS: "TLS handshake failed",
  DATAGRAM_TOO_LARGE: "datagram too large",
  UNSUPPORTED: "not supported",
  OTHER: "failed",
};

/**
 * The single error type thrown (rejected) by every transport. `message` is one line,
 * `"<op> <target>: <description>[ (<detail>)]"`, ready for a CLI to print as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TransportError } from "./transport_error.ts";
 * const e = new TransportError("CONNECTION_REFUSED", "connect", "127.0.0.1:1", "ECONNREFUSED");
 * assert.equal(e.message, "connect 127.0.0.1:1: connection refused (ECONNREFUSED)");
 * assert.equal(e.code, "CONNECTION_REFUSED");
 * assert.ok(e instanceof Error);
 * ```
 */
export class TransportError extends Error {
  /** Stable code, see {@linkcode TransportErrorCode}. */
  readonly code: TransportErrorCode;
  /** What was being done. */
  readonly op: TransportOp;
  /** The address involved, as printed by {@linkcode formatAddr}, or "" when none. */
  readonly target: string;

  /**
   * @param code stable code
   * @param op the failed operation
   * @param target the address involved ("" when none)
   * @param detail the runtime's own words (errno name, OpenSSL reason), appended in parentheses
   * @param cause the original error, kept for debugging
   */
  /** An error with a stable `code`, the operation and the target it concerns. */
  constructor(
    code: TransportErrorCode,
    op: TransportOp,
    target: string,
    detail = "",
    cause?: unknown,
  ) {
    const where = target === "" ? op : `${op} ${target}`;
    super(
      `${where}: ${DESCRIPTION[code]}${detail === "" ? "" : ` (${detail})`}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = "TransportError";
    this.code = code;
    this.op = op;
    this.target = target;
  }
}

/** Errno names (as in `err.code` on Deno, Bun and node:*) and the code each maps to. */
const ERRNO: Readonly<Record<string, TransportErrorCode>> = {
  ECONNREFUSED: "CONNECTION_REFUSED",
  ETIMEDOUT: "TIMEOUT",
  ECONNRESET: "RESET",
  EPIPE: "RESET",
  ECONNABORTED: "RESET",
  ENOTCONN: "RESET",
  EADDRINUSE: "ADDRESS_IN_USE",
  ENOENT: "NOT_FOUND",
  ENOTFOUND: "NOT_FOUND",
  EAI_NONAME: "NOT_FOUND",
  EACCES: "PERMISSION_DENIED",
  EPERM: "PERMISSION_DENIED",
  ENETUNREACH: "UNREACHABLE",
  EHOSTUNREACH: "UNREACHABLE",
  ENETDOWN: "UNREACHABLE",
  EHOSTDOWN: "UNREACHABLE",
  EADDRNOTAVAIL: "UNREACHABLE",
  EAFNOSUPPORT: "UNREACHABLE",
  EMSGSIZE: "DATAGRAM_TOO_LARGE",
};

/** Deno.errors class names for errors that carry no errno `code`. */
const ERROR_NAME: Readonly<Record<string, TransportErrorCode>> = {
  ConnectionRefused: "CONNECTION_REFUSED",
  TimedOut: "TIMEOUT",
  ConnectionReset: "RESET",
  BrokenPipe: "RESET",
  ConnectionAborted: "RESET",
  NotConnected: "RESET",
  AddrInUse: "ADDRESS_IN_USE",
  NotFound: "NOT_FOUND",
  PermissionDenied: "PERMISSION_DENIED",
  NotCapable: "PERMISSION_DENIED",
  AddrNotAvailable: "UNREACHABLE",
  AbortError: "ABORTED",
};

/**
 * Maps whatever a runtime threw to a {@linkcode TransportError} (returned as is if it already is
 * one). Looks at the errno `code` first, then the Deno error class name, then a few messages that
 * carry no code (name resolution, TLS certificate errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toTransportError } from "./transport_error.ts";
 * const refused = Object.assign(new Error("Connection refused"), { code: "ECONNREFUSED" });
 * assert.equal(toTransportError(refused, "connect", "[::1]:9").code, "CONNECTION_REFUSED");
 * assert.equal(toTransportError(new Error("weird"), "read", "").code, "OTHER");
 * ```
 */
export function toTransportError(error: unknown, op: TransportOp, target: string): TransportError {
  if (error instanceof TransportError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const errno = typeof e.code === "string" ? e.code : "";
  const name = typeof e.name === "string" ? e.name : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  let code: TransportErrorCode | undefined = ERRNO[errno] ?? ERROR_NAME[name];
  if (code === undefined) {
    if (op === "tls" || /certificate|handshake|TLS|SSL|CERT_|ALTNAME/.test(`${errno} ${message}`)) {
      code = "TLS";
    } else if (/lookup address|getaddrinfo|name or service not known/i.test(message)) {
      code = "NOT_FOUND";
    } else code = "OTHER";
  }
  return new TransportError(code, op, target, errno !== "" ? errno : firstLine(message), error);
}

function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  return (nl === -1 ? text : text.slice(0, nl)).trim();
}

/**
 * Prints an address the way every transport message does: `host:port`, `[v6]:port`, or
 * `unix:/path` (an unnamed UNIX socket prints as `unix:`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAddr } from "./transport_error.ts";
 * assert.equal(formatAddr({ hostname: "127.0.0.1", port: 80 }), "127.0.0.1:80");
 * assert.equal(formatAddr({ hostname: "::1", port: 443 }), "[::1]:443");
 * assert.equal(formatAddr({ path: "/run/pp.sock" }), "unix:/run/pp.sock");
 * ```
 */
export function formatAddr(addr: { hostname: string; port: number } | { path: string }): string {
  if ("path" in addr) return `unix:${addr.path}`;
  return hostPort(addr.hostname, addr.port);
}

/**
 * Runs `start` under an optional AbortSignal and timeout, for connects. Rejects with
 * {@linkcode TransportError} `ABORTED` (the caller's signal) or `TIMEOUT` (`timeoutMs` ran out) as
 * soon as either fires, without waiting for `start`; `start` gets a signal that fires then too, and
 * whatever it still resolves to later is handed to `dispose` so nothing leaks. Used by the
 * transport implementations; exported so they share one tested version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withConnectDeadline } from "./transport_error.ts";
 * const late: string[] = [];
 * const never = (signal: AbortSignal) =>
 *   new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("late")));
 * await assert.rejects(
 *   withConnectDeadline(never, { timeoutMs: 5 }, "127.0.0.1:9", (v) => late.push(v)),
 *   { name: "TransportError", code: "TIMEOUT" },
 * );
 * await new Promise((r) => setTimeout(r, 0));
 * assert.deepEqual(late, ["late"]);
 * ```
 */
export function withConnectDeadline<T>(
  start: (signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal; timeoutMs?: number },
  target: string,
  dispose: (late: T) => void,
): Promise<T> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) {
    return Promise.reject(new TransportError("ABORTED", "connect", target));
  }
  if (signal === undefined && timeoutMs === undefined) {
    return start(new AbortController().signal).catch((e) => {
      throw toTransportError(e, "connect", target);
    });
  }
  return new Promise<T>((resolve, reject) => {
    const inner = new AbortController();
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: TransportError | null, value?: T) => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === null) resolve(value as T);
      else {
        inner.abort(error);
        reject(error);
      }
      return true;
    };
    const onAbort = () => finish(new TransportError("ABORTED", "connect", target));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => finish(new TransportError("TIMEOUT", "connect", target, `${timeoutMs} ms`)),
        Math.max(0, timeoutMs),
      );
    }
    start(inner.signal).then(
      (value) => {
        if (!finish(null, value)) dispose(value);
      },
      (e) => finish(toTransportError(e, "connect", target)),
    );
  });
}
