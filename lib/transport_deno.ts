/**
 * The Deno transport: Deno.connect / Deno.listen (TCP and UNIX), Deno.listenDatagram (UDP, needs
 * `--unstable-net` or `"unstable": ["net"]` in deno.json) and Deno.startTls. `insecure` TLS goes
 * through node:tls, because Deno.startTls cannot skip certificate verification.
 *
 * Deno globals are only touched inside functions, so Bun can import this module unharmed.
 *
 * @module
 */

import {
  type Conn,
  type ConnectOptions,
  type Datagram,
  DATAGRAM_BUFFER_SIZE,
  type DatagramOptions,
  type DatagramSocket,
  type InetAddr,
  type Listener,
  type ListenOptions,
  type NetAddr,
  type StdinReader,
  type StdoutWriter,
  type Target,
  type TlsConn,
  type TlsOptions,
  type Transport,
} from "./transport_types.ts";
import { duplexOver } from "./_conn_duplex.ts";
import { bindReclaiming } from "./_unix_stale.ts";
import { isPerConnectionAcceptError, nextAcceptBackoff } from "./_accept_errors.ts";
import {
  formatAddr,
  toTransportError,
  TransportError,
  withConnectDeadline,
} from "./transport_error.ts";

type DenoStream = Deno.TcpConn | Deno.UnixConn | Deno.TlsConn;

function fromDenoAddr(addr: Deno.Addr): NetAddr {
  switch (addr.transport) {
    case "tcp":
    case "udp":
      return { transport: addr.transport, hostname: addr.hostname, port: addr.port };
    case "unix":
    case "unixpacket":
      return { transport: "unix", path: addr.path ?? "" };
    default:
      return { transport: "unix", path: "" };
  }
}

// The addresses and the error target are made when asked for, not kept: an idle connection of a
// server holds the Deno connection and little else.
class DenoConn implements TlsConn {
  readonly alpnProtocol: string | null;
  #conn: DenoStream;
  #over: Conn | undefined;
  #closed = false;
  #writeClosed = false;

  /** `over`: the connection a TLS connection runs over (Deno's TlsConn addresses lack `transport`). */
  constructor(conn: DenoStream, alpnProtocol: string | null = null, over?: Conn) {
    this.#conn = conn;
    this.#over = over;
    this.alpnProtocol = alpnProtocol;
  }

  get localAddr(): NetAddr {
    return this.#over?.localAddr ?? fromDenoAddr(this.#conn.localAddr);
  }

  get remoteAddr(): NetAddr {
    return this.#over?.remoteAddr ?? fromDenoAddr(this.#conn.remoteAddr);
  }

