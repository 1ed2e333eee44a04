/**
 * `ppcat send`: connect, send a PROXY protocol header, then relay a payload and print what
 * comes back, like nc with a header in front. TCP, UNIX stream sockets, UDP, and TLS after the
 * header. The stream path lives here, the datagram path in cli/send_udp.ts.
 *
 * @module
 */

import { concatBytes } from "../lib/_bytes.ts";
import {
  type Conn,
  formatAddr,
  getTransport,
  toTransportError,
  TransportError,
} from "../lib/transport.ts";
import { ExitCode, reportParse, reportUsage } from "./exit.ts";
import { HEADER_FLAGS_HELP } from "./header_flags.ts";
import { headerForPlan } from "./send_header.ts";
import {
  DEFAULT_TIMEOUT_MS,
  parseSendArgs,
  SEND_FLAGS_HELP,
  type SendPlan,
  splitAt,
} from "./send_options.ts";
import { errorLine, exitCodeFor } from "./send_report.ts";
import { cancellableDelay, idleTimeoutMs, IdleTimer, Session } from "./send_session.ts";
import { payloadSource } from "./send_stdin.ts";
import { runDatagrams } from "./send_udp.ts";
import { transportTarget } from "./target.ts";

const COMMAND = "send";

/** Help text for `ppcat send`. */
export const HELP = `ppcat send - connect, send a PROXY protocol header, then relay a payload

USAGE
  ppcat send [HEADER FLAGS] [--data STR… | --file FILE] [FLAGS] TARGET

  TARGET is HOST:PORT, [IPV6]:PORT, HOST PORT (two arguments, as for nc), or a UNIX
  socket path (anything with a "/", or unix:PATH). ppcat connects, sends the header (version 2 unless --v1) in ONE write
  (§2: "the sender must always ensure that the header is sent at once"), then the
  payload: each --data value, the --file, or stdin (read as it comes from a
  terminal, like nc; a pipe is sent once it is closed). Everything received is
  written to stdout unchanged.

  The header is built after connecting. --src and --dst default to the socket's
  own ends, as HAProxy does: the source is our local address, the destination the
  address we connected to (an IPv4 end next to an IPv6 one is written IPv4-mapped,
  TCP6). On a UNIX socket without --src/--dst, version 2 sends UNIX_STREAM with the
  two paths (our unnamed client socket's path is "") and version 1 sends
  "PROXY UNKNOWN". --header-hex/--header-file send arbitrary bytes instead.

  End of input: ppcat half-closes (shuts down its write side; TLS: close_notify)
  and keeps reading until the peer closes; --close-on-eof closes at once instead;
  --linger TIME first keeps the write side open that long (nc -q), for receivers
  that drop a request once the client half-closes.
  -w/--timeout bounds the connect and any stretch with no byte either way, as nc
  -w does (default 10 s; none when stdin is a terminal; 0 disables the idle
  timeout). TIME is 10, 1.5, 500ms or 2m (a bare number is seconds).

  Received bytes are written to stdout at the pace stdout takes them: when the
  reader lags (a pager, a full pipe), ppcat stops reading and TCP slows the peer.

  --udp: every payload chunk (each --data, the file, stdin) is one datagram
  carrying its own header (§2: "the PROXY protocol header and the proxied UDP
  payload MUST be sent in the same datagram"); with no payload at all, one datagram
  carries the header alone. The header defaults to UDP4/UDP6, source = the bound
  socket (the loopback address for a loopback TARGET, else the wildcard address:
  give --src for a meaningful one). Replies from TARGET go to stdout until none
  came for --timeout seconds (default 2), which ends the run normally (exit 0).

  --tls starts a TLS handshake right after the header, as a TLS terminator behind
  a PROXY-speaking load balancer expects. Note --alpn is the ALPN *TLV* of the
  header; the ALPN offered in the handshake is --tls-alpn.

${HEADER_FLAGS_HELP}
${SEND_FLAGS_HELP}
OUTPUT
  stdout   the bytes received, raw (UDP: each reply datagram as is). With --json,
           one summary line instead (received bytes are counted, not printed):
           {"target","connected":{"local","remote"},"header":<decode --json form,
           {"hex":…} if it does not decode, or null>,"bytes":{"sent","received"},
           ["datagrams":{"sent","received"},] ["tls":{"alpn"},] "end":"closed-by-peer"|
           "reset"|"timeout"|"local-close"|"error","error":null|{"code","message"},
           "elapsedMs"}. bytes.sent counts the header too.
  stderr   one line per error; with -v, the header (hex dump and decoded) and the
           connection events, each line starting with "* ".

EXAMPLES
  ppcat send 127.0.0.1:8080 --data 'GET / HTTP/1.0\\r\\n\\r\\n'
  ppcat send -w 3 127.0.0.1 8080 < request.txt
  ppcat send --v1 --src 203.0.113.7:51000 --dst 192.0.2.10:25 mail.test:2525
  ppcat send --alpn h2 --authority example.com --crc32c -v [::1]:8443 < request.bin
  ppcat send --fragment 5,16 --fragment-delay 1000 -v 127.0.0.1:8080 --data ping
  ppcat send --header-hex 0d0a0d0a000d0a515549540a21 --timeout 3 127.0.0.1:8080
  ppcat send --tls --sni app.test --ca ca.pem --tls-alpn h2 127.0.0.1:8443
  ppcat send --udp --data 'query one' --data 'query two' 127.0.0.1:5353
  ppcat send --v1 /run/haproxy/pp.sock --data 'hello\\n'
  ppcat send 127.0.0.1:3128 --data 'GET http://a.test/ HTTP/1.1\\r\\nHost: a.test\\r\\n\\r\\n' --linger 5

EXIT STATUS
  0  done: the peer closed, --close-on-eof closed, or the UDP reply wait ended
  1  other failure (e.g. a datagram too large to send whole)
  2  usage error: bad flags, unreadable --file/--header-file/--ca/--ssl-client-cert,
     or header flags that do not describe a header (those that depend on the
     socket's addresses are found once connected: nothing is sent then)
  3  connect failure: refused, not found, unreachable
  4  the peer reset the connection
  5  timeout: connect, TLS handshake, or no byte either way for --timeout seconds
  6  TLS handshake failure
`;

