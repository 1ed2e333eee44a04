/**
 * The engine of `ppcat listen`: a PROXY protocol receiver that reports what every connection
 * (or UDP datagram) sent, then echoes, discards, or answers with the decoded info.
 *
 * It is a test target for fuzzers, so it never crashes or stalls on any input: each connection
 * runs on its own, every error is caught and reported as an event, and every wait is bounded
 * (the header timeout of §2, and {@linkcode STOP_GRACE_MS} when stopping).
 *
 * @module
 */

import type { Cidr } from "../lib/cidr.ts";
import { cidrContains } from "../lib/cidr.ts";
import { proxyError } from "../lib/errors.ts";
import type { ProxyHeader } from "../lib/header.ts";
import { headerToJson } from "../lib/json.ts";
import { acceptProxy, type AcceptResult } from "../lib/server.ts";
import { createStreamDecoder } from "../lib/stream.ts";
import {
  type Conn,
  DATAGRAM_BUFFER_SIZE,
  type DatagramSocket,
  getTransport,
  type Listener,
  MIN_HEADER_TIMEOUT_MS,
  type NetAddr,
  TransportError,
} from "../lib/transport.ts";
import { toHex } from "../lib/_bytes.ts";
import { nextReadSize, READ_SIZE_MIN } from "./listen_buffer.ts";
import {
  capHeader,
  type EndpointJson,
  endpointJson,
  type EventDetail,
  type ListenEvent,
  type RejectEvent,
  type RejectReason,
} from "./listen_events.ts";

/** What to do with the payload once the header is in. */
export const ListenMode = {
  /** Send every payload byte back. */
  ECHO: "echo",
  /** Read and drop the payload. */
  DISCARD: "discard",
  /** Send the decoded info as one JSON line, then echo. */
  REPLY_INFO: "reply-info",
  /** Send nothing back by itself: what {@linkcode ListenServer.broadcast} gets (`--stdin`). */
  STDIN: "stdin",
} as const;
/** One of the {@linkcode ListenMode} values. */
export type ListenMode = typeof ListenMode[keyof typeof ListenMode];

/** Default interval between `data` events of a busy connection, in milliseconds. */
export const DATA_INTERVAL_MS = 1000;

/** How long {@linkcode ListenServer.stop} waits for connections to wind down, in milliseconds. */
export const STOP_GRACE_MS = 2000;

/** Pause after a failing accept/receive (e.g. out of file descriptors), in milliseconds. */
export const ACCEPT_BACKOFF_MS = 100;

/** Options for {@linkcode startListen}. */
export interface ListenOptions {
  /** Where to bind: an IP address or host name and port (0: any free port), or a UNIX path. */
  readonly target: { readonly hostname: string; readonly port: number } | {
    readonly path: string;
  };
  /** Receive UDP datagrams instead of stream connections (not with a UNIX path). */
  readonly udp?: boolean;
  /** Default echo. */
  readonly mode?: ListenMode;
  /** Stop accepting after the first connection (or datagram); `done` resolves when it ends. */
  readonly once?: boolean;
  /** Let connections without a header through (§2 forbids guessing: testing only). */
  readonly optional?: boolean;
  /** Versions to accept. Default both. */
  readonly versions?: readonly (1 | 2)[];
  /** Peers allowed to send a header; null or absent: everyone. */
  readonly trust?: readonly Cidr[] | null;
  /** §2 header timeout. Default 3000. */
  readonly headerTimeoutMs?: number;
  /** Cap on concurrent connections; 0 or absent: none. */
  readonly maxConnections?: number;
  /** Accept a wrong CRC32C (reported as "invalid") instead of rejecting (§2.2.3). */
  readonly allowCrcMismatch?: boolean;
  /** Report every payload chunk in a `data` event with its hex. */
  readonly hexdump?: boolean;
  /** Report every payload chunk in a `data` event as text (`--show text`). */
  readonly text?: boolean;
  /**
   * Whether the payload's hex or text would be printed now; false (e.g. stdout lags) spares
   * rendering it: the `data` event is emitted without it.
   */
  readonly wantsDetail?: () => boolean;
  /** Interval of `data` events; default {@linkcode DATA_INTERVAL_MS}. */
  readonly dataIntervalMs?: number;
  /** Receives every event, in order. Exceptions it throws are ignored. */
  readonly onEvent?: (event: ListenEvent, detail: EventDetail) => void;
  /** Receives listener-level problems (e.g. accept failures), one line each. */
  readonly onDiagnostic?: (message: string) => void;
}

