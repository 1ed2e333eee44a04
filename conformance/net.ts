/**
 * The network ends the checks drive: ppcat's receiver (acceptProxy on a
 * loopback listener, recording the raw bytes of every header), a plain
 * client, a TLS client with a client certificate (node:tls, which both
 * runtimes implement; ppcat's transport has no client certificates), and a
 * sender that writes a PROXY header and reads the answer.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import tls from "node:tls";
import { concatBytes } from "../lib/_bytes.ts";
import { decodeHeader } from "../lib/decode.ts";
import type { ProxyError } from "../lib/errors.ts";
import type { ProxyHeader } from "../lib/header.ts";
import { acceptProxy, type RejectReason } from "../lib/server.ts";
import {
  type Conn,
  getTransport,
  type Listener,
  type NetAddr,
  withDeadline,
} from "../lib/transport.ts";
import { sleep } from "./harness.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The reply ppcat's receiver sends once it has read a marker line. */
export const RECEIVER_REPLY = "ppcat-ok\n";

/** What ppcat's receiver saw on one connection. */
export interface Received {
  /** Every byte read before the header was complete (header first, maybe payload after). */
  readonly raw: Uint8Array;
  /** acceptProxy's header, or why it refused the connection. */
  readonly result:
    | { readonly ok: true; readonly header: ProxyHeader }
    | {
      readonly ok: false;
      readonly reason: RejectReason;
      readonly error?: ProxyError | undefined;
    };
  /** The one-shot decoder's verdict on the same bytes (ppcat must agree with itself). */
  readonly oneShot: ReturnType<typeof decodeHeader>;
  /** The first payload line after the header, without its newline ("" at end of stream). */
  readonly marker: string;
  /** Who connected (the proxy). */
  readonly peer: NetAddr;
}

/** ppcat's receiver: accepts, reads the header, records it, answers a marker line. */
export interface Receiver {
  /** The listening port on 127.0.0.1 (0 on a UNIX socket). */
  readonly port: number;
  /** Everything received so far, in arrival order. */
  readonly records: readonly Received[];
  /** The first record (from now on or already in) matching `pick`, or null after `timeoutMs`. */
  waitFor(pick: (r: Received) => boolean, timeoutMs: number): Promise<Received | null>;
  /** Stops listening and closes open connections. */
  close(): void;
}

const READ_SIZE = 4096;
const MARKER_TIMEOUT_MS = 2000;

// Records every byte acceptProxy reads, so the raw header is known even when it is refused.
function tee(conn: Conn, sink: Uint8Array[]): Conn {
  return {
    get localAddr() {
      return conn.localAddr;
    },
    get remoteAddr() {
      return conn.remoteAddr;
    },
    async read(buf) {
      const n = await conn.read(buf);
      if (n !== null && n > 0) sink.push(buf.slice(0, n));
      return n;
    },
    write: (data) => conn.write(data),
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
    setNoDelay: (on) => conn.setNoDelay(on),
  };
}

// Reads one line (up to "\n"), EOF, or the deadline; returns the text without the newline.
async function readLine(conn: Conn, timeoutMs: number): Promise<string> {
  const timed = withDeadline(conn, timeoutMs);
  const buf = new Uint8Array(READ_SIZE);
  let text = "";
  try {
    while (!text.includes("\n") && text.length < READ_SIZE) {
      const n = await timed.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n));
    }
  } catch {
    // deadline or reset: what arrived is the answer
  }
  timed.clearDeadline();
  const nl = text.indexOf("\n");
  return nl < 0 ? text : text.slice(0, nl);
}

/**
 * Starts ppcat's receiver on 127.0.0.1 (any port). Each connection:
 * acceptProxy (3 s header timeout), then one marker line is read and
 * answered with {@linkcode RECEIVER_REPLY}, then the connection is closed.
 * With `markers: false` (health checks carry no payload) the reply goes out
 * as soon as the header is in, then the connection is closed.
 */
