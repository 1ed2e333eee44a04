/**
 * `ppcat send --udp`: every payload chunk goes out as one datagram with its own header in
 * front (§2: "the PROXY protocol header and the proxied UDP payload MUST be sent in the same
 * datagram. The sender MUST NOT split the PROXY protocol header across multiple UDP
 * datagrams"). Replies from TARGET are written to stdout as they come, until none came for the
 * reply wait after the end of input.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { canonicalAddress } from "../lib/address.ts";
import {
  DATAGRAM_BUFFER_SIZE,
  type DatagramSocket,
  formatAddr,
  getTransport,
  type InetAddr,
  toTransportError,
  TransportError,
} from "../lib/transport.ts";
import { ExitCode, reportUsage } from "./exit.ts";
import { headerForPlan } from "./send_header.ts";
import type { SendPlan } from "./send_options.ts";
import { errorLine, exitCodeFor } from "./send_report.ts";
import { idleTimeoutMs, IdleTimer, Session } from "./send_session.ts";
import { payloadSource } from "./send_stdin.ts";

/** The address to bind for sending to `ip`: the same loopback address, else the wildcard. */
function bindAddressFor(ip: string, family: 4 | 6): string {
  if (family === 4) return ip.startsWith("127.") ? ip : "0.0.0.0";
  return ip === "::1" ? ip : "::";
}

async function resolve(hostname: string): Promise<{ ip: string; family: 4 | 6 } | null> {
  const literal = canonicalAddress(hostname);
  if (literal !== null) return { ip: literal.address, family: literal.family };
  try {
    const r = await lookup(hostname);
    const found = canonicalAddress(r.address);
    return found === null ? null : { ip: found.address, family: found.family };
  } catch {
    return null;
  }
}

function sameHost(a: string, b: string): boolean {
  return (canonicalAddress(a)?.address ?? a) === (canonicalAddress(b)?.address ?? b);
}

/**
 * Runs the datagram side of `ppcat send` (see the module doc); returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getTransport } from "../lib/transport.ts";
 * import { memoryIo, setIo } from "./io.ts";
 * import { parseSendArgs } from "./send_options.ts";
 * import { Session } from "./send_session.ts";
 * import { runDatagrams } from "./send_udp.ts";
 * const receiver = await getTransport().listenDatagram({ hostname: "127.0.0.1", port: 0 });
 * const args = [`127.0.0.1:${receiver.addr.port}`, "--udp", "--v2", "--local", "--data", "x"];
 * const parsed = parseSendArgs([...args, "--close-on-eof"]);
 * assert.ok(parsed.kind === "run");
 * const restore = setIo(memoryIo());
 * try {
 *   const session = new Session("", { verbose: false, json: false });
 *   assert.equal(await runDatagrams(parsed.config, session), 0);
 * } finally {
 *   restore();
 * }
 * const got = await receiver.receive();
 * assert.equal(got?.data.length, 16 + 1); // LOCAL header, then the payload, in one datagram
 * receiver.close();
 * ```
 */
export async function runDatagrams(plan: SendPlan, session: Session): Promise<number> {
  session.datagram = true;
  const target = plan.target;
  if (target.kind !== "inet") throw new Error("--udp needs HOST:PORT"); // parseSendArgs ensures it
  const targetText = formatAddr(target);
  const resolved = await resolve(target.hostname);
  if (resolved === null) {
    return session.finish("error", ExitCode.CONNECT_FAILED, {
      code: "NOT_FOUND",
      message: `resolve ${targetText}: not found`,
    });
  }
  const remote: InetAddr = { transport: "udp", hostname: resolved.ip, port: target.port };
  const remoteText = formatAddr(remote);

  let socket: DatagramSocket;
  try {
    socket = await getTransport().listenDatagram({
      hostname: bindAddressFor(resolved.ip, resolved.family),
      port: 0,
    });
  } catch (e) {
    const error = toTransportError(e, "listen", "udp");
    return session.finish("error", exitCodeFor(error), {
      code: error.code,
      message: errorLine(error),
    });
  }
  session.connect(socket.addr, remote, "sending datagrams to");

  const built = headerForPlan(plan, { local: socket.addr, remote });
  if (!built.ok) {
    socket.close();
    return reportUsage("send", built.message);
  }
  const header = built.value;
  session.header = header;
  if (header !== null) session.showHeader(header, [header.length], 0);
  else session.event("no header sent (--no-header)");

  const source = payloadSource(plan);
  let failure: TransportError | null = null;
  let waitOver = false;
  const idle = new IdleTimer(idleTimeoutMs(plan, source), () => {
    waitOver = true;
    session.event(`no reply for ${(idle.ms ?? 0) / 1000} s: done`);
    socket.close();
  });

  const receiver = (async () => {
    const buf = new Uint8Array(DATAGRAM_BUFFER_SIZE);
    try {
      for (;;) {
        const d = await socket.receive(buf);
        if (d === null) return;
        const from = d.remoteAddr;
        if (from.port !== remote.port || !sameHost(from.hostname, remote.hostname)) {
          session.event(`ignored a datagram from ${formatAddr(from)} (${d.data.length} bytes)`);
          continue;
        }
        session.datagramsReceived++;
        session.event(`reply ${session.datagramsReceived}: ${d.data.length} bytes`);
        // A lagging stdout stops our reads: the kernel drops what does not fit, not our memory.
        if (!session.output(d.data)) await session.drained();
        idle.touch();
      }
    } catch (e) {
      if (failure === null) failure = toTransportError(e, "receive", remoteText);
      socket.close();
    }
  })();

  const send = async (payload: Uint8Array | null): Promise<boolean> => {
    let datagram = payload ?? new Uint8Array(0);
    if (header !== null) {
      datagram = new Uint8Array(header.length + (payload?.length ?? 0));
      datagram.set(header);
      if (payload !== null) datagram.set(payload, header.length);
    }
    try {
      await socket.send(datagram, remote);
    } catch (e) {
      failure ??= toTransportError(e, "send", remoteText);
      return false;
    }
    session.sent += datagram.length;
    session.datagramsSent++;
    session.event(`datagram ${session.datagramsSent}: ${datagram.length} bytes`);
    return true;
  };

  try {
    let chunks = 0;
    for (;;) {
      const chunk = await source.next();
      if (chunk === null) break;
      chunks++;
      if (!(await send(chunk))) break;
    }
    // No payload at all: one datagram with the header alone.
    if (chunks === 0 && failure === null && header !== null) await send(null);

    if (failure === null) {
      if (plan.closeOnEof) {
        socket.close();
        session.event("end of input: closed (--close-on-eof)");
      } else {
        const wait = idle.ms === null ? "no timeout" : `${idle.ms / 1000} s`;
        session.event(`end of input: waiting for replies (${wait})`);
        idle.touch();
      }
    } else {
      socket.close();
    }
    await receiver;
  } finally {
    idle.stop();
    source.cancel();
    socket.close();
  }

  const error = failure as TransportError | null;
  if (error !== null) {
    return session.finish("error", exitCodeFor(error), {
      code: error.code,
      message: errorLine(error),
    });
  }
  if (plan.closeOnEof) return session.finish("local-close", ExitCode.OK);
  return session.finish(waitOver ? "timeout" : "local-close", ExitCode.OK);
}