/** How a {@linkcode ListenServer} ended. */
export interface ListenEnd {
  /** "once": the first connection ended (with `once`); "stopped": `stop()` was called. */
  readonly reason: "once" | "stopped";
  /** With `once`: whether the first connection (datagram) had a valid header; else null. */
  readonly ok: boolean | null;
}

/** A running listener. */
export interface ListenServer {
  /** Where it is bound (the real port when 0 was asked for). */
  readonly addr: NetAddr;
  /** Stops listening, closes every connection, waits (bounded) for them to finish. */
  stop(): Promise<void>;
  /** Resolves once the server has ended (`once`, or after `stop()`). */
  readonly done: Promise<ListenEnd>;
  /**
   * Mode `stdin`: sends `bytes` to every connection being served (`nc -l` has one); resolves
   * once each has taken them or failed. Other modes, UDP: does nothing.
   */
  broadcast(bytes: Uint8Array): Promise<void>;
  /** Mode `stdin`: no more input; half-closes the connections served now and later. */
  endInput(): void;
}

interface Session {
  readonly id: number;
  readonly conn: Conn;
  in: number;
  out: number;
  reportedIn: number;
  reportedOut: number;
  open: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const now = () => new Date().toISOString();
const encoder = new TextEncoder();
const utf8 = new TextDecoder();

function errorCode(e: unknown): string {
  return e instanceof TransportError ? e.code : "OTHER";
}

function rejectMessage(
  reason: RejectReason,
  peer: NetAddr,
  options: ListenOptions,
  result?: AcceptResult,
): string {
  const peerName = peer.transport === "unix" ? "unix peer" : peer.hostname;
  switch (reason) {
    case "timeout":
      return `no complete header within ${
        options.headerTimeoutMs ?? MIN_HEADER_TIMEOUT_MS
      } ms (§2)`;
    case "closed":
      return "the peer closed before a complete header (§2: no header, no service)";
    case "reset":
      return "the peer reset the connection before a complete header";
    case "untrusted":
      return `${peerName} is not in --trust ${
        (options.trust ?? []).map((c) => c.text).join(",")
      } (§2: only trusted proxies)`;
    case "capacity":
      return `--max-connections ${options.maxConnections} reached`;
    case "invalid":
      return result !== undefined && !result.ok && result.error !== undefined
        ? result.error.message
        : "invalid header";
  }
}

/**
 * Binds and starts serving. Rejects with a {@linkcode TransportError} when the address cannot
 * be bound (e.g. `ADDRESS_IN_USE`); after that, never throws. The `listening` event is emitted
 * before the returned promise resolves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startListen } from "./listen_server.ts";
 * import type { ListenEvent } from "./listen_events.ts";
 * import { getTransport } from "../lib/transport.ts";
 * const events: ListenEvent[] = [];
 * const server = await startListen({
 *   target: { hostname: "127.0.0.1", port: 0 },
 *   onEvent: (e) => events.push(e),
 * });
 * const client = await getTransport().connect(server.addr);
 * await client.write(new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nhi"));
 * const buf = new Uint8Array(2);
 * assert.equal(await client.read(buf), 2); // echoed
 * client.close();
 * await server.stop();
 * assert.deepEqual(events.map((e) => e.event), ["listening", "accept", "header", "close"]);
 * ```
 */
export async function startListen(options: ListenOptions): Promise<ListenServer> {
  const t = getTransport();
  const emit = (event: ListenEvent, detail: EventDetail = {}) => {
    try {
      options.onEvent?.(event, detail);
    } catch {
      // A broken sink (stdout gone) must not take the server down.
    }
  };
  const diagnose = (message: string) => {
    try {
      options.onDiagnostic?.(message);
    } catch {
      // as above
    }
  };

  if (options.udp) {
    if ("path" in options.target) {
      throw new TransportError("UNSUPPORTED", "listen", "", "UDP needs an IP address and port");
    }
    const socket = await t.listenDatagram(options.target);
    emit({
      event: "listening",
      time: now(),
      transport: "udp",
      address: endpointJson(socket.addr),
    });
    return serveDatagrams(socket, options, emit, diagnose);
  }
  // Listener-wide accept failures (e.g. EMFILE): the listener backs off; say so once a second.
  let lastAcceptError = 0;
  const listener = await t.listen(options.target, {
    onAcceptError(e) {
      const at = performance.now();
      if (at - lastAcceptError < 1000) return;
      lastAcceptError = at;
      diagnose(e.message);
    },
  });
  emit({
    event: "listening",
    time: now(),
    transport: listener.addr.transport === "unix" ? "unix" : "tcp",
    address: endpointJson(listener.addr),
  });
  return serveStreams(listener, options, emit, diagnose);
}

type Emit = (event: ListenEvent, detail?: EventDetail) => void;

function serveStreams(
  listener: Listener,
  options: ListenOptions,
  emit: Emit,
  diagnose: (message: string) => void,
): ListenServer {
  const mode = options.mode ?? ListenMode.ECHO;
  const max = options.maxConnections ?? 0;
  const conns = new Set<Conn>();
  const tasks = new Set<Promise<void>>();
  const sessions = new Set<Session>();
  let stopping = false;
  let nextId = 0;
  let firstOk: boolean | null = null;
  let finish: (end: ListenEnd) => void = () => {};
  const done = new Promise<ListenEnd>((resolve) => (finish = resolve));

  let inputEnded = false;
  // Only what was given: absent stays absent (exactOptionalPropertyTypes).
  const acceptOptions = {
    ...(options.versions === undefined ? {} : { versions: options.versions }),
    ...(options.headerTimeoutMs === undefined ? {} : { headerTimeoutMs: options.headerTimeoutMs }),
    // A short --header-timeout is the user's explicit choice; cli/listen.ts warns about it.
    allowShortHeaderTimeout: true,
    optional: options.optional ?? false,
    trust: options.trust ?? null,
    allowCrcMismatch: options.allowCrcMismatch ?? false,
  };
  const interval = setInterval(() => {
    if (options.hexdump || options.text) return; // every chunk already has its event
    for (const s of sessions) {
      if (!s.open || (s.in === s.reportedIn && s.out === s.reportedOut)) continue;
      s.reportedIn = s.in;
      s.reportedOut = s.out;
      emit({ event: "data", time: now(), id: s.id, in: s.in, out: s.out });
    }
  }, options.dataIntervalMs ?? DATA_INTERVAL_MS);

  async function serve(
    conn: Conn,
    id: number,
    started: number,
    peerAddr: NetAddr,
    peer: EndpointJson,
    local: EndpointJson,
  ): Promise<boolean> {
    const accepted = await acceptProxy(conn, acceptOptions);
    if (!accepted.ok) {
      const error = accepted.reason === "invalid" ? accepted.error : undefined;
      emit({
        event: "reject",
        time: now(),
        id,
        peer,
        reason: accepted.reason,
        code: error?.code ?? null,
        message: stopping && accepted.reason === "closed"
          ? "the listener stopped before a complete header"
          : rejectMessage(accepted.reason, peerAddr, options, accepted),
        offset: error?.offset ?? null,
        afterMs: accepted.afterMs,
        received: accepted.received,
      });
      return false;
    }
    const header = accepted.header;
    const capped = header === null ? null : capHeader(header);
    emit({
      event: "header",
      time: now(),
      id,
      peer,
      headerMs: accepted.headerMs,
      untrusted: accepted.untrusted,
      header: capped === null ? null : headerToJson(capped.header),
      ...(capped?.omitted ? { tlvsOmitted: capped.omitted } : {}),
    }, { header: capped?.header ?? null });

    const session: Session = {
      id,
      conn: accepted.conn,
      in: 0,
      out: 0,
      reportedIn: 0,
      reportedOut: 0,
      open: true,
    };
    const reply = mode === ListenMode.REPLY_INFO
      ? encoder.encode(`${JSON.stringify(replyInfo(peer, local, header))}\n`)
      : null;
    // Not awaited: the header's objects and this frame are let go while the payload flows, so an
    // idle connection holds only its session.
    return pump(session, reply, started);
  }

  // The payload phase of a connection: echo, discard or stdin, then the close event.
  async function pump(session: Session, reply: Uint8Array | null, started: number) {
    const { id, conn: c } = session;
    sessions.add(session);
    if (mode === ListenMode.STDIN && inputEnded) void c.closeWrite().catch(() => {});
    let error: string | null = null;
    try {
      if (reply !== null) {
        await c.write(reply);
        session.out += reply.length;
      }
      const echo = mode === ListenMode.ECHO || mode === ListenMode.REPLY_INFO;
      // Zero-copy where the transport offers it (Bun): each chunk is echoed as it came. Else one
      // buffer, reused, sized to the traffic: small while idle.
      let buf = c.readChunk === undefined ? new Uint8Array(READ_SIZE_MIN) : null;
      for (;;) {
        let chunk: Uint8Array;
        if (buf === null) {
          const next = await c.readChunk!();
          if (next === null) break;
          chunk = next;
        } else {
          const n = await c.read(buf);
          if (n === null) break;
          chunk = buf.subarray(0, n);
        }
        const n = chunk.length;
        const offset = session.in;
        session.in += n;
        if (options.hexdump || options.text) {
          const shown = options.wantsDetail?.() === false
            ? {}
            : options.hexdump
            ? { hex: toHex(chunk) }
            : { text: utf8.decode(chunk) };
          emit(
            { event: "data", time: now(), id, in: session.in, out: session.out, ...shown },
            { bytes: chunk, offset },
          );
        }
        if (echo) {
          await c.write(chunk);
          session.out += n;
        }
        // The chunk has been used: the buffer may be replaced or reused.
        if (buf !== null) {
          const size = nextReadSize(buf.length, n);
          if (size !== buf.length) buf = new Uint8Array(size);
        }
      }
      if (echo && !stopping) await c.closeWrite();
    } catch (e) {
      if (!stopping) error = errorCode(e);
    } finally {
      session.open = false;
      sessions.delete(session);
      c.close();
    }
    emit({
      event: "close",
      time: now(),
      id,
      in: session.in,
      out: session.out,
      durationMs: Math.round(performance.now() - started),
      error,
    });
    return true;
  }

  function handle(conn: Conn): void {
    const id = ++nextId;
    const started = performance.now();
    const peerAddr = conn.remoteAddr;
    const peer = endpointJson(peerAddr);
    const local = endpointJson(conn.localAddr);
    emit({ event: "accept", time: now(), id, peer, local });
    if (max > 0 && conns.size >= max) {
      conn.close();
      emit({
        event: "reject",
        time: now(),
        id,
        peer,
        reason: "capacity",
        code: null,
        message: rejectMessage("capacity", peerAddr, options),
        offset: null,
        afterMs: Math.round(performance.now() - started),
        received: 0,
      });
      return;
    }
    conns.add(conn);
    const ended = (ok: boolean) => {
      if (id === 1) firstOk = ok;
      conn.close();
      conns.delete(conn);
      tasks.delete(task);
      if (options.once && !stopping) void end("once");
    };
    const task: Promise<void> = serve(conn, id, started, peerAddr, peer, local).then(ended, (e) => {
      diagnose(`connection #${id}: internal error: ${e instanceof Error ? e.message : e}`);
      ended(false);
    });
    tasks.add(task);
  }

  let ended: Promise<void> | null = null;
  function end(reason: ListenEnd["reason"]): Promise<void> {
    if (ended !== null) return ended;
    stopping = true;
    listener.close();
    clearInterval(interval);
    ended = (async () => {
      if (reason === "stopped") { for (const conn of conns) conn.close(); }
      const all = Promise.all([...tasks]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS)))]);
      clearTimeout(timer);
      await accepting;
      finish({ reason, ok: reason === "once" ? firstOk ?? false : null });
    })();
    return ended;
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Conn | null;
      try {
        conn = await listener.accept();
      } catch (e) {
        // accept() skips per-connection failures and backs off on its own; anything else ends it.
        if (!stopping) diagnose(e instanceof Error ? e.message : String(e));
        return;
      }
      if (conn === null) return;
      if (stopping) {
        conn.close();
        return;
      }
      handle(conn);
      if (options.once) {
        listener.close();
        return;
      }
    }
  })();

  async function broadcast(bytes: Uint8Array): Promise<void> {
    if (mode !== ListenMode.STDIN) return;
    await Promise.all([...sessions].map(async (s) => {
      try {
        await s.conn.write(bytes);
        s.out += bytes.length;
      } catch {
        // the connection's own read loop reports how it ended
      }
    }));
  }

  function endInput(): void {
    if (mode !== ListenMode.STDIN || inputEnded) return;
    inputEnded = true;
    for (const s of sessions) void s.conn.closeWrite().catch(() => {});
  }

  return {
    addr: listener.addr,
    stop: () => end("stopped"),
    done,
    broadcast,
    endInput,
  };
}