export async function startReceiver(
  markers = true,
  where: { readonly hostname: string } | { readonly path: string } = { hostname: "127.0.0.1" },
): Promise<Receiver> {
  const listener = await getTransport().listen(
    "path" in where ? { path: where.path } : { hostname: where.hostname, port: 0 },
  );
  const records: Received[] = [];
  const open = new Set<Conn>();
  const waiters = new Set<() => void>();
  let closed = false;

  const handle = async (conn: Conn) => {
    open.add(conn);
    const chunks: Uint8Array[] = [];
    const accepted = await acceptProxy(tee(conn, chunks), { headerTimeoutMs: 3000 });
    const raw = concatBytes(chunks);
    let marker = "";
    let result: Received["result"];
    if (accepted.ok && accepted.header !== null) {
      result = { ok: true, header: accepted.header };
      if (markers) marker = await readLine(accepted.conn, MARKER_TIMEOUT_MS);
      if (marker !== "" || !markers) {
        try {
          await accepted.conn.write(encoder.encode(RECEIVER_REPLY));
        } catch {
          // the peer left
        }
      }
      accepted.conn.close();
    } else if (accepted.ok) {
      result = { ok: false, reason: "invalid" }; // cannot happen: not optional
      accepted.conn.close();
    } else {
      result = { ok: false, reason: accepted.reason, error: accepted.error };
    }
    conn.close();
    open.delete(conn);
    records.push({
      raw,
      result,
      oneShot: decodeHeader(raw),
      marker,
      peer: conn.remoteAddr,
    });
    for (const wake of [...waiters]) wake();
  };

  acceptUntilClosed(listener, () => closed, handle);

  return {
    port: (listener.addr as { port?: number }).port ?? 0,
    records,
    waitFor(pick, timeoutMs) {
      const found = records.find(pick);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => {
        const wake = () => {
          const r = records.find(pick);
          if (r === undefined) return;
          done(r);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        const done = (r: Received | null) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(r);
        };
        waiters.add(wake);
      });
    },
    close() {
      closed = true;
      listener.close();
      for (const c of open) c.close();
      for (const wake of [...waiters]) wake();
    },
  };
}

/** What a client saw of one exchange. */
export interface Exchange {
  /** Our end of the connection (the real client address a proxy must report). */
  readonly local: { readonly address: string; readonly port: number };
  /** Everything the other side sent back before closing or the deadline. */
  readonly reply: string;
  /** Why reading stopped. */
  readonly end: "closed" | "reset" | "timeout" | "refused";
  /** For TLS: the negotiated protocol version, cipher (OpenSSL name) and ALPN. */
  readonly tls?:
    | { readonly version: string; readonly cipher: string; readonly alpn: string }
    | undefined;
}