  get #target(): string {
    return formatAddr(this.remoteAddr);
  }

  // Chained onto Deno's read promise, not awaited: an idle connection holds one pending
  // promise, not a suspended async frame.
  read(buf: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.resolve(null);
    if (buf.length === 0) return Promise.resolve(0);
    return this.#conn.read(buf).catch(this.#readFailed);
  }

  #readFailed = (e: unknown): null => {
    if (this.#closed) return null; // close() interrupted the read
    throw toTransportError(e, "read", this.#target);
  };

  async write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#writeClosed) {
      throw new TransportError("CLOSED", "write", this.#target);
    }
    try {
      let off = await this.#conn.write(data);
      while (off < data.length) off += await this.#conn.write(data.subarray(off));
    } catch (e) {
      if (this.#closed) throw new TransportError("CLOSED", "write", this.#target);
      throw toTransportError(e, "write", this.#target);
    }
  }

  async closeWrite(): Promise<void> {
    if (this.#closed || this.#writeClosed) return;
    this.#writeClosed = true;
    try {
      await this.#conn.closeWrite();
    } catch (e) {
      if (!this.#closed) throw toTransportError(e, "close-write", this.#target);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the runtime (e.g. consumed by startTls)
    }
  }

  setNoDelay(on: boolean): void {
    if (this.#closed || !("setNoDelay" in this.#conn)) return;
    try {
      this.#conn.setNoDelay(on);
    } catch {
      // closed underneath us
    }
  }

  /** Hands the Deno connection over (to startTls); this wrapper then behaves as closed. */
  take(): DenoStream {
    this.#closed = true;
    return this.#conn;
  }
}

class DenoListener implements Listener {
  readonly addr: NetAddr;
  #listener: Deno.Listener;
  #closed = false;
  #onError: ((error: Error, retryInMs: number) => void) | undefined;
  #backoffMs = 0;
  #wakeBackoff: (() => void) | null = null;

  constructor(listener: Deno.Listener, options: ListenOptions) {
    this.#listener = listener;
    this.#onError = options.onAcceptError;
    this.addr = fromDenoAddr(listener.addr);
  }

  async accept(): Promise<Conn | null> {
    for (;;) {
      if (this.#closed) return null;
      try {
        const conn = new DenoConn(await this.#listener.accept() as Deno.TcpConn | Deno.UnixConn);
        this.#backoffMs = 0;
        return conn;
      } catch (e) {
        if (this.#closed) return null;
        // A client that reset before we accepted it: its failure, not ours; take the next one.
        if (isPerConnectionAcceptError(e)) continue;
        // Out of descriptors (EMFILE/ENFILE) or anything else listener-wide: back off, retry.
        this.#backoffMs = nextAcceptBackoff(this.#backoffMs);
        this.#onError?.(toTransportError(e, "accept", formatAddr(this.addr)), this.#backoffMs);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#backoffMs);
          this.#wakeBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeBackoff = null;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.#wakeBackoff?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Conn> {
    for (let c = await this.accept(); c !== null; c = await this.accept()) yield c;
  }
}

class DenoDatagramSocket implements DatagramSocket {
  readonly addr: InetAddr;
  #socket: Deno.DatagramConn;
  #closed = false;
  #scratch: Uint8Array | undefined;

  constructor(socket: Deno.DatagramConn) {
    this.#socket = socket;
    this.addr = fromDenoAddr(socket.addr) as InetAddr;
  }

  async receive(buf?: Uint8Array): Promise<Datagram | null> {
    if (this.#closed) return null;
    // Deno's own default buffer is 65507 bytes, which truncates large IPv6 datagrams.
    const scratch = buf ?? this.#scratch ?? new Uint8Array(DATAGRAM_BUFFER_SIZE);
    if (buf === undefined) this.#scratch = undefined; // in use; concurrent receives get their own
    try {
      const [data, from] = await this.#socket.receive(scratch);
      return {
        data: buf === undefined ? data.slice() : data,
        remoteAddr: fromDenoAddr(from) as InetAddr,
      };
    } catch (e) {
      if (this.#closed) return null;
      throw toTransportError(e, "receive", formatAddr(this.addr));
    } finally {
      if (buf === undefined) this.#scratch = scratch;
    }
  }

  async send(
    data: Uint8Array,
    to: { readonly hostname: string; readonly port: number },
  ): Promise<void> {
    const target = formatAddr(to);
    if (this.#closed) throw new TransportError("CLOSED", "send", target);
    let sent: number;
    try {
      sent = await this.#socket.send(data, {
        transport: "udp",
        hostname: to.hostname,
        port: to.port,
      });
    } catch (e) {
      if (this.#closed) throw new TransportError("CLOSED", "send", target);
      throw toTransportError(e, "send", target);
    }
    if (sent !== data.length) {
      throw new TransportError(
        "DATAGRAM_TOO_LARGE",
        "send",
        target,
        `sent ${sent} of ${data.length} bytes`,
      );
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Datagram> {
    for (let d = await this.receive(); d !== null; d = await this.receive()) yield d;
  }
}

function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

async function connect(options: ConnectOptions): Promise<Conn> {
  const target = formatAddr(options);
  const raw = await withConnectDeadline<DenoStream>(
    (signal) =>
      "path" in options
        ? Deno.connect({ transport: "unix", path: options.path })
        : Deno.connect({ hostname: options.hostname, port: options.port, signal }),
    options,
    target,
    (late) => late.close(),
  );
  return new DenoConn(raw);
}

async function listen(target: Target, options: ListenOptions = {}): Promise<Listener> {
  const bind = () => {
    try {
      const listener = "path" in target
        ? Deno.listen({ transport: "unix", path: target.path })
        : Deno.listen({ transport: "tcp", hostname: target.hostname, port: target.port });
      return new DenoListener(listener, options);
    } catch (e) {
      throw toTransportError(e, "listen", formatAddr(target));
    }
  };
  return "path" in target ? await bindReclaiming(target.path, bind, connect) : bind();
}

function listenDatagram(options: DatagramOptions): Promise<DatagramSocket> {
  const target = formatAddr(options);
  // Deno.listenDatagram is unstable: undefined unless run with --unstable-net.
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
    return Promise.reject(
      new TransportError(
        "UNSUPPORTED",
        "listen",
        `udp:${target}`,
        'UDP on Deno needs --unstable-net or "unstable": ["net"] in deno.json',
      ),
    );
  }
  try {
    return Promise.resolve(
      new DenoDatagramSocket(
        Deno.listenDatagram({ transport: "udp", hostname: options.hostname, port: options.port }),
      ),
    );
  } catch (e) {
    return Promise.reject(toTransportError(e, "listen", `udp:${target}`));
  }
}

async function startTls(conn: Conn, options: TlsOptions = {}): Promise<TlsConn> {
  const target = formatAddr(conn.remoteAddr);
  if (!(conn instanceof DenoConn)) {
    throw new TransportError("UNSUPPORTED", "tls", target, "not a connection of this transport");
  }
  const hostname = options.hostname ??
    (conn.remoteAddr.transport === "unix" ? "localhost" : conn.remoteAddr.hostname);
  const signal = options.signal;
  if (signal?.aborted) {
    conn.close();
    throw new TransportError("ABORTED", "tls", target);
  }
  if (options.insecure === true) return await nodeTlsOver(conn, hostname, options, target);
  const raw = conn.take();
  let tls: Deno.TlsConn | undefined;
  const closeAll = () => {
    try {
      (tls ?? raw).close();
    } catch {
      // consumed or already closed
    }
  };
  // Closing the connection ends a pending Deno handshake, but its promise may then never settle:
  // the abort rejects on its own.
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      closeAll();
      reject(new TransportError("ABORTED", "tls", target));
    };
  });
  aborted.catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const starting = Deno.startTls(raw as Deno.TcpConn, {
      hostname,
      ...(options.caCerts === undefined ? {} : { caCerts: [...options.caCerts] }),
      ...(options.alpn === undefined ? {} : { alpnProtocols: [...options.alpn] }),
    });
    starting.then((late) => signal?.aborted && late.close(), () => {});
    tls = await Promise.race([starting, aborted]);
    const info = await Promise.race([tls.handshake(), aborted]);
    return new DenoConn(tls, info.alpnProtocol, conn);
  } catch (e) {
    closeAll();
    throw e instanceof TransportError ? e : toTransportError(e, "tls", target);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

// Deno.stdin.readable, not node:process: a pending read of process.stdin cannot be called off on
// Deno (destroy() leaves it waiting for the next byte, and the process with it); a reader can.
function stdin(): StdinReader {
  const reader = Deno.stdin.readable.getReader();
  return {
    async read() {
      try {
        const r = await reader.read();
        return r.done ? null : r.value;
      } catch {
        return null;
      }
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}

// Deno.stdout.write, not node:process: on Deno, process.stdout writes to a pipe synchronously, so
// a pipe nobody reads stops the whole event loop; the async op waits off the loop.
function stdout(): StdoutWriter {
  let gone = false;
  return {
    async write(bytes) {
      if (gone) return false;
      try {
        for (let at = 0; at < bytes.length;) at += await Deno.stdout.write(bytes.subarray(at));
        return true;
      } catch {
        gone = true;
        return false;
      }
    },
  };
}

/** The Deno transport. */
export const denoTransport: Transport = {
  name: "deno",
  connect,
  listen,
  listenDatagram,
  startTls,
  stdin,
  stdout,
};

// ---------------------------------------------------------------------------------------------
// insecure TLS: node:tls over our own Conn (Deno.startTls always verifies the certificate)

interface NodeTlsSocket {
  read(): Uint8Array | null;
  unshift(chunk: Uint8Array): void;
  write(data: Uint8Array, cb: (error?: Error | null) => void): boolean;
  end(cb?: () => void): void;
  destroy(): void;
  setNoDelay?(on: boolean): void;
  on(event: string, listener: (arg?: unknown) => void): void;
  once(event: string, listener: (arg?: unknown) => void): void;
  off(event: string, listener: (arg?: unknown) => void): void;
  readonly alpnProtocol: string | false | null;
}

async function nodeTlsOver(
  conn: DenoConn,
  hostname: string,
  options: TlsOptions,
  target: string,
): Promise<TlsConn> {
  const [tls, { Duplex }] = await Promise.all([import("node:tls"), import("node:stream")]);
  const stream = duplexOver(conn, Duplex);
  const socket = tls.connect({
    socket: stream,
    rejectUnauthorized: false,
    servername: isIpLiteral(hostname) ? undefined : hostname,
    ALPNProtocols: options.alpn === undefined ? undefined : [...options.alpn],
    ca: options.caCerts === undefined ? undefined : [...options.caCerts],
  }) as unknown as NodeTlsSocket;
  const signal = options.signal;
  await new Promise<void>((resolve, reject) => {
    const onError = (e?: unknown) => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(toTransportError(e, "tls", target));
    };
    const onAbort = () => onError(new TransportError("ABORTED", "tls", target));
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      resolve();
    });
  });
  return new NodeTlsConn(socket, conn.localAddr, conn.remoteAddr, target);
}

class NodeTlsConn implements TlsConn {
  readonly alpnProtocol: string | null;
  #socket: NodeTlsSocket;
  #target: string;
  #closed = false;
  #writeClosed = false;
  #ended = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  constructor(
    socket: NodeTlsSocket,
    readonly localAddr: NetAddr,
    readonly remoteAddr: NetAddr,
    target: string,
  ) {
    this.#socket = socket;
    this.#target = target;
    this.alpnProtocol = typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null;
    const wake = () => {
      const w = this.#wake;
      this.#wake = null;
      w?.();
    };
    socket.on("readable", wake);
    socket.on("end", () => {
      this.#ended = true;
      wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      wake();
    });
    socket.on("error", (e) => {
      this.#error = e;
      wake();
    });
  }

  async read(buf: Uint8Array): Promise<number | null> {
    if (buf.length === 0) return 0;
    for (;;) {
      if (this.#closed) return null;
      const chunk = this.#socket.read();
      if (chunk !== null) {
        const n = Math.min(chunk.length, buf.length);
        buf.set(n === chunk.length ? chunk : chunk.subarray(0, n));
        if (n < chunk.length) this.#socket.unshift(chunk.subarray(n));
        return n;
      }
      if (this.#error !== null) throw toTransportError(this.#error, "read", this.#target);
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#writeClosed) {
      return Promise.reject(new TransportError("CLOSED", "write", this.#target));
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (e) => {
        if (e == null) resolve();
        else reject(toTransportError(e, "write", this.#target));
      });
    });
  }

  closeWrite(): Promise<void> {
    if (this.#closed || this.#writeClosed) return Promise.resolve();
    this.#writeClosed = true;
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  setNoDelay(_on: boolean): void {
    // the TCP socket underneath keeps TCP_NODELAY on (Deno's default)
  }
}
