/**
 * The receiving side for servers: read the PROXY header of an accepted
 * connection under a policy and a deadline, then hand back the decoded header
 * and a connection whose first read returns the bytes that followed it
 * (what libproxyproto does with LD_PRELOAD, as a library call).
 *
 * @module
 */

import { concatBytes } from "./_bytes.ts";
import { type Cidr, cidrContains } from "./cidr.ts";
import type { ProxyError } from "./errors.ts";
import type { ProxyHeader } from "./header.ts";
import { createStreamDecoder, type StreamDecoderOptions } from "./stream.ts";
import { armDeadline, disarmDeadline } from "./_deadlines.ts";
import { type Conn, MIN_HEADER_TIMEOUT_MS } from "./transport.ts";
import { TransportError } from "./transport_error.ts";
import { V1_MAX_LENGTH } from "./v1.ts";

/** Options for {@linkcode acceptProxy}. */
export interface AcceptOptions extends StreamDecoderOptions {
  /**
   * Abort when the header is not complete in time (§2: "at least 3 seconds to
   * cover a TCP retransmit"). Default and minimum
   * {@linkcode MIN_HEADER_TIMEOUT_MS}; at most {@linkcode MAX_HEADER_TIMEOUT_MS}.
   * A shorter one needs `allowShortHeaderTimeout`. Anything else makes
   * {@linkcode acceptProxy} throw an {@linkcode AcceptOptionsError}.
   */
  readonly headerTimeoutMs?: number;
  /**
   * Accept a `headerTimeoutMs` under {@linkcode MIN_HEADER_TIMEOUT_MS}: a
   * fragmented header may then be cut short, against §2. For tests and for
   * callers that warn their user.
   */
  readonly allowShortHeaderTimeout?: boolean;
  /**
   * Accept connections without a header, their bytes being payload. §2 says
   * the receiver "MUST not try to guess whether the protocol header is
   * present": this exists for testing only, and callers should warn.
   */
  readonly optional?: boolean;
  /**
   * Peers allowed to send a header (§2: "only trusted proxies"). Others are
   * refused, or with `optional` served as if they had sent no header.
   * UNIX socket peers are always trusted (file permissions guard them).
   * Default: every peer.
   */
  readonly trust?: readonly Cidr[] | null;
}

/** Why {@linkcode acceptProxy} gave up on a connection. */
export type RejectReason =
  /** The header was not complete before the deadline. */
  | "timeout"
  /** The peer closed before completing a header. */
  | "closed"
  /** The peer reset the connection. */
  | "reset"
  /** The peer is not in the trust list. */
  | "untrusted"
  /** The bytes violate the spec: see `error`. */
  | "invalid";

/** What {@linkcode acceptProxy} found. */
export type AcceptResult =
  | {
    readonly ok: true;
    /** null when `optional` let a connection without a header through. */
    readonly header: ProxyHeader | null;
    /** Read from this one: its first reads return the payload that followed the header. */
    readonly conn: Conn;
    /** Milliseconds from the call until the header was complete. */
    readonly headerMs: number;
    /** True when an untrusted peer was let through without header parsing (`optional`). */
    readonly untrusted: boolean;
  }
  | {
    readonly ok: false;
    readonly reason: RejectReason;
    /** The spec violation, for `invalid`. */
    readonly error?: ProxyError;
    /** Milliseconds from the call until the connection was given up. */
    readonly afterMs: number;
    /** Bytes received before giving up. */
    readonly received: number;
  };

/**
 * The first header read of a connection: a v1 line fits, and so does a v2 header with a few
 * TLVs. Reads grow from there while they fill the buffer (a v2 header may be 65 551 bytes).
 */
export const HEADER_READ_SIZE = 512;
const MAX_READ_SIZE = 16 * 1024;
/** How many first-read buffers are kept for the next connections. */
export const HEADER_BUFFER_POOL_MAX = 256;

// First-read buffers, returned once a connection's header is decided: a connection waiting for
// its header holds one small buffer, and a server taking many connections does not make one each.
const headerBuffers: Uint8Array[] = [];

/**
 * How many first-read buffers wait in the pool (for tests and benchmarks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEADER_BUFFER_POOL_MAX, pooledHeaderBuffers } from "./server.ts";
 * assert.ok(pooledHeaderBuffers() <= HEADER_BUFFER_POOL_MAX);
 * ```
 */
