/**
 * The Bun transport, on Bun's native sockets: Bun.connect / Bun.listen (TCP and UNIX),
 * Bun.udpSocket (UDP) and socket.upgradeTLS (client TLS over an established connection).
 * Native sockets move more bytes with less CPU than node:net (figures: docs/bench.md).
 *
 * Bun's sockets push data into callbacks; {@linkcode BunConn} turns that into the pull-style
 * `read(buf)` of lib/transport.ts with a chunk queue, pausing the socket while more than
 * READ_HIGH_WATER bytes wait unread. Bun writes straight to the kernel and reports
 * how much it took, so `write` waits for the `drain` callback until everything is out.
 *
 * The Bun API is reached through `globalThis.Bun` inside functions only and described by the
 * minimal interfaces below (no @types/bun), so Deno can import and type-check this module.
 *
 * @module
 */

import process from "node:process";
import type {
  Conn,
  ConnectOptions,
  Datagram,
  DatagramOptions,
  DatagramSocket,
  InetAddr,
  Listener,
  ListenOptions,
  NetAddr,
  StdinReader,
  StdoutWriter,
  Target,
  TlsConn,
  TlsOptions,
  Transport,
} from "./transport_types.ts";
import { bindReclaiming } from "./_unix_stale.ts";
import { connectBunCancellable } from "./_bun_connect.ts";
import {
  formatAddr,
  toTransportError,
  TransportError,
  withConnectDeadline,
} from "./transport_error.ts";

// ---------------------------------------------------------------------------------------------
// The part of the Bun API used here (Bun 1.4).

interface BunSocket {
  data: BunConn;
  /** Bytes taken by the kernel (may be fewer than asked), or -1 when closed. */
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** FIN, then close (the close handler runs before this returns). */
  end(): void;
  /** shutdown(SHUT_WR); TLS: close_notify first. */
  shutdown(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): boolean;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly alpnProtocol?: string | false | null;
  upgradeTLS(options: {
    data: BunConn;
    tls: {
      serverName?: string;
      ca?: string[];
      rejectUnauthorized?: boolean;
      ALPNProtocols?: Uint8Array;
    };
    socket: BunSocketHandler;
  }): [BunSocket, BunSocket];
}

