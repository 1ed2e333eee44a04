/**
 * The transport interfaces and limits, shared by lib/transport.ts (which picks the runtime's
 * transport) and the runtime implementations (lib/transport_deno.ts, lib/transport_bun.ts).
 * A leaf: it imports nothing, so no implementation imports the module that selects it.
 *
 * @module
 */

/**
 * §2: "The receiver may apply a short timeout and decide to abort the connection if the protocol
 * header is not seen within a few seconds (at least 3 seconds to cover a TCP retransmit)."
 * The smallest header timeout a receiver may use, in milliseconds, and the default of
 * `acceptProxy` and `ppcat listen`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MIN_HEADER_TIMEOUT_MS } from "./transport_types.ts";
 * // A timeout asked for by a user, raised to what §2 allows.
 * const asked = 1500;
 * const timeoutMs = Math.max(asked, MIN_HEADER_TIMEOUT_MS);
 * assert.ok(timeoutMs >= 3000);
 * ```
 */
export const MIN_HEADER_TIMEOUT_MS = 3000;

/**
 * A receive buffer of this size never truncates a UDP datagram (the largest UDP payload is
 * 65535 - 8 bytes over IPv6 and 65535 - 28 over IPv4). §2: a receiver parses every datagram on
 * its own, so a datagram must arrive whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATAGRAM_BUFFER_SIZE } from "./transport_types.ts";
 * // One receive buffer, reused for every datagram: none is ever truncated.
 * const buf = new Uint8Array(DATAGRAM_BUFFER_SIZE);
 * assert.ok(buf.length >= 65535 - 8);
 * ```
 */
export const DATAGRAM_BUFFER_SIZE = 65536;

/** An IP endpoint. `hostname` is an address literal without brackets ("::1", "127.0.0.1"). */
export interface InetAddr {
  /** "tcp" for streams, "udp" for datagrams. */
  readonly transport: "tcp" | "udp";
  /** An address literal without brackets. */
  readonly hostname: string;
  /** 0 to 65535. */
  readonly port: number;
}

/** A UNIX stream socket endpoint; `path` is "" for an unnamed (client side) socket. */
export interface UnixAddr {
  /** Always "unix". */
  readonly transport: "unix";
  /** The socket path; "" for an unnamed socket. */
  readonly path: string;
}

/** Where a socket is bound or connected. */
export type NetAddr = InetAddr | UnixAddr;

/** Where to connect or listen: a host and port (TCP/UDP), or a UNIX socket path. */
export type Target = { readonly hostname: string; readonly port: number } | {
  readonly path: string;
};

/** {@linkcode Transport.connect} options. */
export type ConnectOptions = Target & {
  /** Abort the connect: rejects with `ABORTED`. Has no effect once connected. */
  readonly signal?: AbortSignal;
  /** Give up connecting after this many ms: rejects with `TIMEOUT`. Default: the OS's. */
  readonly timeoutMs?: number;
};

/** {@linkcode Transport.listen} options. */
export interface ListenOptions {
  /**
   * Told about accept failures that are not one connection's own (e.g. out of file descriptors,
   * EMFILE/ENFILE); the listener backs off `retryInMs` and goes on. Failures of one connection
   * (reset or aborted before accept: ECONNRESET, ENOTCONN, ECONNABORTED) are skipped at once and
   * not reported.
   */
  readonly onAcceptError?: (error: Error, retryInMs: number) => void;
}

/** {@linkcode Transport.listenDatagram} options: the local address to bind (port 0: any). */
export interface DatagramOptions {
  /** The local address to bind, e.g. "0.0.0.0", "::", "127.0.0.1". */
  readonly hostname: string;
  /** The local port; 0 picks one. */
  readonly port: number;
}

/** {@linkcode Transport.startTls} options (client side only). */
export interface TlsOptions {
  /**
   * Server name for SNI and certificate verification. Default: the peer's IP address (checked
   * against the certificate's IP SANs; no SNI is sent for an IP).
   */
  readonly hostname?: string;
  /** ALPN protocols to offer, e.g. ["h2", "http/1.1"]. */
  readonly alpn?: readonly string[];
  /** Extra trusted root certificates, PEM. */
  readonly caCerts?: readonly string[];
  /** Skip certificate and name verification entirely (testing only). */
  readonly insecure?: boolean;
  /**
   * Abort the handshake: the connection is closed and startTls rejects with `ABORTED`. Has no
   * effect once the handshake is done.
   */
  readonly signal?: AbortSignal;
}

/**
 * A byte stream: TCP, UNIX stream or TLS. Reads and writes may run concurrently (one of each at a
 * time); `close()` may be called at any moment and makes pending and later reads return `null`.
 */