export function pooledHeaderBuffers(): number {
  return headerBuffers.length;
}

/** The longest header timeout: timers fire at once beyond 2^31 - 1 ms. */
export const MAX_HEADER_TIMEOUT_MS = 2 ** 31 - 1;

/** Why {@linkcode AcceptOptionsError} was thrown. */
export const AcceptOptionsErrorCode = {
  /** `headerTimeoutMs` is not a number above 0 and at most {@linkcode MAX_HEADER_TIMEOUT_MS}. */
  HEADER_TIMEOUT_INVALID: "HEADER_TIMEOUT_INVALID",
  /** `headerTimeoutMs` is under §2's 3 s without `allowShortHeaderTimeout`. */
  HEADER_TIMEOUT_TOO_SHORT: "HEADER_TIMEOUT_TOO_SHORT",
} as const;

/** One of the {@linkcode AcceptOptionsErrorCode} values. */
export type AcceptOptionsErrorCode =
  typeof AcceptOptionsErrorCode[keyof typeof AcceptOptionsErrorCode];

/**
 * {@linkcode acceptProxy} was called with options it cannot honour: a
 * programming error, thrown before the connection is read (and it is closed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AcceptOptionsError, checkAcceptOptions } from "./server.ts";
 * const error = checkAcceptOptions({ headerTimeoutMs: 500 });
 * assert.ok(error instanceof AcceptOptionsError);
 * assert.equal(error.code, "HEADER_TIMEOUT_TOO_SHORT");
 * assert.equal(checkAcceptOptions({ headerTimeoutMs: 500, allowShortHeaderTimeout: true }), null);
 * ```
 */
export class AcceptOptionsError extends RangeError {
  /** Stable code for programs. */
  readonly code: AcceptOptionsErrorCode;

  /** `message` is one line. */
  constructor(code: AcceptOptionsErrorCode, message: string) {
    super(message);
    this.name = "AcceptOptionsError";
    this.code = code;
  }
}

/**
 * The reason `options` cannot be used by {@linkcode acceptProxy}, or null
 * when they can: lets a caller check its configuration once, up front.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAcceptOptions } from "./server.ts";
 * assert.equal(checkAcceptOptions({ headerTimeoutMs: 5000 }), null);
 * assert.equal(checkAcceptOptions({ headerTimeoutMs: Infinity })?.code, "HEADER_TIMEOUT_INVALID");
 * assert.equal(checkAcceptOptions({ headerTimeoutMs: -1 })?.code, "HEADER_TIMEOUT_INVALID");
 * ```
 */
export function checkAcceptOptions(options: AcceptOptions): AcceptOptionsError | null {
  const ms = options.headerTimeoutMs;
  if (ms === undefined) return null;
  if (typeof ms !== "number" || !(ms > 0) || ms > MAX_HEADER_TIMEOUT_MS) {
    return new AcceptOptionsError(
      "HEADER_TIMEOUT_INVALID",
      `headerTimeoutMs must be a number above 0 and at most ${MAX_HEADER_TIMEOUT_MS}, got ${ms}`,
    );
  }
  if (ms < MIN_HEADER_TIMEOUT_MS && options.allowShortHeaderTimeout !== true) {
    return new AcceptOptionsError(
      "HEADER_TIMEOUT_TOO_SHORT",
      `headerTimeoutMs ${ms} is under the ${MIN_HEADER_TIMEOUT_MS} ms §2 asks of a receiver ` +
        "(set allowShortHeaderTimeout to use it anyway)",
    );
  }
  return null;
}

/**
 * Reads the PROXY header of `conn`. On failure the connection is closed: §2.1
 * "any sequence which does not exactly match the protocol must be discarded
 * and cause the receiver to abort the connection". Throws only an
 * {@linkcode AcceptOptionsError} for unusable options (see
 * {@linkcode checkAcceptOptions}); a connection's failure is a result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptProxy } from "./server.ts";
 * import { getTransport } from "./transport.ts";
 * const t = getTransport();
 * const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = await t.connect(listener.addr);
 * await client.write(new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nhello"));
 * const accepted = await acceptProxy((await listener.accept())!);
 * assert.ok(accepted.ok);
 * assert.deepEqual(accepted.header?.source, { address: "192.0.2.1", port: 5000 });
 * const buf = new Uint8Array(16);
 * const n = await accepted.conn.read(buf);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "hello");
 * accepted.conn.close();
 * client.close();
 * listener.close();
 * ```
 */