/**
 * Runs `ppcat send` with the arguments after the subcommand name; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { run } from "./send.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * const mem = memoryIo();
 * const restore = setIo(mem);
 * const code = await run(["--v1", "--alpn", "h2", "127.0.0.1:9"]);
 * restore();
 * assert.equal(code, 2);
 * assert.match(mem.err(), /^ppcat send: --alpn: version 1 cannot carry TLVs/);
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseSendArgs(args);
  if (parsed.kind !== "run") return reportParse(COMMAND, HELP, parsed);
  const plan = parsed.config;
  const session = new Session(plan.targetText, { verbose: plan.verbose, json: plan.json });
  return plan.udp ? await runDatagrams(plan, session) : await runStream(plan, session);
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

type ReadEnd = { readonly kind: "eof" } | {
  readonly kind: "error";
  readonly error: TransportError;
};

const STOP = Symbol("stop");

async function runStream(plan: SendPlan, session: Session): Promise<number> {
  const t = getTransport();
  const target = plan.target;
  const where = transportTarget(target);
  const connectMs = plan.timeoutMs === null
    ? DEFAULT_TIMEOUT_MS
    : plan.timeoutMs === 0
    ? undefined
    : plan.timeoutMs;
  let conn: Conn;
  try {
    conn = await t.connect({
      ...where,
      ...(connectMs === undefined ? {} : { timeoutMs: connectMs }),
    });
  } catch (e) {
    const error = toTransportError(e, "connect", formatAddr(where));
    const end = error.code === "TIMEOUT" ? "timeout" : "error";
    return session.finish(end, exitCodeFor(error), { code: error.code, message: errorLine(error) });
  }
  session.connect(conn.localAddr, conn.remoteAddr);
  const remote = formatAddr(conn.remoteAddr);

  const built = headerForPlan(plan, { local: conn.localAddr, remote: conn.remoteAddr });
  if (!built.ok) {
    conn.close();
    session.event("closed: nothing sent");
    return reportUsage(COMMAND, built.message);
  }
  const header = built.value;
  session.header = header;

  const source = payloadSource(plan);
  let active: Conn = conn;
  let timedOut = false;
  let closedLocally = false;
  let failure: TransportError | null = null;
  let wakeExpired: () => void = () => {};
  const expired = new Promise<typeof STOP>((resolve) => (wakeExpired = () => resolve(STOP)));
  const idle = new IdleTimer(idleTimeoutMs(plan, source), () => {
    timedOut = true;
    session.event(`nothing sent or received for ${seconds(idle.ms ?? 0)}: closing`);
    active.close();
    wakeExpired();
  });

  let reader: Promise<ReadEnd> | null = null;
  const startReader = () => {
    const conn = active;
    reader = (async (): Promise<ReadEnd> => {
      const buf = new Uint8Array(65536);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) return { kind: "eof" };
          idle.touch();
          // stdout's pace is the peer's pace: a reader that lags stops our reads, and TCP
          // stops the peer, instead of memory growing.
          if (!session.output(buf.subarray(0, n))) {
            idle.stop(); // waiting for our own stdout is not the peer's idleness
            await session.drained();
            idle.touch();
          }
        }
      } catch (e) {
        const error = toTransportError(e, "read", remote);
        if (error.code === "TLS") {
          // rustls: "peer closed connection without sending TLS close_notify". The peer
          // closed; what it sent before arrived whole.
          session.event(`peer closed without a TLS close_notify (${errorLine(error)})`);
          return { kind: "eof" };
        }
        return { kind: "error", error };
      }
    })();
    return reader;
  };
  const readerEnded = () =>
    (reader ?? new Promise<ReadEnd>(() => {})).then((): typeof STOP => STOP);

  const write = async (bytes: Uint8Array): Promise<boolean> => {
    try {
      await active.write(bytes);
    } catch (e) {
      if (!timedOut && !closedLocally) failure = toTransportError(e, "write", remote);
      return false;
    }
    session.sent += bytes.length;
    idle.touch();
    return true;
  };

  try {
    idle.touch();
    // Without TLS the peer may answer (or close, or reset) while the header is still going
    // out in pieces: read from the start. With TLS, the handshake owns the socket first.
    if (plan.tls === null) startReader();

    let inputEnded = false;
    let first: Uint8Array | null = null;
    if (plan.sameWrite) {
      const next = await Promise.race([source.next(), expired, readerEnded()]);
      if (next === STOP) return await conclude();
      if (next === null) inputEnded = true;
      else first = next;
    }

    const pieces = header === null ? [] : splitAt(header, plan.fragments);
    if (header !== null) {
      session.showHeader(
        header,
        pieces.map((p) => p.length),
        plan.fragmentDelayMs,
      );
    }
    if (first !== null) {
      if (pieces.length === 0) pieces.push(first);
      else pieces.push(concatBytes([pieces.pop()!, first]));
      session.event(`first payload chunk (${first.length} bytes) in the header's last write`);
    }
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && plan.fragmentDelayMs > 0) {
        idle.stop(); // a deliberate pause is not idleness
        const pause = cancellableDelay(plan.fragmentDelayMs);
        const stop = await Promise.race([pause.done, readerEnded()]);
        pause.cancel();
        idle.touch();
        if (stop === STOP) return await conclude();
      }
      if (!(await write(pieces[i]!))) return await conclude();
    }
    if (header === null) session.event("no header sent (--no-header)");

    if (plan.tls !== null) {
      session.event("TLS handshake");
      const tls = plan.tls;
      const abort = new AbortController();
      const handshake = t.startTls(conn, {
        ...(tls.hostname === undefined ? {} : { hostname: tls.hostname }),
        ...(tls.alpn === undefined ? {} : { alpn: tls.alpn }),
        ...(tls.caCerts === undefined ? {} : { caCerts: tls.caCerts }),
        insecure: tls.insecure,
        signal: abort.signal,
      }).then((c) => ({ c }), (e: unknown) => ({ e }));
      const r = await Promise.race([handshake, expired]);
      if (r === STOP) {
        abort.abort(); // closes the connection: nothing is left pending
        return await conclude("tls");
      }
      if ("e" in r) {
        failure = toTransportError(r.e, "tls", remote);
        return await conclude();
      }
      active = r.c;
      session.alpn = r.c.alpnProtocol;
      session.event(`TLS established${r.c.alpnProtocol ? ` (ALPN ${r.c.alpnProtocol})` : ""}`);
      idle.touch();
      startReader();
    }

    while (!inputEnded) {
      const next = await Promise.race([source.next(), expired, readerEnded()]);
      if (next === STOP) return await conclude();
      if (next === null) {
        inputEnded = true;
        break;
      }
      if (next.length === 0) continue;
      if (!(await write(next))) return await conclude();
      session.event(`sent ${next.length} byte${next.length === 1 ? "" : "s"}`);
    }

    if (plan.lingerMs > 0) {
      // Some receivers drop a request whose client half-closed (squid with
      // half_closed_clients off): keep writing possible for a while, as nc -q does.
      session.event(`end of input: write side kept open for ${seconds(plan.lingerMs)} (--linger)`);
      idle.stop(); // a deliberate wait is not idleness
      const pause = cancellableDelay(plan.lingerMs);
      const stop = await Promise.race([pause.done, readerEnded(), expired]);
      pause.cancel();
      idle.touch();
      if (stop === STOP) return await conclude();
    }
    if (plan.closeOnEof) {
      closedLocally = true;
      active.close();
      session.event("end of input: closed (--close-on-eof)");
    } else {
      try {
        await active.closeWrite();
        session.event("end of input: half-closed; reading until the peer closes");
      } catch (e) {
        if (!timedOut) failure = toTransportError(e, "write", remote);
      }
    }
    return await conclude();
  } finally {
    idle.stop();
    source.cancel();
    active.close();
  }

  /** Waits for the reader, then reports how the session ended. */
  async function conclude(phase?: "tls"): Promise<number> {
    if (failure !== null || timedOut) active.close();
    const ended = reader === null ? null : await reader;
    idle.stop();
    if (timedOut) {
      const ms = idle.ms ?? 0;
      const message = phase === "tls"
        ? `tls ${remote}: timed out (no handshake within ${seconds(ms)})`
        : `idle ${remote}: timed out (nothing sent or received for ${seconds(ms)})`;
      return session.finish("timeout", ExitCode.TIMEOUT, { code: "TIMEOUT", message });
    }
    const error = failure ?? (ended?.kind === "error" ? ended.error : null);
    if (error !== null) {
      if (error.code === "RESET") session.event("connection reset by peer");
      const end = error.code === "RESET" ? "reset" : error.code === "TIMEOUT" ? "timeout" : "error";
      return session.finish(end, exitCodeFor(error), {
        code: error.code,
        message: errorLine(error),
      });
    }
    if (closedLocally) return session.finish("local-close", ExitCode.OK);
    session.event("peer closed");
    return session.finish("closed-by-peer", ExitCode.OK);
  }
}