interface BunSocketHandler {
  open?(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  end?(socket: BunSocket): void;
  close?(socket: BunSocket, error?: Error): void;
  error?(socket: BunSocket, error: Error): void;
  handshake?(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}

type BunSocketTarget = { hostname: string; port: number } | { unix: string };
type BunSocketOptions = BunSocketTarget & {
  socket: BunSocketHandler;
  allowHalfOpen?: boolean;
  binaryType?: "uint8array";
  data?: BunConn;
};

interface BunServer {
  readonly port?: number;
  readonly hostname?: string;
  stop(closeActiveConnections?: boolean): void;
}

interface BunUdpSocket {
  readonly hostname: string;
  readonly port: number;
  /** false: not sent because of backpressure, retry on drain. Throws on errors (EMSGSIZE). */
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}

interface BunUdpHandler {
  data(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
  drain?(socket: BunUdpSocket): void;
  error?(socket: BunUdpSocket, error: Error): void;
}

interface BunApi {
  connect(options: BunSocketOptions): Promise<BunSocket>;
  listen(options: BunSocketOptions): BunServer;
  udpSocket(options: {
    hostname: string;
    port: number;
    binaryType?: "uint8array";
    socket: BunUdpHandler;
  }): Promise<BunUdpSocket>;
}

function bun(): BunApi {
  return (globalThis as unknown as { Bun: BunApi }).Bun;
}

// ---------------------------------------------------------------------------------------------

// Unread bytes above which a connection stops reading from the kernel (TCP flow control then
// slows the peer down); reading resumes below half of it.
const READ_HIGH_WATER = 1 << 20;

// Received datagrams kept for `receive` (bytes); past it new ones are dropped, as a full kernel
// buffer would, since Bun cannot pause a UDP socket.
const DATAGRAM_QUEUE_LIMIT = 8 << 20;

const NO_ADDR: NetAddr = { transport: "unix", path: "" };

/** The one task parked until a socket's state changes: a reader, a writer or a sender. */
class Wakeup {
  #resolve: (() => void) | null = null;

  /** Parks the caller until {@linkcode Wakeup.wake}. */
  wait(): Promise<void> {
    return new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Resumes the parked task, if any. */
  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.();
  }
}

/**
 * A Bun socket as a pull-style {@linkcode TlsConn}. Created empty, attached to its socket in the
 * socket's `open` handler (or when `connect` resolves).
 */
class BunConn implements TlsConn {
  localAddr: NetAddr = NO_ADDR;
  remoteAddr: NetAddr = NO_ADDR;
  alpnProtocol: string | null = null;
  #socket: BunSocket | null = null;
  #target = "";
  #queue: Uint8Array[] = [];
  #headOffset = 0;
  #queued = 0;
  #paused = false;
  #eof = false;
  #error: unknown = null;
  #closed = false; // our close()
  #writeClosed = false; // our closeWrite()
  #socketClosed = false; // the socket is gone, for whatever reason
  #reader = new Wakeup();
  #writer = new Wakeup();

  attach(socket: BunSocket, unixPath: string | null, isServer: boolean): void {
    this.#socket = socket;
    socket.data = this;
    if (unixPath !== null) {
      const named: NetAddr = { transport: "unix", path: unixPath };
      const unnamed: NetAddr = { transport: "unix", path: "" };
      this.localAddr = isServer ? named : unnamed;
      this.remoteAddr = isServer ? unnamed : named;
    } else {
      this.localAddr = inet(socket.localAddress, socket.localPort);
      this.remoteAddr = inet(socket.remoteAddress, socket.remotePort);
      socket.setNoDelay(true);
    }
    this.#target = formatAddr(this.remoteAddr);
  }

  /** Copies the addresses of the connection a TLS connection runs over. */
  attachTls(socket: BunSocket, over: Conn): void {
    this.#socket = socket;
    socket.data = this;
    this.localAddr = over.localAddr;
    this.remoteAddr = over.remoteAddr;
    this.#target = formatAddr(this.remoteAddr);
  }

  // --- socket handler side ---

  onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued >= READ_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
    }
    this.#reader.wake();
  }

  onEnd(): void {
    this.#eof = true;
    this.#reader.wake();
  }

  onError(error: unknown): void {
    if (!this.#eof && this.#error === null) this.#error = error;
    this.#reader.wake();
    this.#writer.wake();
  }

  onClose(error?: unknown): void {
    if (error != null) this.onError(error);
    this.#socketClosed = true;
    this.#eof = true;
    this.#reader.wake();
    this.#writer.wake();
  }

  onDrain(): void {
    this.#writer.wake();
  }

  // --- Conn side ---

  async read(buf: Uint8Array): Promise<number | null> {
    if (buf.length === 0) return 0;
    for (;;) {
      if (this.#closed) return null;
      if (this.#queue.length > 0) return this.#take(buf);
      if (this.#error !== null) throw toTransportError(this.#error, "read", this.#target);
      if (this.#eof) return null;
      await this.#reader.wait();
    }
  }

  async readChunk(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.#closed) return null;
      if (this.#queue.length > 0) {
        const head = this.#queue.shift()!;
        const chunk = this.#headOffset === 0 ? head : head.subarray(this.#headOffset);
        this.#headOffset = 0;
        this.#consumed(chunk.length);
        return chunk;
      }
      if (this.#error !== null) throw toTransportError(this.#error, "read", this.#target);
      if (this.#eof) return null;
      await this.#reader.wait();
    }
  }

  // `n` queued bytes were handed out: resume a paused socket once half the queue is gone.
  #consumed(n: number): void {
    this.#queued -= n;
    if (this.#paused && this.#queued < READ_HIGH_WATER / 2) {
      this.#paused = false;
      if (!this.#socketClosed) this.#socket?.resume();
    }
  }

  #take(buf: Uint8Array): number {
    const queue = this.#queue;
    let n = 0;
    while (n < buf.length && queue.length > 0) {
      const head = queue[0]!;
      const start = this.#headOffset;
      const take = Math.min(head.length - start, buf.length - n);
      buf.set(
        start === 0 && take === head.length ? head : head.subarray(start, start + take),
        n,
      );
      n += take;
      if (start + take === head.length) {
        queue.shift();
        this.#headOffset = 0;
      } else {
        this.#headOffset = start + take;
      }
    }
    this.#consumed(n);
    return n;
  }

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    for (;;) {
      if (this.#closed || this.#writeClosed) {
        throw new TransportError("CLOSED", "write", this.#target);
      }
      if (this.#error !== null) throw toTransportError(this.#error, "write", this.#target);
      const socket = this.#socket;
      if (socket === null || this.#socketClosed) {
        throw new TransportError("RESET", "write", this.#target, "socket closed");
      }
      const n = socket.write(data, off, data.length - off);
      if (n < 0) {
        // the socket is gone; its error may not have been reported yet
        if (this.#error !== null) throw toTransportError(this.#error, "write", this.#target);
        throw new TransportError("RESET", "write", this.#target, "socket closed");
      }
      off += n;
      if (off >= data.length) return;
      await this.#writer.wait();
    }
  }

  closeWrite(): Promise<void> {
    if (!this.#closed && !this.#writeClosed && !this.#socketClosed) {
      this.#writeClosed = true;
      this.#socket?.shutdown();
    }
    return Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    if (!this.#socketClosed) this.#socket?.end();
    this.#reader.wake();
    this.#writer.wake();
  }

  setNoDelay(on: boolean): void {
    if (this.localAddr.transport === "tcp" && !this.#socketClosed) this.#socket?.setNoDelay(on);
  }

  /** For startTls: hands the socket over; this wrapper then behaves as closed. */
  take(): BunSocket {
    if (this.#closed || this.#socketClosed || this.#socket === null) {
      throw new TransportError("CLOSED", "tls", this.#target);
    }
    if (this.#queue.length > 0) {
      throw new TransportError("OTHER", "tls", this.#target, "unread bytes before the handshake");
    }
    this.#closed = true;
    return this.#socket;
  }
}

function inet(hostname: string | undefined, port: number | undefined): InetAddr {
  return { transport: "tcp", hostname: hostname ?? "", port: port ?? 0 };
}

/** Handlers shared by every stream socket: they forward to the socket's {@linkcode BunConn}. */
const streamHandlers: BunSocketHandler = {
  data: (socket, data) => socket.data.onData(data),
  drain: (socket) => socket.data.onDrain(),
  end: (socket) => socket.data.onEnd(),
  close: (socket, error) => socket.data.onClose(error),
  error: (socket, error) => socket.data.onError(error),
};

async function connect(options: ConnectOptions): Promise<Conn> {
  const target = formatAddr(options);
  const conn = new BunConn();
  const cancellable = !("path" in options) &&
    (options.timeoutMs !== undefined || options.signal !== undefined);
  const socket = await withConnectDeadline(
    (signal) =>
      "path" in options
        ? bun().connect({
          unix: options.path,
          allowHalfOpen: true,
          binaryType: "uint8array",
          data: conn,
          socket: streamHandlers,
        })
        : cancellable
        ? connectBunCancellable<BunSocket, BunSocketHandler>(
          { hostname: options.hostname, port: options.port, target, signal },
          streamHandlers,
          conn,
        )
        : bun().connect({
          hostname: options.hostname,
          port: options.port,
          allowHalfOpen: true,
          binaryType: "uint8array",
          data: conn,
          socket: streamHandlers,
        }),
    options,
    target,
    (late) => late.end(),
  );
  conn.attach(socket, "path" in options ? options.path : null, false);
  return conn;
}

class BunListener implements Listener {
  readonly addr: NetAddr;
  #server: BunServer | null = null;
  #pending: Conn[] = [];
  #waiters: ((conn: Conn | null) => void)[] = [];
  #closed = false;

  constructor(target: Target) {
    const unixPath = "path" in target ? target.path : null;
    const handlers: BunSocketHandler = {
      ...streamHandlers,
      open: (socket) => {
        const conn = new BunConn();
        conn.attach(socket, unixPath, true);
        this.#incoming(conn);
      },
    };
    const server = bun().listen({
      ...("path" in target
        ? { unix: target.path }
        : { hostname: target.hostname, port: target.port }),
      allowHalfOpen: true,
      binaryType: "uint8array",
      socket: handlers,
    });
    this.#server = server;
    this.addr = unixPath !== null
      ? { transport: "unix", path: unixPath }
      : { transport: "tcp", hostname: server.hostname ?? "", port: server.port ?? 0 };
  }

  #incoming(conn: Conn): void {
    if (this.#closed) conn.close();
    else if (this.#waiters.length > 0) this.#waiters.shift()!(conn);
    else this.#pending.push(conn);
  }

  accept(): Promise<Conn | null> {
    const conn = this.#pending.shift();
    if (conn !== undefined) return Promise.resolve(conn);
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server?.stop(false);
    this.#server = null;
    for (const conn of this.#pending.splice(0)) conn.close();
    for (const wake of this.#waiters.splice(0)) wake(null);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Conn> {
    for (let c = await this.accept(); c !== null; c = await this.accept()) yield c;
  }
}

function listen(target: Target, _options?: ListenOptions): Promise<Listener> {
  const bind = () => {
    try {
      return new BunListener(target);
    } catch (e) {
      throw toTransportError(e, "listen", formatAddr(target));
    }
  };
  if ("path" in target) return bindReclaiming(target.path, bind, connect);
  try {
    return Promise.resolve(bind());
  } catch (e) {
    return Promise.reject(e);
  }
}

class BunDatagramSocket implements DatagramSocket {
  addr: InetAddr = { transport: "udp", hostname: "", port: 0 };
  #socket: BunUdpSocket | null = null;
  #queue: Datagram[] = [];
  #queued = 0;
  #closed = false;
  #reader = new Wakeup();
  #sender = new Wakeup();

  attach(socket: BunUdpSocket): void {
    this.#socket = socket;
    this.addr = { transport: "udp", hostname: socket.hostname, port: socket.port };
  }

  onData(data: Uint8Array, port: number, address: string): void {
    if (this.#closed || this.#queued + data.length > DATAGRAM_QUEUE_LIMIT) return;
    this.#queue.push({ data, remoteAddr: { transport: "udp", hostname: address, port } });
    this.#queued += data.length;
    this.#reader.wake();
  }

  onDrain(): void {
    this.#sender.wake();
  }

  async receive(buf?: Uint8Array): Promise<Datagram | null> {
    for (;;) {
      if (this.#closed) return null;
      const d = this.#queue.shift();
      if (d !== undefined) {
        this.#queued -= d.data.length;
        if (buf === undefined) return d;
        const n = Math.min(buf.length, d.data.length);
        buf.set(n === d.data.length ? d.data : d.data.subarray(0, n));
        return { data: buf.subarray(0, n), remoteAddr: d.remoteAddr };
      }
      await this.#reader.wait();
    }
  }

  async send(
    data: Uint8Array,
    to: { readonly hostname: string; readonly port: number },
  ): Promise<void> {
    const target = formatAddr(to);
    for (;;) {
      if (this.#closed || this.#socket === null) {
        throw new TransportError("CLOSED", "send", target);
      }
      let sent: boolean;
      try {
        sent = this.#socket.send(data, to.port, to.hostname);
      } catch (e) {
        if ((e as { code?: unknown }).code === "ERR_INVALID_ARG_TYPE") {
          // Bun.udpSocket does not resolve names
          throw new TransportError("UNSUPPORTED", "send", target, "UDP needs an IP address");
        }
        throw toTransportError(e, "send", target);
      }
      if (sent) return;
      await this.#sender.wait();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#socket?.close();
    this.#reader.wake();
    this.onDrain();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Datagram> {
    for (let d = await this.receive(); d !== null; d = await this.receive()) yield d;
  }
}

async function listenDatagram(options: DatagramOptions): Promise<DatagramSocket> {
  const socket = new BunDatagramSocket();
  try {
    socket.attach(
      await bun().udpSocket({
        hostname: options.hostname,
        port: options.port,
        binaryType: "uint8array",
        socket: {
          data: (_s, data, port, address) => socket.onData(data, port, address),
          drain: () => socket.onDrain(),
          // An ICMP "port unreachable" for an earlier datagram surfaces here; without a
          // handler Bun crashes the process. UDP gives no delivery guarantee: ignore it,
          // as Deno and the kernel do for unconnected sockets.
          error: () => {},
        },
      }),
    );
  } catch (e) {
    throw toTransportError(e, "listen", `udp:${formatAddr(options)}`);
  }
  return socket;
}

/** ALPN protocol list in wire format (RFC 7301 §3.1), as Bun's upgradeTLS takes it. */
function alpnWire(protocols: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts = protocols.map((p) => encoder.encode(p));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + 1 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out[at++] = p.length;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function startTls(conn: Conn, options: TlsOptions = {}): Promise<TlsConn> {
  const target = formatAddr(conn.remoteAddr);
  if (!(conn instanceof BunConn)) {
    return Promise.reject(
      new TransportError("UNSUPPORTED", "tls", target, "not a connection of this transport"),
    );
  }
  if (options.signal?.aborted) {
    conn.close();
    return Promise.reject(new TransportError("ABORTED", "tls", target));
  }
  let raw: BunSocket;
  try {
    raw = conn.take();
  } catch (e) {
    return Promise.reject(e);
  }
  const hostname = options.hostname ??
    (conn.remoteAddr.transport === "unix" ? "localhost" : conn.remoteAddr.hostname);
  const insecure = options.insecure === true;
  const tls = new BunConn();
  return new Promise<TlsConn>((resolve, reject) => {
    let settled = false;
    const signal = options.signal;
    const onAbort = () => fail(new TransportError("ABORTED", "tls", target));
    signal?.addEventListener("abort", onAbort, { once: true });
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      tls.close();
      reject(
        error instanceof TransportError ? error : toTransportError(error, "tls", target),
      );
    };
    const handlers: BunSocketHandler = {
      ...streamHandlers,
      handshake(socket, success, authorizationError) {
        if (settled) return;
        if (success || insecure) {
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          tls.alpnProtocol = typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null;
          resolve(tls);
        } else {
          fail(authorizationError ?? new Error("certificate rejected"));
        }
      },
      close(socket, error) {
        socket.data.onClose(error);
        fail(
          error ?? new TransportError("RESET", "tls", target, "closed during the handshake"),
        );
      },
    };
    try {
      const [, socket] = raw.upgradeTLS({
        data: tls,
        tls: {
          serverName: hostname,
          ...(options.caCerts === undefined ? {} : { ca: [...options.caCerts] }),
          rejectUnauthorized: !insecure,
          ...(options.alpn === undefined ? {} : { ALPNProtocols: alpnWire(options.alpn) }),
        },
        socket: handlers,
      });
      tls.attachTls(socket, conn);
    } catch (e) {
      raw.end();
      fail(e);
    }
  });
}

// process.stdin, which destroy() does end on Bun.
function stdin(): StdinReader {
  const iterator = process.stdin[Symbol.asyncIterator]();
  let cancelled = false;
  return {
    async read() {
      try {
        const r = await iterator.next();
        if (r.done || cancelled) return null;
        const chunk = r.value as Uint8Array | string;
        return typeof chunk === "string"
          ? new TextEncoder().encode(chunk)
          : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      } catch {
        return null;
      }
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      process.stdin.destroy();
    },
  };
}

// process.stdout: Bun queues what a full pipe cannot take yet; waiting for "drain" bounds it.
function stdout(): StdoutWriter {
  let gone = false;
  return {
    write(bytes) {
      if (gone) return Promise.resolve(false);
      const out = process.stdout;
      return new Promise<boolean>((resolve) => {
        const finish = (ok: boolean) => {
          out.off("drain", onDrain);
          out.off("error", onError);
          out.off("close", onError);
          if (!ok) gone = true;
          resolve(ok);
        };
        const onDrain = () => finish(true);
        const onError = () => finish(false);
        out.on("error", onError);
        out.on("close", onError);
        let taken: boolean;
        try {
          taken = out.write(bytes);
        } catch {
          finish(false);
          return;
        }
        if (taken) finish(true);
        else out.on("drain", onDrain);
      });
    },
  };
}

/** The Bun transport. */
export const bunTransport: Transport = {
  name: "bun",
  connect,
  listen,
  listenDatagram,
  startTls,
  stdin,
  stdout,
};