async function readAll(conn: Conn, timeoutMs: number): Promise<[string, Exchange["end"]]> {
  const timed = withDeadline(conn, timeoutMs);
  const buf = new Uint8Array(READ_SIZE);
  let text = "";
  let end: Exchange["end"] = "closed";
  try {
    for (;;) {
      const n = await timed.read(buf);
      if (n === null) {
        if (timed.expired) end = "timeout";
        break;
      }
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
  } catch (e) {
    end = (e as { code?: string }).code === "TIMEOUT" ? "timeout" : "reset";
  }
  timed.close();
  return [text, end];
}

/**
 * Connects to `hostname:port`, writes each of `writes` (one write each: a
 * PROXY header goes out whole, §2), then reads until the other side closes
 * or `timeoutMs` passes.
 */
export async function exchange(
  hostname: string,
  port: number,
  writes: readonly Uint8Array[],
  timeoutMs = 3000,
): Promise<Exchange> {
  let conn: Conn;
  try {
    conn = await getTransport().connect({ hostname, port, timeoutMs });
  } catch {
    return { local: { address: "", port: 0 }, reply: "", end: "refused" };
  }
  const la = conn.localAddr as { hostname: string; port: number };
  const local = { address: la.hostname, port: la.port };
  try {
    for (const w of writes) await conn.write(w);
  } catch {
    // the answer (or its absence) tells
  }
  const [reply, end] = await readAll(conn, timeoutMs);
  return { local, reply, end };
}

/** Options for {@linkcode tlsExchange}. */
export interface TlsClientOptions {
  /** SNI to send. */
  readonly servername: string;
  /** CA to trust (the harness's). */
  readonly caFile: string;
  /** Present this client certificate (PEM files) when given. */
  readonly cert?: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** ALPN protocols to offer. */
  readonly alpn?: readonly string[] | undefined;
  /** Where to connect (default 127.0.0.1). */
  readonly host?: string | undefined;
}

/**
 * Opens a TLS connection to 127.0.0.1:`port` (node:tls), writes `payload`,
 * reads until close or `timeoutMs`, and reports the negotiated parameters.
 */
export function tlsExchange(
  port: number,
  payload: string,
  options: TlsClientOptions,
  timeoutMs = 3000,
): Promise<Exchange> {
  return new Promise((resolve) => {
    let reply = "";
    let settled = false;
    let info: Exchange["tls"];
    let local = { address: "", port: 0 };
    const socket = tls.connect({
      host: options.host ?? "127.0.0.1",
      port,
      servername: options.servername,
      ca: readFileSync(options.caFile, "utf8"),
      cert: options.cert ? readFileSync(options.cert.certFile, "utf8") : undefined,
      key: options.cert ? readFileSync(options.cert.keyFile, "utf8") : undefined,
      ALPNProtocols: options.alpn ? [...options.alpn] : undefined,
    }, () => {
      local = { address: socket.localAddress ?? "", port: socket.localPort ?? 0 };
      info = {
        version: socket.getProtocol() ?? "",
        cipher: socket.getCipher()?.name ?? "",
        alpn: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : "",
      };
      socket.write(payload);
    });
    const finish = (end: Exchange["end"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ local, reply, end, tls: info });
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      reply += chunk;
    });
    socket.on("end", () => finish("closed"));
    socket.on("close", () => finish("closed"));
    socket.on("error", () => finish(info === undefined ? "refused" : "reset"));
  });
}

/**
 * Parses `key=value` lines (the answers of the haproxy and nginx templates).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswer } from "./net.ts";
 * assert.deepEqual(parseAnswer("HTTP/1.1 200 OK\r\n\r\nsrc=1.2.3.4\nsrc_port=5\nempty=\n"), {
 *   src: "1.2.3.4", src_port: "5", empty: "",
 * });
 * ```
 */
export function parseAnswer(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([a-z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? "";
  }
  return out;
}

/** The bytes of `text`. */
export function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}

// Hands every accepted connection to `handle` (its failure ignored) until the listener is
// closed; a failed accept (a reset before accept, no descriptors left) is retried after 10 ms.
function acceptUntilClosed(
  listener: Listener,
  isClosed: () => boolean,
  handle: (conn: Conn) => Promise<void>,
): void {
  (async () => {
    while (!isClosed()) {
      let conn: Conn | null;
      try {
        conn = await listener.accept();
      } catch {
        if (isClosed()) break;
        await sleep(10);
        continue;
      }
      if (conn === null) break;
      handle(conn).catch(() => {});
    }
  })();
}

/** An echo service behind ppcat's receiver: the fuzz target for ppcat's own column. */
export interface EchoReceiver {
  /** The listening port on 127.0.0.1. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): void;
}

/**
 * Starts ppcat's receiver as an echo service on 127.0.0.1: acceptProxy with
 * the 3 s header timeout (§2), then every byte after the header is written
 * back until the peer closes (what `ppcat listen` does).
 */
export async function startEchoReceiver(): Promise<EchoReceiver> {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Conn>();
  let closed = false;
  const serve = async (conn: Conn) => {
    open.add(conn);
    try {
      const r = await acceptProxy(conn, { headerTimeoutMs: 3000 });
      if (r.ok) {
        open.add(r.conn);
        const buf = new Uint8Array(READ_SIZE);
        for (let n = await r.conn.read(buf); n !== null; n = await r.conn.read(buf)) {
          await r.conn.write(buf.subarray(0, n));
        }
        r.conn.close();
        open.delete(r.conn);
      }
    } catch {
      // reset by the fuzzer: nothing to do
    } finally {
      conn.close();
      open.delete(conn);
    }
  };
  acceptUntilClosed(listener, () => closed, serve);
  return {
    port: (listener.addr as { port: number }).port,
    close() {
      closed = true;
      listener.close();
      for (const c of open) c.close();
    },
  };
}