export interface Conn {
  /**
   * Reads up to `buf.length` bytes into `buf`. Resolves to the count (never 0 unless `buf` is
   * empty), or `null` at end of stream: the peer closed its write side, or we called `close()`.
   * Rejects with a {@linkcode TransportError} (e.g. `RESET`).
   */
  read(buf: Uint8Array): Promise<number | null>;
  /**
   * Optional zero-copy read: the next bytes received, in an array that belongs to the caller
   * from then on, or `null` at end of stream; errors as for `read`. Bun receives into fresh
   * arrays anyway, so an echo loop need not copy every chunk, nor keep a large buffer per
   * connection. Where absent (Deno, whose reads fill the caller's buffer), use `read`. Do not
   * mix with a pending `read`.
   */
  readChunk?(): Promise<Uint8Array | null>;
  /**
   * Writes all of `data`, then resolves; `data` may be reused afterwards. One call is one
   * write to the socket as far as the OS allows, so a PROXY header written with a single call
   * leaves in one segment (§2: "the sender must always ensure that the header is sent at once").
   * Rejects with `CLOSED` after our own `close()`/`closeWrite()`, `RESET` if the peer is gone.
   */
  write(data: Uint8Array): Promise<void>;
  /** Half-close: sends FIN (TLS: close_notify); the peer reads EOF and may still write back. */
  closeWrite(): Promise<void>;
  /** Closes both directions and frees the socket. Idempotent, never throws. */
  close(): void;
  /** Our end of the connection. */
  readonly localAddr: NetAddr;
  /** The peer's end of the connection (the proxy, for a PROXY receiver). */
  readonly remoteAddr: NetAddr;
  /** TCP_NODELAY (on by default for TCP; no-op for UNIX sockets and after close). */
  setNoDelay(on: boolean): void;
}

/** A client TLS connection, handshake completed. */
export interface TlsConn extends Conn {
  /** The protocol the server picked via ALPN, or null. */
  readonly alpnProtocol: string | null;
}

/** A stream listener. Iterate it, or call `accept()` until it returns `null`. */
export interface Listener extends AsyncIterable<Conn> {
  /** Where the listener is bound (the real port when 0 was asked for). */
  readonly addr: NetAddr;
  /**
   * The next incoming connection, or `null` once the listener is closed (also if pending). Never
   * rejects: a connection reset before it was accepted is skipped, and a listener-wide failure
   * (out of file descriptors) is retried after a back-off (see {@linkcode ListenOptions}), so a
   * `for await` loop over the listener survives hostile clients.
   */
  accept(): Promise<Conn | null>;
  /** Stops listening; connections already accepted stay open. Idempotent. */
  close(): void;
}

/** One received datagram. */
export interface Datagram {
  /** The payload; a view of the `buf` given to `receive` when there was one. */
  readonly data: Uint8Array;
  /** Who sent the datagram. */
  readonly remoteAddr: InetAddr;
}

/**
 * A bound UDP socket. §2: "the PROXY protocol header and the proxied UDP payload MUST be sent in
 * the same datagram" and the receiver parses every datagram on its own: `send` sends exactly one
 * datagram (never split; `DATAGRAM_TOO_LARGE` if it cannot) and `receive` returns exactly one.
 */
export interface DatagramSocket extends AsyncIterable<Datagram> {
  /** Where the socket is bound. */
  readonly addr: InetAddr;
  /**
   * The next datagram, or `null` once the socket is closed (also if pending). With `buf`, the
   * payload is written into it (a datagram longer than `buf` is truncated, so use
   * {@linkcode DATAGRAM_BUFFER_SIZE}); without, a new array is returned.
   */
  receive(buf?: Uint8Array): Promise<Datagram | null>;
  /**
   * Sends `data` as one datagram to `to`. `hostname` must be an IP address literal (Bun does not
   * resolve names here: `UNSUPPORTED`). The socket's family must match (a "::" socket reaches
   * IPv4 peers too; a "0.0.0.0" one cannot reach IPv6: `UNREACHABLE`).
   */
  send(data: Uint8Array, to: { readonly hostname: string; readonly port: number }): Promise<void>;
  /** Idempotent. */
  close(): void;
}

/** The process's standard input, read as it arrives. */
export interface StdinReader {
  /** The next chunk, or null at the end of input (or once cancelled). */
  read(): Promise<Uint8Array | null>;
  /** Stops reading: a pending read ends with null and nothing keeps the process alive. */
  cancel(): void;
}

/** The process's standard output, written without blocking the event loop. */
export interface StdoutWriter {
  /**
   * Writes all of `bytes` (the caller must not reuse them until then); resolves true once the
   * runtime has taken them, which waits while a pipe is full, or false when stdout is gone
   * (e.g. a closed pipe). Never rejects.
   */
  write(bytes: Uint8Array): Promise<boolean>;
}

/**
 * What a runtime provides. Get the one for the running runtime with `getTransport()` from
 * lib/transport.ts.
 */
export interface Transport {
  /** Which runtime this transport drives. */
  readonly name: "deno" | "bun";
  /** Opens a TCP (`hostname`, `port`) or UNIX (`path`) stream connection. */
  connect(options: ConnectOptions): Promise<Conn>;
  /** Listens for TCP (`hostname`, `port`; port 0 picks one) or UNIX (`path`) connections. */
  listen(target: Target, options?: ListenOptions): Promise<Listener>;
  /** Binds a UDP socket (hostname "0.0.0.0" or "::" and port 0 for a sending-only socket). */
  listenDatagram(options: DatagramOptions): Promise<DatagramSocket>;
  /**
   * Runs a TLS client handshake over an established TCP connection of this transport (e.g.
   * right after writing a PROXY header) and resolves once it has completed. `conn` belongs to the
   * result from then on: do not read, write or close it yourself, and have no read pending on it.
   * Rejects with `TLS` when the handshake fails (the connection is then closed).
   */
  startTls(conn: Conn, options?: TlsOptions): Promise<TlsConn>;
  /**
   * Reads the process's standard input chunk by chunk as it arrives (a pipe, a terminal, a
   * file). Call once per process: the reader owns stdin.
   */
  stdin(): StdinReader;
  /**
   * The process's standard output with backpressure: a full pipe (nobody reading) delays the
   * promise of `write`, never the event loop.
   */
  stdout(): StdoutWriter;
}
