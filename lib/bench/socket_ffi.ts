/**
 * A {@linkcode BenchSocket} on Bun that reads into one preallocated buffer per process: libc's
 * `socket`/`connect`/`recv`/`send` through `bun:ffi` (lib/bench/ffi_libc.ts), readiness from an
 * epoll set polled from the event loop (lib/bench/ffi_poller.ts). Bun's own sockets hand every
 * chunk read over as a fresh copy; this path does not, which is most of the engine's user time in
 * bulk (docs/bench.md). Used for bulk runs to IPv4 literals on Linux x86_64 only; elsewhere
 * {@linkcode ffiBulkAvailable} is false and lib/bench/socket.ts keeps the other sockets.
 *
 * @module
 */

import type { BenchConnectOptions, BenchHandlers, BenchSocket } from "./socket_types.ts";
import { type Libc, openLibc } from "./ffi_libc.ts";
import { EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, type Pollable, Poller } from "./ffi_poller.ts";
import { formatAddr, toTransportError, TransportError } from "../transport_error.ts";
import { armDeadline, disarmDeadline } from "../_deadlines.ts";
import { ipv4ToBytes } from "../address.ts";
import { getSystemErrorName } from "node:util";

/** The Linux (x86_64) values of the socket constants this file passes to libc. */
const LINUX = {
  AF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_ERROR: 4,
  IPPROTO_TCP: 6,
  TCP_NODELAY: 1,
  MSG_NOSIGNAL: 0x4000,
  /** On TCP, recv(2) discards the bytes it counts instead of copying them (tcp(7)). */
  MSG_TRUNC: 0x20,
  SHUT_WR: 1,
  EINTR: 4,
  EAGAIN: 11,
  EINPROGRESS: 115,
} as const;
/** One read takes at most this much (the size Bun's own reads reach on loopback is 512 KiB). */
const FFI_READ_BYTES = 262144;

function errnoError(op: string, errno: number): Error {
  const name = errno > 0 ? getSystemErrorName(-errno) : `errno ${errno}`;
  return Object.assign(new Error(`${op}: ${name}`), { code: name });
}

interface Shared {
  readonly libc: Libc;
  readonly poller: Poller;
  /** Every read lands here; `onData` may look at it only during the call. */
  readonly buffer: Uint8Array;
}

let shared: Shared | null | undefined;

/** The address of the connect under way: connect(2) copies it, so one serves every connect. */
const SOCKADDR = new Uint8Array(16);

function open(): Shared | null {
  if (shared !== undefined) return shared;
  const libc = openLibc();
  try {
    shared = libc === null
      ? null
      : { libc, poller: new Poller(libc), buffer: new Uint8Array(FFI_READ_BYTES) };
  } catch {
    shared = null;
  }
  return shared;
}

/**
 * Whether {@linkcode connectFfi} can be used here: Bun on Linux x86_64 with libc.so.6 loadable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ffiBulkAvailable } from "./socket_ffi.ts";
 * if (!("Bun" in globalThis)) assert.equal(ffiBulkAvailable(), false);
 * ```
 */
export function ffiBulkAvailable(): boolean {
  return open() !== null;
}

class FfiSocket implements BenchSocket, Pollable {
  readonly s: Shared;
  readonly fd: number;
  readonly handlers: BenchHandlers;
  connecting: ((error: Error | null) => void) | null = null;
  closed = false;
  waitingForDrain = false;
  /** Reads only count (MSG_TRUNC): the engine said it no longer looks at the bytes. */
  discarding = false;
  error: unknown = null;

  constructor(s: Shared, fd: number, handlers: BenchHandlers) {
    this.s = s;
    this.fd = fd;
    this.handlers = handlers;
  }

  write(buf: Uint8Array, offset: number, length: number): number {
    if (this.closed) return -1;
    if (this.connecting !== null) return 0;
    const n = this.s.libc.send(this.fd, buf, offset, length, LINUX.MSG_NOSIGNAL);
    if (n >= 0) {
      if (n < length) this.wantDrain();
      return n;
    }
    const errno = this.s.libc.errno();
    if (errno === LINUX.EAGAIN || errno === LINUX.EINTR) {
      this.wantDrain();
      return 0;
    }
    this.error ??= errnoError("write", errno);
    return -1;
  }

  wantDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.s.poller.modify(this.fd, EPOLLIN | EPOLLOUT);
  }

  shutdown(): void {
    if (!this.closed) this.s.libc.shutdown(this.fd, LINUX.SHUT_WR);
  }

  countOnly(): void {
    this.discarding = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.s.poller.remove(this.fd);
    this.s.libc.close(this.fd);
    // As Bun's sockets do: the close is reported after the call that caused it returns.
    queueMicrotask(() => this.handlers.onClose(this.error));
  }

  ready(events: number): void {
    if (this.closed) return;
    const libc = this.s.libc;
    if (this.connecting !== null) {
      const settle = this.connecting;
      this.connecting = null;
      const soError = libc.getIntOption(this.fd, LINUX.SOL_SOCKET, LINUX.SO_ERROR);
      if (soError === 0) {
        this.s.poller.modify(this.fd, EPOLLIN);
        settle(null);
      } else settle(errnoError("connect", soError < 0 ? libc.errno() : soError));
      return;
    }
    if ((events & EPOLLOUT) !== 0 && this.waitingForDrain) {
      this.waitingForDrain = false;
      this.s.poller.modify(this.fd, EPOLLIN);
      this.handlers.onDrain();
      if (this.closed) return;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) === 0) return;
    const buffer = this.s.buffer;
    const n = libc.recv(this.fd, buffer, buffer.length, this.discarding ? LINUX.MSG_TRUNC : 0);
    if (n > 0) this.handlers.onData(buffer, n);
    else if (n === 0) this.close(); // the peer is done, and so are we: as on Bun's sockets
    else {
      const errno = libc.errno();
      if (errno === LINUX.EAGAIN || errno === LINUX.EINTR) return;
      this.error ??= errnoError("read", errno);
      this.close();
    }
  }

  /** Ends a connect that failed or was called off. */
  abandon(): void {
    this.closed = true;
    this.s.poller.remove(this.fd);
    this.s.libc.close(this.fd);
  }
}

/**
 * Connects to an IPv4 literal over libc sockets. Rejects with a TransportError on failure or
 * timeout; `UNSUPPORTED` when {@linkcode ffiBulkAvailable} is false or the host is no IPv4 literal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectFfi, ffiBulkAvailable } from "./socket_ffi.ts";
 * if (ffiBulkAvailable()) {
 *   await assert.rejects(
 *     connectFfi({ hostname: "127.0.0.1", port: 9, timeoutMs: 2000, nagle: false }, {
 *       onData() {},
 *       onDrain() {},
 *       onClose() {},
 *     }),
 *     { code: "CONNECTION_REFUSED" },
 *   );
 * }
 * ```
 */
export function connectFfi(
  options: BenchConnectOptions,
  handlers: BenchHandlers,
): Promise<BenchSocket> {
  const s = open();
  const address = ipv4ToBytes(options.hostname);
  if (s === null || address === null) {
    return Promise.reject(
      new TransportError(
        "UNSUPPORTED",
        "connect",
        formatAddr(options),
        "no libc sockets for this target",
      ),
    );
  }
  // One promise and three small closures per connect, no controller, timer or buffer of its
  // own: with thousands of connects in a ramp-up, whatever each makes is memory the run holds.
  return new Promise<BenchSocket>((resolve, reject) => {
    const fail = (error: unknown) =>
      reject(toTransportError(error, "connect", formatAddr(options)));
    const { libc } = s;
    const fd = libc.socket(
      LINUX.AF_INET,
      LINUX.SOCK_STREAM | LINUX.SOCK_NONBLOCK | LINUX.SOCK_CLOEXEC,
      0,
    );
    if (fd < 0) return fail(errnoError("socket", libc.errno()));
    const socket = new FfiSocket(s, fd, handlers);
    if (!options.nagle) libc.setIntOption(fd, LINUX.IPPROTO_TCP, LINUX.TCP_NODELAY, 1);
    // struct sockaddr_in: family (host order), port (network order), address, 8 bytes of zero.
    SOCKADDR[0] = LINUX.AF_INET;
    SOCKADDR[2] = options.port >> 8;
    SOCKADDR[3] = options.port & 0xff;
    SOCKADDR.set(address, 4);
    if (libc.connect(fd, SOCKADDR, SOCKADDR.length) < 0) {
      const errno = libc.errno();
      if (errno !== LINUX.EINPROGRESS) {
        socket.abandon();
        return fail(errnoError("connect", errno));
      }
    }
    // Pending connects share one timer per slot (lib/_deadlines.ts): never early, at most one
    // slot late. On time out the socket is closed, which calls the kernel's SYN retries off.
    const deadline = armDeadline(options.timeoutMs, () => {
      if (socket.connecting === null) return;
      socket.connecting = null;
      socket.abandon();
      reject(
        new TransportError("TIMEOUT", "connect", formatAddr(options), `${options.timeoutMs} ms`),
      );
    });
    socket.connecting = (error) => {
      disarmDeadline(deadline);
      if (error === null) resolve(socket);
      else {
        socket.abandon();
        fail(error);
      }
    };
    if (!s.poller.add(fd, EPOLLOUT, socket)) {
      socket.connecting(errnoError("epoll_ctl", libc.errno()));
    }
  });
}