export async function acceptProxy(conn: Conn, options: AcceptOptions = {}): Promise<AcceptResult> {
  const invalid = checkAcceptOptions(options);
  if (invalid !== null) {
    conn.close();
    throw invalid;
  }
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const peer = options.trust ? conn.remoteAddr : null;
  const trusted = peer === null || peer.transport === "unix" ||
    cidrContains(options.trust!, peer.hostname);
  if (!trusted) {
    if (options.optional) {
      return { ok: true, header: null, conn, headerMs: 0, untrusted: true };
    }
    conn.close();
    return { ok: false, reason: "untrusted", afterMs: elapsed(), received: 0 };
  }

  // §2 header timeout: closing the connection ends a pending read. The deadline shares a timer
  // with others due at about the same time, and reads go to `conn` itself, with no wrapper: a
  // connection waiting for its header holds little.
  let expired = false;
  const deadline = armDeadline(options.headerTimeoutMs ?? MIN_HEADER_TIMEOUT_MS, () => {
    expired = true;
    conn.close();
  });
  const decoder = createStreamDecoder(options);
  const first = headerBuffers.pop() ?? new Uint8Array(HEADER_READ_SIZE);
  let buf = first;
  // With `optional`, bytes that turn out not to be a header are payload: keep them.
  const seen: Uint8Array[] = [];
  let received = 0;
  const give = (reason: RejectReason, error?: ProxyError): AcceptResult => {
    disarmDeadline(deadline);
    conn.close();
    return {
      ok: false,
      reason: expired ? "timeout" : reason,
      ...(error === undefined ? {} : { error }),
      afterMs: elapsed(),
      received,
    };
  };
  try {
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (e) {
        const code = e instanceof TransportError ? e.code : "OTHER";
        return give(code === "RESET" ? "reset" : "closed");
      }
      if (n === null || expired) return give("closed");
      const chunk = buf.subarray(0, n);
      received += n;
      if (n === buf.length && buf.length < MAX_READ_SIZE) buf = new Uint8Array(buf.length * 4);
      const step = decoder.push(chunk);
      if (step.state === "need-more") {
        if (options.optional && received <= V1_MAX_LENGTH + 16) seen.push(chunk.slice());
        continue;
      }
      if (step.state === "done") {
        disarmDeadline(deadline);
        const rest = chunk.slice(step.payloadOffset);
        return {
          ok: true,
          header: step.header,
          conn: prepend(conn, rest),
          headerMs: elapsed(),
          untrusted: false,
        };
      }
      if (options.optional && step.error.code === "NOT_PROXY") {
        disarmDeadline(deadline);
        seen.push(chunk.slice());
        return {
          ok: true,
          header: null,
          conn: prepend(conn, concatBytes(seen)),
          headerMs: elapsed(),
          untrusted: false,
        };
      }
      return give("invalid", step.error);
    }
  } finally {
    // Every read has settled, and what was kept of the bytes was copied: the buffer is free.
    if (headerBuffers.length < HEADER_BUFFER_POOL_MAX) headerBuffers.push(first);
  }
}

// A connection whose first reads return `pending` before reading from `conn` (`conn` itself
// when nothing is pending).
function prepend(conn: Conn, pending: Uint8Array): Conn {
  if (pending.length === 0) return conn;
  let rest = pending;
  return {
    get localAddr() {
      return conn.localAddr;
    },
    get remoteAddr() {
      return conn.remoteAddr;
    },
    read(buf: Uint8Array): Promise<number | null> {
      if (rest.length === 0 || buf.length === 0) return conn.read(buf);
      const n = Math.min(buf.length, rest.length);
      buf.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return Promise.resolve(n);
    },
    ...(conn.readChunk === undefined ? {} : {
      readChunk(): Promise<Uint8Array | null> {
        if (rest.length === 0) return conn.readChunk!();
        const chunk = rest;
        rest = rest.subarray(rest.length);
        return Promise.resolve(chunk);
      },
    }),
    write: (data) => conn.write(data),
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
    setNoDelay: (on) => conn.setNoDelay(on),
  };
}