function replyInfo(peer: EndpointJson, local: EndpointJson, header: ProxyHeader | null) {
  return { peer, local, header: header === null ? null : headerToJson(header) };
}

function serveDatagrams(
  socket: DatagramSocket,
  options: ListenOptions,
  emit: Emit,
  diagnose: (message: string) => void,
): ListenServer {
  const mode = options.mode ?? ListenMode.ECHO;
  let stopping = false;
  let finish: (end: ListenEnd) => void = () => {};
  const done = new Promise<ListenEnd>((resolve) => (finish = resolve));
  const local = endpointJson(socket.addr);
  let warnedAmplification = false;

  // §2: "the receiver MUST parse the header independently for each received datagram".
  async function onDatagram(data: Uint8Array, from: NetAddr, id: number): Promise<boolean> {
    const peer = endpointJson(from);
    const hostname = from.transport === "unix" ? "" : from.hostname;
    const trusted = !options.trust || cidrContains(options.trust, hostname);
    const reject = (event: Omit<RejectEvent, "event" | "time" | "id" | "peer" | "afterMs">) => {
      emit({ event: "reject", time: now(), id, peer, afterMs: 0, ...event });
      return false;
    };
    let header: ProxyHeader | null = null;
    let payloadAt = 0;
    if (!trusted && !options.optional) {
      return reject({
        reason: "untrusted",
        code: null,
        message: rejectMessage("untrusted", from, options),
        offset: null,
        received: data.length,
      });
    }
    if (trusted) {
      const step = createStreamDecoder({
        ...(options.versions === undefined ? {} : { versions: options.versions }),
        allowCrcMismatch: options.allowCrcMismatch ?? false,
      }).push(data);
      if (step.state === "done") {
        header = step.header;
        payloadAt = step.payloadOffset;
      } else {
        const error = step.state === "error"
          ? step.error
          : proxyError("TRUNCATED", "the datagram ends inside the header", data.length);
        if (!(options.optional && error.code === "NOT_PROXY")) {
          return reject({
            reason: "invalid",
            code: error.code,
            message: error.message,
            offset: error.offset,
            received: data.length,
          });
        }
      }
    }
    const payload = data.subarray(payloadAt);
    let out = 0;
    let withheld = 0;
    const to = from.transport === "unix" ? null : from;
    if (to !== null) {
      try {
        if (mode === ListenMode.REPLY_INFO) {
          const line = encoder.encode(`${JSON.stringify(replyInfo(peer, local, header))}\n`);
          // A UDP source is not proven: answering more bytes than came in would let anyone
          // aim our replies at a third party, amplified. Only a --trust peer gets more.
          const listed = !!options.trust && cidrContains(options.trust, hostname);
          if (listed || line.length + payload.length <= data.length) {
            await socket.send(line, to);
            out += line.length;
          } else {
            withheld = line.length;
            if (!warnedAmplification) {
              warnedAmplification = true;
              diagnose(
                `--reply-info: a ${line.length}-byte reply to a ${data.length}-byte datagram is ` +
                  "sent only to peers in --trust (no amplification); withheld",
              );
            }
          }
        }
        if (mode !== ListenMode.DISCARD && payload.length > 0) {
          await socket.send(payload, to);
          out += payload.length;
        }
      } catch (e) {
        if (!stopping) diagnose(`datagram #${id}: ${e instanceof Error ? e.message : e}`);
      }
    }
    const capped = header === null ? null : capHeader(header);
    emit({
      event: "datagram",
      time: now(),
      id,
      peer,
      length: data.length,
      untrusted: !trusted,
      header: capped === null ? null : headerToJson(capped.header, payload.length),
      payload: payload.length,
      out,
      ...(options.hexdump ? { hex: toHex(payload) } : {}),
      ...(options.text && !options.hexdump ? { text: utf8.decode(payload) } : {}),
      ...(capped?.omitted ? { tlvsOmitted: capped.omitted } : {}),
      ...(withheld > 0 ? { withheld } : {}),
    }, { header: capped?.header ?? null, bytes: payload });
    return true;
  }

  let ended: Promise<void> | null = null;
  let firstOk: boolean | null = null;
  function end(reason: ListenEnd["reason"]): Promise<void> {
    if (ended !== null) return ended;
    stopping = true;
    socket.close();
    ended = (async () => {
      await receiving;
      finish({ reason, ok: reason === "once" ? firstOk ?? false : null });
    })();
    return ended;
  }

  let lastDiagnostic = 0;
  const receiving = (async () => {
    const buf = new Uint8Array(DATAGRAM_BUFFER_SIZE);
    let id = 0;
    for (;;) {
      let datagram;
      try {
        datagram = await socket.receive(buf);
      } catch (e) {
        if (stopping) return;
        const t = performance.now();
        if (t - lastDiagnostic >= 1000) {
          lastDiagnostic = t;
          diagnose(e instanceof Error ? e.message : String(e));
        }
        await sleep(ACCEPT_BACKOFF_MS);
        continue;
      }
      if (datagram === null || stopping) return;
      id++;
      let ok: boolean;
      try {
        ok = await onDatagram(datagram.data, datagram.remoteAddr, id);
      } catch (e) {
        ok = false;
        diagnose(`datagram #${id}: internal error: ${e instanceof Error ? e.message : e}`);
      }
      if (options.once) {
        firstOk = ok;
        void end("once");
        return;
      }
    }
  })();

  return {
    addr: socket.addr,
    stop: () => end("stopped"),
    done,
    broadcast: () => Promise.resolve(),
    endInput: () => {},
  };
}
