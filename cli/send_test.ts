// `ppcat send` against in-test receivers (lib/transport.ts + lib/server.ts acceptProxy, node:net
// for a reset, node:tls for TLS). Runs unchanged under `deno test -A cli/send_test.ts` and
// `bun test cli/send_test.ts`. Loopback only; every test is bounded and closes what it opens.
// Expectations come from the receiving side (its own view of the socket, the lib decoder) or are
// written out by hand, never from the sending code.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { decodeHeader } from "../lib/decode.ts";
import type { ProxyHeader } from "../lib/header.ts";
import { acceptProxy } from "../lib/server.ts";
import { describeTlv } from "../lib/tlv.ts";
import { type Conn, getTransport, type NetAddr, type Target } from "../lib/transport.ts";
import { concatBytes } from "../lib/_bytes.ts";
import { duplexOver } from "../lib/_conn_duplex.ts";
import { bounded } from "../lib/_testing.ts";
import {
  closedPort,
  ipv6Skip,
  itLeavesNoSocketOpen,
  makeTestCertificates,
  openSockets,
  TLS_SKIP,
  UDP_SKIP,
} from "../lib/_socket_testing.ts";
import { cliArgv, type CliRun, hexBytes, runCli, spawnCli, textBytes } from "./_testing.ts";
import { rssBytes, spawnPpcat } from "./_spawn_testing.ts";
import { type Io, memoryIo, nodeIo, setIo } from "./io.ts";
import { main } from "./main.ts";

const t = getTransport();
const dec = new TextDecoder();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** One line on stderr, no stack trace. */
function assertOneLine(err: string, pattern: RegExp): void {
  assert.match(err.replace(/\n$/, ""), pattern);
  assert.equal(err.split("\n").length, 2, `expected one line, got ${JSON.stringify(err)}`);
  assert.doesNotMatch(err, /^\s+at /m);
}

/**
 * Runs `ppcat send` in-process with stdin that yields `stdin` only after `delayMs` (a slow
 * pipe); the timer is cleared afterwards so nothing outlives the test.
 */
async function runWithSlowStdin(argv: string[], stdin: string, delayMs: number) {
  const mem = memoryIo({ stdin });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const io: Io = {
    ...mem,
    stdinReader() {
      const inner = mem.stdinReader();
      return {
        read: () =>
          new Promise((resolve) => {
            timer = setTimeout(() => resolve(inner.read()), delayMs);
          }),
        cancel: () => inner.cancel(),
      };
    },
  };
  const restore = setIo(io);
  const started = Date.now();
  try {
    const code = await main(["send", ...argv]);
    return { code, out: mem.out(), err: mem.err(), ms: Date.now() - started };
  } finally {
    restore();
    clearTimeout(timer);
  }
}

/** What the receiver saw on its one connection. */
interface Seen {
  /** The decoded header (proxy mode), null in raw mode. */
  header: ProxyHeader | null;
  /** acceptProxy's reason when it refused the connection. */
  rejected: string | null;
  /** The client's end as the receiver's socket reports it. */
  peer: NetAddr;
  /** The receiver's end. */
  local: NetAddr;
  /** Each read, in order (raw mode: the header too). */
  chunks: Uint8Array[];
  /** Whether the client's EOF (half-close or close) was read. */
  eof: boolean;
}

interface ServeOptions {
  /** Where to listen (default 127.0.0.1, any port). */
  listen?: Target;
  /** Decode the header with acceptProxy (default), or read everything raw. */
  raw?: boolean;
  /** Written back after the client's EOF, before closing. */
  reply?: Uint8Array;
  /** Keep the connection open after the client's EOF (until close()). */
  keepOpen?: boolean;
}

interface Server {
  /** TARGET for ppcat send. */
  target: string;
  seen: Promise<Seen>;
  close(): void;
}

/** A receiver for one connection, built on lib/transport.ts and lib/server.ts. */
async function serve(options: ServeOptions = {}): Promise<Server> {
  const listener = await t.listen(options.listen ?? { hostname: "127.0.0.1", port: 0 });
  const addr = listener.addr;
  const target = addr.transport === "unix"
    ? addr.path
    : addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
  const open: Conn[] = [];
  const seen = (async (): Promise<Seen> => {
    const accepted = await listener.accept();
    assert.ok(accepted !== null, "no connection");
    open.push(accepted);
    const result: Seen = {
      header: null,
      rejected: null,
      peer: accepted.remoteAddr,
      local: accepted.localAddr,
      chunks: [],
      eof: false,
    };
    let conn = accepted;
    if (!options.raw) {
      const a = await acceptProxy(accepted, { headerTimeoutMs: 5000 });
      if (!a.ok) {
        result.rejected = `${a.reason}${a.error ? ` ${a.error.code}` : ""}`;
        return result;
      }
      result.header = a.header;
      conn = a.conn;
      open.push(conn);
    }
    const buf = new Uint8Array(65536);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        result.chunks.push(buf.slice(0, n));
      }
      result.eof = true;
      if (options.reply) await conn.write(options.reply);
    } catch {
      // the client went away: what was seen so far stands
    }
    if (!options.keepOpen) conn.close();
    return result;
  })();
  return {
    target,
    seen,
    close() {
      listener.close();
      for (const c of open) c.close();
    },
  };
}

/**
 * Runs `ppcat send` against a fresh receiver; returns both sides. `argv`: the flags after the
 * receiver's TARGET, or the whole command line made from it.
 */
async function exchange(
  argv: string[] | ((target: string) => string[]),
  options: ServeOptions & { stdin?: string | Uint8Array; files?: Record<string, Uint8Array> } = {},
): Promise<{ run: CliRun; seen: Seen }> {
  const server = await serve(options);
  try {
    const args = typeof argv === "function" ? argv(server.target) : [server.target, ...argv];
    const run = await runCli(["send", ...args], {
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      ...(options.files === undefined ? {} : { files: options.files }),
    });
    const seen = await server.seen;
    return { run, seen };
  } finally {
    server.close();
  }
}

function payloadOf(seen: Seen): string {
  return dec.decode(concatBytes(seen.chunks));
}

function inet(addr: NetAddr): { address: string; port: number } {
  assert.ok(addr.transport !== "unix");
  return { address: addr.hostname, port: addr.port };
}

const socketsAtStart = openSockets();
const IPV6_SKIP = await ipv6Skip();

describe(`ppcat send over TCP (${t.name})`, () => {
  it("v2 by default, addresses = the socket's real ends, payload after it", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(["--data", "hello"]);
      assert.equal(run.err, "");
      assert.equal(run.code, 0);
      const h = seen.header;
      assert.ok(h !== null, seen.rejected ?? "no header");
      assert.equal(h.version, 2);
      assert.equal(h.command, "PROXY");
      assert.equal(h.protocol, "TCP4");
      assert.equal(h.headerLength, 28);
      // src = the sender's local address = what the receiver sees as its peer; dst = the receiver
      assert.deepEqual(h.source, inet(seen.peer));
      assert.deepEqual(h.destination, inet(seen.local));
      assert.equal(payloadOf(seen), "hello");
      assert.ok(seen.eof);
    }));

  it("HOST PORT as two arguments, as nc takes them; -w is the timeout", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange((target) => {
        const colon = target.lastIndexOf(":");
        return ["-w", "3", target.slice(0, colon), target.slice(colon + 1), "--data", "hi"];
      });
      assert.equal(run.code, 0, run.err);
      assert.equal(run.err, "");
      assert.deepEqual(seen.header?.destination, inet(seen.local));
      assert.equal(payloadOf(seen), "hi");
    }));

  it("--v1: the text line with the real ends", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(["--v1", "--data", "x"], { raw: true });
      assert.equal(run.code, 0, run.err);
      const peer = inet(seen.peer);
      const local = inet(seen.local);
      assert.equal(
        payloadOf(seen),
        `PROXY TCP4 ${peer.address} ${local.address} ${peer.port} ${local.port}\r\nx`,
      );
    }));

  it("--local: LOCAL command, no addresses; --unknown: UNSPEC (v2) and UNKNOWN (v1)", () =>
    bounded(5000, async () => {
      const local = await exchange(["--local", "--data", "a"]);
      assert.equal(local.run.code, 0, local.run.err);
      assert.equal(local.seen.header?.command, "LOCAL");
      assert.equal(local.seen.header?.protocol, "UNSPEC");
      assert.equal(local.seen.header?.source, null);
      assert.equal(payloadOf(local.seen), "a");

      const unspec = await exchange(["--unknown", "--data", "b"]);
      assert.equal(unspec.run.code, 0, unspec.run.err);
      assert.equal(unspec.seen.header?.command, "PROXY");
      assert.equal(unspec.seen.header?.protocol, "UNSPEC");
      assert.equal(unspec.seen.header?.destination, null);

      const v1 = await exchange(["--v1", "--unknown", "--data", "c"], { raw: true });
      assert.equal(v1.run.code, 0, v1.run.err);
      assert.equal(payloadOf(v1.seen), "PROXY UNKNOWN\r\nc");
    }));

  it("explicit --src/--dst win over the socket's ends", () =>
    bounded(5000, async () => {
      const ends = ["--src", "[2001:db8::1]:56324", "--dst", "[2001:db8::11]:443"];
      const { run, seen } = await exchange([...ends, "--data", ""]);
      assert.equal(run.code, 0, run.err);
      assert.equal(seen.header?.protocol, "TCP6");
      assert.deepEqual(seen.header?.source, { address: "2001:db8::1", port: 56324 });
      assert.deepEqual(seen.header?.destination, { address: "2001:db8::11", port: 443 });
      assert.equal(seen.chunks.length, 0); // --data '' is no payload at all
    }));

  it("every TLV flag arrives, decoded by the receiver; --crc32c is valid", () =>
    bounded(5000, async () => {
      const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);
      const { run, seen } = await exchange([
        "--alpn",
        "h2",
        "--authority",
        "example.com",
        "--unique-id",
        "req-42",
        "--netns",
        "ns1",
        "--noop",
        "3",
        "--ssl-version",
        "TLSv1.3",
        "--ssl-cn",
        "client.example",
        "--ssl-cipher",
        "TLS_AES_128_GCM_SHA256",
        "--ssl-sig-alg",
        "SHA256",
        "--ssl-key-alg",
        "EC256",
        "--ssl-group",
        "X25519",
        "--ssl-sig-scheme",
        "ecdsa_secp256r1_sha256",
        "--ssl-client-cert",
        "client.der",
        "--ssl-verify",
        "0",
        "--ssl-client",
        "7",
        "--aws-vpce",
        "vpce-0abc",
        "--azure-linkid",
        "1",
        "--gcp-psc",
        "258",
        "--tlv",
        "0xf0=0xdead",
        "--tlv",
        "229=hello",
        "--crc32c",
        "--data",
        "after",
      ], { files: { "client.der": der } });
      assert.equal(run.code, 0, run.err);
      const h = seen.header;
      assert.ok(h !== null, seen.rejected ?? "no header");
      assert.equal(h.crc32c, "valid");
      const ascii = (s: string) => hex(textBytes(s));
      const byType = new Map(h.tlvs.map((tlv) => [tlv.type, hex(tlv.value)]));
      assert.equal(byType.get(0x01), ascii("h2"));
      assert.equal(byType.get(0x02), ascii("example.com"));
      assert.equal(byType.get(0x04), "000000");
      assert.equal(byType.get(0x05), ascii("req-42"));
      assert.equal(byType.get(0x30), ascii("ns1"));
      assert.equal(byType.get(0xe0), "0000000000000102"); // 258, uint64 big-endian
      assert.equal(byType.get(0xea), `01${ascii("vpce-0abc")}`);
      assert.equal(byType.get(0xee), "0101000000"); // subtype 1, uint32 little-endian
      assert.equal(byType.get(0xf0), "dead");
      assert.equal(byType.get(0xe5), ascii("hello"));
      assert.ok(byType.has(0x03), "CRC32C TLV");
      const ssl = h.tlvs.find((tlv) => tlv.type === 0x20);
      assert.ok(ssl !== undefined, "SSL TLV");
      assert.equal(hex(ssl.value.subarray(0, 5)), "0700000000"); // client 7, verify 0
      const subs = (describeTlv(ssl).value as { tlvs: { type: number; hex: string }[] }).tlvs
        .map((s) => [s.type, s.hex]).sort((a, b) => Number(a[0]) - Number(b[0]));
      assert.deepEqual(subs, [
        [0x21, ascii("TLSv1.3")],
        [0x22, ascii("client.example")],
        [0x23, ascii("TLS_AES_128_GCM_SHA256")],
        [0x24, ascii("SHA256")],
        [0x25, ascii("EC256")],
        [0x26, ascii("X25519")],
        [0x27, ascii("ecdsa_secp256r1_sha256")],
        [0x28, hex(der)],
      ]);
      assert.equal(payloadOf(seen), "after");
    }));

  it("--header-hex goes out verbatim (even when it is not a valid header)", () =>
    bounded(5000, async () => {
      // v2 signature, then version 3: invalid on purpose
      const broken = "0d0a0d0a000d0a515549540a 31 11 000c";
      const { run, seen } = await exchange(
        ["--header-hex", broken, "--data", "tail", "--json"],
        { raw: true },
      );
      assert.equal(run.code, 0, run.err);
      assert.deepEqual(
        concatBytes(seen.chunks),
        concatBytes([hexBytes(broken), textBytes("tail")]),
      );
      const summary = JSON.parse(run.out);
      assert.deepEqual(summary.header, { hex: "0d0a0d0a000d0a515549540a3111000c" });
    }));

  it("--header-file and --no-header", () =>
    bounded(5000, async () => {
      const file = await exchange(
        ["--header-file", "h.bin", "--data", "!"],
        { raw: true, files: { "h.bin": textBytes("PROXY UNKNOWN\r\n") } },
      );
      assert.equal(file.run.code, 0, file.run.err);
      assert.equal(payloadOf(file.seen), "PROXY UNKNOWN\r\n!");

      const none = await exchange(["--no-header", "--data", "only"], { raw: true });
      assert.equal(none.run.code, 0, none.run.err);
      assert.equal(payloadOf(none.seen), "only");
    }));

  it("--fragment: each piece is a separate read at the receiver", () =>
    bounded(8000, async () => {
      const { run, seen } = await exchange(
        ["--fragment", "5,16", "--fragment-delay", "150", "--data", ""],
        { raw: true },
      );
      assert.equal(run.code, 0, run.err);
      assert.deepEqual(seen.chunks.map((c) => c.length), [5, 11, 12]); // a 28-byte TCP4 header
      assert.equal(hex(seen.chunks[0]!), "0d0a0d0a00");
      const decoded = decodeHeader(concatBytes(seen.chunks));
      assert.ok(decoded.ok && decoded.value.headerLength === 28);
    }));

  it("--fragment is also accepted by a tolerant receiver (acceptProxy)", () =>
    bounded(8000, async () => {
      const argv = ["--v1", "--fragment", "1,6,20", "--fragment-delay", "30", "--data", "p"];
      const { run, seen } = await exchange(argv);
      assert.equal(run.code, 0, run.err);
      assert.equal(seen.header?.protocol, "TCP4");
      assert.equal(payloadOf(seen), "p");
    }));

  it("the header goes out at once; --same-write holds it for the first payload chunk", () =>
    bounded(8000, async () => {
      // stdin that takes 300 ms: without --same-write the header arrives alone first
      for (const sameWrite of [false, true]) {
        const server = await serve({ raw: true });
        try {
          const argv = [server.target, ...(sameWrite ? ["--same-write"] : [])];
          const r = await runWithSlowStdin(argv, "ping", 300);
          const seen = await server.seen;
          assert.equal(r.code, 0, r.err);
          assert.deepEqual(seen.chunks.map((c) => c.length), sameWrite ? [28 + 4] : [28, 4]);
          assert.equal(dec.decode(concatBytes(seen.chunks).subarray(28)), "ping");
        } finally {
          server.close();
        }
      }
    }));

  it("the peer closing while we wait for input ends the run at once (like nc)", () =>
    bounded(5000, async () => {
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as { port: number }).port;
      const serverSide = (async () => {
        const a = await acceptProxy((await listener.accept())!);
        assert.ok(a.ok);
        await a.conn.write(textBytes("bye\n"));
        a.conn.close();
      })();
      try {
        const r = await runWithSlowStdin([`127.0.0.1:${port}`, "--json"], "never sent", 3000);
        await serverSide;
        assert.equal(r.code, 0, r.err);
        assert.ok(r.ms < 2000, `waited ${r.ms} ms for stdin after the peer closed`);
        const summary = JSON.parse(r.out);
        assert.equal(summary.end, "closed-by-peer");
        assert.deepEqual(summary.bytes, { sent: 28, received: 4 });
      } finally {
        listener.close();
      }
    }));

  it("a --fragment offset outside the built header: exit 2, nothing sent", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(["--fragment", "28"], { raw: true });
      assert.equal(run.code, 2);
      assert.match(run.err, /^ppcat send: --fragment: offset 28 is not inside the 28-byte header/);
      assert.equal(seen.chunks.length, 0);
    }));

  it("--data escapes, several --data values, --file, stdin", () =>
    bounded(8000, async () => {
      const esc = await exchange(["--data", "a\\r\\n\\t\\\\\\x00\\xffé", "--data", "Z"]);
      assert.equal(esc.run.code, 0, esc.run.err);
      assert.deepEqual(
        [...concatBytes(esc.seen.chunks)],
        [0x61, 0x0d, 0x0a, 0x09, 0x5c, 0x00, 0xff, 0xc3, 0xa9, 0x5a],
      );

      const bytes = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
      const file = await exchange(["--file", "p.bin"], {
        files: { "p.bin": bytes },
      });
      assert.equal(file.run.code, 0, file.run.err);
      assert.deepEqual(concatBytes(file.seen.chunks), bytes);
      assert.equal(file.run.stdinRead, false);

      const stdin = await exchange([], { stdin: "from stdin\n" });
      assert.equal(stdin.run.code, 0, stdin.run.err);
      assert.equal(stdin.run.stdinRead, true);
      assert.equal(payloadOf(stdin.seen), "from stdin\n");
    }));

  it("received bytes go to stdout byte for byte; half-close is seen before the reply", () =>
    bounded(5000, async () => {
      const all = new Uint8Array(256).map((_, i) => i);
      const reply = concatBytes([all, all.slice().reverse(), all]);
      const { run, seen } = await exchange(["--data", "q"], { reply });
      assert.equal(run.code, 0, run.err);
      assert.ok(seen.eof, "the receiver read EOF (our half-close) and only then replied");
      assert.deepEqual(run.outBytes, reply);
    }));

  it("--close-on-eof closes at once: a late reply is not read; end local-close", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(
        ["--data", "q", "--close-on-eof", "--json"],
        { reply: textBytes("too late") },
      );
      assert.equal(run.code, 0, run.err);
      assert.ok(seen.eof);
      const summary = JSON.parse(run.out);
      assert.equal(summary.end, "local-close");
      assert.equal(summary.bytes.received, 0);
    }));

  it("connection refused: exit 3, one line", () =>
    bounded(5000, async () => {
      const port = await closedPort();
      const r = await runCli(["send", `127.0.0.1:${port}`, "--data", "x"]);
      assert.equal(r.code, 3);
      assert.equal(r.out, "");
      assert.equal(r.err, `ppcat send: connect 127.0.0.1:${port}: connection refused\n`);
    }));

  it("idle timeout: exit 5 after --timeout with no byte either way, one line", () =>
    bounded(5000, async () => {
      const server = await serve({ keepOpen: true });
      try {
        const started = Date.now();
        const r = await runCli(["send", server.target, "-w", "0.3", "--data", "x", "--json"]);
        const took = Date.now() - started;
        assert.equal(r.code, 5);
        assertOneLine(r.err, /^ppcat send: idle 127\.0\.0\.1:\d+: timed out \(nothing sent/);
        assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
        const summary = JSON.parse(r.out);
        assert.equal(summary.end, "timeout");
        assert.equal(summary.error.code, "TIMEOUT");
        assert.ok((await server.seen).eof); // we had half-closed; the peer just never answered
      } finally {
        server.close();
      }
    }));

  it("reset by the peer: exit 4, one line", () =>
    bounded(5000, async () => {
      // node:net's resetAndDestroy (SO_LINGER 0) sends an RST on both runtimes.
      const sockets = new Set<net.Socket>();
      const server = net.createServer((sock) => {
        sockets.add(sock);
        sock.on("error", () => {});
        sock.once("data", () => sock.resetAndDestroy());
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const r = await runCli(["send", `127.0.0.1:${port}`, "--data", "x", "--json"]);
        assert.equal(r.code, 4, r.err);
        assertOneLine(
          r.err,
          /^ppcat send: (read|write) 127\.0\.0\.1:\d+: connection reset by peer$/,
        );
        assert.equal(JSON.parse(r.out).end, "reset");
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }));

  it("a receiver that answers and closes on its own: exit 0, closed-by-peer", () =>
    bounded(5000, async () => {
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as { port: number }).port;
      const serverSide = (async () => {
        const c = await listener.accept();
        const a = await acceptProxy(c!);
        assert.ok(a.ok);
        await a.conn.write(textBytes("go away\n"));
        a.conn.close();
      })();
      try {
        const r = await runCli(["send", `127.0.0.1:${port}`, "--json", "--data", ""]);
        await serverSide;
        assert.equal(r.code, 0, r.err);
        const summary = JSON.parse(r.out);
        assert.equal(summary.end, "closed-by-peer");
        assert.equal(summary.bytes.received, 8);
      } finally {
        listener.close();
      }
    }));

  it("--json: one summary line with the documented shape", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(
        ["--json", "--data", "hello"],
        { reply: textBytes("world!") },
      );
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out.split("\n").length, 2, "one line");
      const s = JSON.parse(run.out);
      assert.deepEqual(Object.keys(s), [
        "target",
        "connected",
        "header",
        "bytes",
        "end",
        "error",
        "elapsedMs",
      ]);
      const peer = inet(seen.peer);
      const local = inet(seen.local);
      assert.equal(s.target, `127.0.0.1:${local.port}`);
      assert.deepEqual(s.connected, {
        local: `127.0.0.1:${peer.port}`,
        remote: `127.0.0.1:${local.port}`,
      });
      assert.deepEqual(s.header.source, { address: "127.0.0.1", port: peer.port });
      assert.equal(s.header.headerLength, 28);
      assert.deepEqual(s.bytes, { sent: 28 + 5, received: 6 }); // received: counted, not printed
      assert.equal(s.end, "closed-by-peer");
      assert.equal(s.error, null);
      assert.equal(typeof s.elapsedMs, "number");
    }));

  it("-v: header hex dump and decode, connection events on stderr", () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(["-v", "--data", "hi"], { reply: textBytes("ok") });
      assert.equal(run.code, 0);
      assert.equal(run.out, "ok");
      const peer = inet(seen.peer);
      assert.match(
        run.err,
        new RegExp(
          `^\\* connected to 127\\.0\\.0\\.1:\\d+ from 127\\.0\\.0\\.1:${peer.port}$`,
          "m",
        ),
      );
      assert.match(run.err, /^\* header: 28 bytes, 1 write$/m);
      assert.match(
        run.err,
        /^ {2}0000 {2}0d 0a 0d 0a 00 0d 0a 51 {2}55 49 54 0a 21 11 00 0c {2}\|/m,
      );
      assert.match(run.err, /^ {2}protocol: +TCP4$/m);
      assert.match(run.err, /^\* end of input: half-closed/m);
      assert.match(run.err, /^\* peer closed$/m);
    }));
});

describe(`ppcat send as a real process (${t.name})`, () => {
  /** Spawns the CLI under the running runtime, stdin piped; resolves when it exits. */
  function spawnSend(argv: string[], stdin: string) {
    const child = spawn(process.execPath, cliArgv(["send", ...argv]), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Uint8Array[] = [];
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => out.push(new Uint8Array(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += dec.decode(d)));
    child.stdin.end(stdin);
    return new Promise<{ code: number | null; out: Uint8Array; err: string }>((resolve) =>
      child.on("close", (code: number | null) => resolve({ code, out: concatBytes(out), err }))
    );
  }

  it("piped stdin is the payload, the reply is stdout, exit code 0", () =>
    bounded(30000, async () => {
      const server = await serve({ reply: new Uint8Array([0xff, 0x00, 0x0a]) });
      try {
        const r = await spawnSend([server.target, "--v1"], "from a pipe\n");
        const seen = await server.seen;
        assert.equal(r.err, "");
        assert.equal(r.code, 0);
        assert.equal(seen.header?.version, 1);
        assert.deepEqual(seen.header?.source, inet(seen.peer));
        assert.equal(payloadOf(seen), "from a pipe\n");
        assert.deepEqual([...r.out], [0xff, 0x00, 0x0a]);
      } finally {
        server.close();
      }
    }));

  /** Spawns the CLI with stdin left open: the caller writes and ends it. */
  function spawnOpen(argv: string[]) {
    const child = spawn(process.execPath, cliArgv(["send", ...argv]), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => (out += dec.decode(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += dec.decode(d)));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    return { child, out: () => out, err: () => err, exited };
  }

  async function until(what: string, done: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !done(); i++) await sleep(50);
    assert.ok(done(), `timed out waiting for ${what}`);
  }

  it("a pipe is streamed: each chunk goes out (and its echo comes back) before stdin ends", () =>
    bounded(30000, async () => {
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const addr = listener.addr as { hostname: string; port: number };
      const echo = (async () => {
        const conn = await listener.accept();
        if (conn === null) return;
        const accepted = await acceptProxy(conn, {});
        if (!accepted.ok) return;
        const buf = new Uint8Array(1024);
        for (let n = await accepted.conn.read(buf); n !== null; n = await accepted.conn.read(buf)) {
          await accepted.conn.write(buf.subarray(0, n));
        }
        accepted.conn.close();
      })();
      const run = spawnOpen([`127.0.0.1:${addr.port}`]);
      try {
        run.child.stdin.write("one\n");
        await until("the first echo", () => run.out() === "one\n");
        run.child.stdin.write("two\n");
        await until("the second echo", () => run.out() === "one\ntwo\n");
        run.child.stdin.end();
        assert.equal(await run.exited, 0, run.err());
        assert.equal(run.out(), "one\ntwo\n");
      } finally {
        run.child.kill();
        listener.close();
        await echo.catch(() => {});
      }
    }));

  it("the run ends on time while stdin stays open: -w 1 exits 5, nothing lingers", () =>
    bounded(30000, async () => {
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const addr = listener.addr as { hostname: string; port: number };
      const held = listener.accept(); // accepted, never answered
      const run = spawnOpen(["-w", "1", `127.0.0.1:${addr.port}`]);
      const started = Date.now();
      try {
        const code = await run.exited; // stdin is still open
        assert.equal(code, 5);
        assert.ok(Date.now() - started < 8000, `exited after ${Date.now() - started} ms`);
        assertOneLine(run.err(), /timed out/);
      } finally {
        run.child.kill();
        (await held)?.close();
        listener.close();
      }
    }));

  for (const insecure of [[], ["--insecure"]]) {
    it(`${["--tls", ...insecure].join(" ")}: a handshake nobody answers ends at -w 1, exit 5, nothing lingers`, () =>
      bounded(30000, async () => {
        const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
        const addr = listener.addr as { hostname: string; port: number };
        const held = listener.accept(); // accepted, never answered
        const run = spawnOpen([
          "--tls",
          ...insecure,
          "-w",
          "1",
          "--data",
          "x",
          `127.0.0.1:${addr.port}`,
        ]);
        const started = Date.now();
        try {
          assert.equal(await run.exited, 5);
          assert.ok(Date.now() - started < 8000, `exited after ${Date.now() - started} ms`);
          assertOneLine(run.err(), /^ppcat send: tls 127\.0\.0\.1:\d+: timed out/);
        } finally {
          run.child.kill();
          (await held)?.close();
          listener.close();
        }
      }));
  }

  it("connection refused: exit status 3 and one line, no stack trace", () =>
    bounded(30000, async () => {
      const port = await closedPort();
      const r = await spawnSend([`127.0.0.1:${port}`], "x");
      assert.equal(r.code, 3);
      assert.equal(r.out.length, 0);
      assertOneLine(r.err, /^ppcat send: connect 127\.0\.0\.1:\d+: connection refused$/);
    }));
});

describe(`ppcat send: IPv6 and UNIX targets (${t.name})`, () => {
  it("[::1]:PORT: TCP6 with the real ends", { skip: IPV6_SKIP }, () =>
    bounded(5000, async () => {
      const { run, seen } = await exchange(["--data", "v6"], {
        listen: { hostname: "::1", port: 0 },
      });
      assert.equal(run.code, 0, run.err);
      assert.equal(seen.header?.protocol, "TCP6");
      assert.deepEqual(seen.header?.source, inet(seen.peer));
      assert.deepEqual(seen.header?.destination, inet(seen.local));
      assert.equal(payloadOf(seen), "v6");
    }));

  it("UNIX socket: v2 UNIX_STREAM with the paths, v1 UNKNOWN", () =>
    bounded(8000, async () => {
      const dir = mkdtempSync(join(tmpdir(), "ppcat-send-"));
      try {
        const path = join(dir, "pp.sock");
        const v2 = await exchange(["--data", "over unix"], {
          listen: { path },
        });
        assert.equal(v2.run.code, 0, v2.run.err);
        assert.equal(v2.seen.header?.protocol, "UNIX_STREAM");
        assert.deepEqual(v2.seen.header?.source, { path: "" }); // our unnamed client socket
        assert.deepEqual(v2.seen.header?.destination, { path });
        assert.equal(v2.seen.header?.headerLength, 16 + 216);
        assert.equal(payloadOf(v2.seen), "over unix");

        const path1 = join(dir, "pp1.sock");
        const v1 = await exchange((target) => [`unix:${target}`, "--v1", "--data", "x"], {
          listen: { path: path1 },
          raw: true,
        });
        assert.equal(v1.run.code, 0, v1.run.err);
        assert.equal(payloadOf(v1.seen), "PROXY UNKNOWN\r\nx");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it("a UNIX path nobody listens on: exit 3", () =>
    bounded(5000, async () => {
      const dir = mkdtempSync(join(tmpdir(), "ppcat-send-"));
      try {
        const r = await runCli(["send", join(dir, "absent.sock"), "--data", "x"]);
        assert.equal(r.code, 3);
        assertOneLine(r.err, /^ppcat send: connect unix:\/.*absent\.sock: not found$/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
});

describe(`ppcat send --udp (${t.name})`, { skip: UDP_SKIP }, () => {
  it("each chunk is one datagram = header + payload; replies go to stdout", () =>
    bounded(5000, async () => {
      const receiver = await t.listenDatagram({ hostname: "127.0.0.1", port: 0 });
      const got: { data: Uint8Array; from: { hostname: string; port: number } }[] = [];
      const serverSide = (async () => {
        for (let i = 0; i < 2; i++) {
          const d = await receiver.receive();
          if (d === null) return;
          got.push({ data: d.data.slice(), from: d.remoteAddr });
          await receiver.send(textBytes(`pong ${i}\n`), d.remoteAddr);
        }
      })();
      try {
        const r = await runCli([
          "send",
          "--udp",
          `127.0.0.1:${receiver.addr.port}`,
          "--data",
          "one",
          "--data",
          "two",
          "-w",
          "0.5",
          "--json",
        ]);
        await serverSide;
        assert.equal(r.code, 0, r.err);
        assert.equal(got.length, 2);
        for (const [i, payload] of ["one", "two"].entries()) {
          const decoded = decodeHeader(got[i]!.data); // §2: each datagram parsed on its own
          assert.ok(decoded.ok, `datagram ${i}`);
          const h = decoded.value;
          assert.equal(h.protocol, "UDP4");
          assert.deepEqual(h.source, { address: got[i]!.from.hostname, port: got[i]!.from.port });
          assert.deepEqual(h.destination, { address: "127.0.0.1", port: receiver.addr.port });
          assert.equal(dec.decode(got[i]!.data.subarray(h.headerLength)), payload);
        }
        const s = JSON.parse(r.out);
        assert.deepEqual(s.datagrams, { sent: 2, received: 2 });
        assert.equal(s.bytes.received, "pong 0\npong 1\n".length);
        assert.equal(s.end, "timeout"); // the reply wait ended: the normal end for UDP
        assert.equal(s.header.protocol, "UDP4");
      } finally {
        receiver.close();
      }
    }));

  it("replies are printed raw; no payload sends one header-only datagram", () =>
    bounded(5000, async () => {
      const receiver = await t.listenDatagram({ hostname: "127.0.0.1", port: 0 });
      let first: Uint8Array | null = null;
      const serverSide = (async () => {
        const d = await receiver.receive();
        if (d === null) return;
        first = d.data.slice();
        await receiver.send(new Uint8Array([0, 1, 0xff]), d.remoteAddr);
      })();
      try {
        const r = await runCli(
          ["send", "--udp", "--v2", "--local", `127.0.0.1:${receiver.addr.port}`, "-w", "0.3"],
          { stdin: "" },
        );
        await serverSide;
        assert.equal(r.code, 0, r.err);
        assert.deepEqual([...r.outBytes], [0, 1, 0xff]);
        assert.equal(hex(first!), "0d0a0d0a000d0a515549540a" + "20000000");
      } finally {
        receiver.close();
      }
    }));
});

describe(`ppcat send --tls (${t.name})`, { skip: TLS_SKIP }, () => {
  const { ca, key, cert } = makeTestCertificates() ?? { ca: "", key: "", cert: "" };

  interface TlsSeen {
    header: ProxyHeader | null;
    peer: NetAddr;
    plaintext: string;
    alpn: string | false | null;
    failed: boolean;
  }

  /**
   * A TLS terminator behind a PROXY-speaking balancer: acceptProxy reads the header, then
   * node:tls runs the server handshake on the bytes that follow. It greets first, then reads
   * until the client's close_notify.
   */
  async function tlsServer(): Promise<{ port: number; seen: Promise<TlsSeen>; close(): void }> {
    const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
    const conns: Conn[] = [];
    const seen = (async (): Promise<TlsSeen> => {
      const c = await listener.accept();
      assert.ok(c !== null);
      conns.push(c);
      const a = await acceptProxy(c, { headerTimeoutMs: 5000 });
      assert.ok(a.ok, "PROXY header before TLS");
      conns.push(a.conn);
      const secure = new tls.TLSSocket(duplexOver(a.conn, Duplex), {
        isServer: true,
        key,
        cert,
        ALPNProtocols: ["pp-test", "http/1.1"],
      });
      let plaintext = "";
      let failed = false;
      await new Promise<void>((resolve) => {
        secure.on("secure", () => secure.write("banner\n"));
        secure.on("data", (d: Uint8Array) => (plaintext += dec.decode(d)));
        secure.on("error", () => {
          failed = true;
          resolve();
        });
        secure.on("end", () => {
          secure.end();
          resolve();
        });
        secure.on("close", () => resolve());
      });
      const alpn = secure.alpnProtocol ?? null;
      secure.destroy();
      return { header: a.header, peer: c.remoteAddr, plaintext, alpn, failed };
    })();
    return {
      port: (listener.addr as { port: number }).port,
      seen,
      close() {
        listener.close();
        for (const c of conns) c.close();
      },
    };
  }

  /** Runs `ppcat send 127.0.0.1:PORT ...args` against a fresh TLS receiver; returns both sides. */
  async function exchangeTls(
    args: string[],
    files?: Record<string, Uint8Array>,
  ): Promise<{ r: CliRun; seen: TlsSeen }> {
    const server = await tlsServer();
    try {
      const r = await runCli(["send", `127.0.0.1:${server.port}`, ...args], files ? { files } : {});
      return { r, seen: await server.seen };
    } finally {
      server.close();
    }
  }

  it("header in clear, then TLS verified with --ca and --sni, ALPN; exit 0", () =>
    bounded(10000, async () => {
      const { r, seen } = await exchangeTls([
        "--tls",
        "--ca",
        "ca.pem",
        "--sni",
        "localhost",
        "--tls-alpn",
        "pp-test",
        "--alpn",
        "h2",
        "--data",
        "ping over tls",
        "--json",
      ], { "ca.pem": textBytes(ca) });
      assert.equal(r.code, 0, r.err);
      assert.equal(seen.failed, false);
      assert.equal(seen.header?.protocol, "TCP4");
      assert.deepEqual(seen.header?.source, inet(seen.peer));
      assert.equal(hex(seen.header!.tlvs[0]!.value), hex(textBytes("h2"))); // the ALPN TLV
      assert.equal(seen.plaintext, "ping over tls");
      assert.equal(seen.alpn, "pp-test");
      const s = JSON.parse(r.out);
      assert.deepEqual(s.tls, { alpn: "pp-test" });
      assert.equal(s.bytes.received, "banner\n".length);
      assert.equal(s.end, "closed-by-peer");
    }));

  it("--insecure accepts the unknown issuer; stdout gets the decrypted bytes", () =>
    bounded(10000, async () => {
      const { r } = await exchangeTls(["--tls", "--insecure", "--data", "x"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, "banner\n");
    }));

  it("an untrusted certificate: TLS handshake failure, exit 6, one line", () =>
    bounded(10000, async () => {
      const { r } = await exchangeTls(["--tls", "--data", "x"]);
      assert.equal(r.code, 6);
      assertOneLine(r.err, /^ppcat send: tls 127\.0\.0\.1:\d+: TLS handshake failed/);
    }));
});

describe("ppcat send: usage errors (exit 2, one line, nothing connected)", () => {
  const cases: [string[], RegExp][] = [
    [[], /missing TARGET/],
    [["a:1", "b:2"], /expected one TARGET, got 2/],
    [["::1:80"], /write IPv6 in brackets/],
    [["127.0.0.1:0"], /port "0" is not in 1\.\.65535/],
    [["127.0.0.1:9", "--udp", "--fragment", "4"], /never split across datagrams \(§2\)/],
    [["127.0.0.1:9", "--udp", "--tls"], /--tls runs over a stream/],
    [["/tmp/x.sock", "--udp"], /--udp needs HOST:PORT/],
    [["127.0.0.1:9", "--tls", "--same-write"], /in clear text/],
    [["127.0.0.1:9", "--sni", "x"], /--sni needs --tls/],
    [["127.0.0.1:9", "--data", "a\\q"], /unknown escape \\q/],
    [["127.0.0.1:9", "--data", "a", "--file", "f"], /--data and --file exclude each other/],
    [["127.0.0.1:9", "--file", "missing.bin"], /--file: cannot read "missing\.bin": no such file/],
    [["127.0.0.1:9", "--header-file", "nope"], /--header-file: cannot read "nope"/],
    [["127.0.0.1:9", "--tls", "--ca", "nope.pem"], /--ca: cannot read "nope\.pem"/],
    [["127.0.0.1:9", "--header-hex", "zz"], /--header-hex: not a hex digit/],
    [["127.0.0.1:9", "--header-hex", "00", "--v1"], /--header-hex and --v1 exclude each other/],
    [["127.0.0.1:9", "--no-header", "--fragment", "1"], /--fragment needs a header/],
    [["127.0.0.1:9", "--fragment", "5,3"], /offsets must increase/],
    [["127.0.0.1:9", "--header-hex", "0001", "--fragment", "2"], /not inside the 2-byte header/],
    [["127.0.0.1:9", "--fragment-delay", "5"], /--fragment-delay needs --fragment/],
    [["127.0.0.1:9", "-w", "soon"], /--timeout: "soon" is not a time/],
    [["127.0.0.1:9", "-v", "-q"], /-v and -q exclude each other/],
    [["127.0.0.1", "9", "10"], /expected one TARGET, got 3/],
    [["127.0.0.1:9", "--jsn"], /unknown flag "--jsn" \(did you mean --json\?\)/],
    [["127.0.0.1:9", "--v1", "--alpn", "h2"], /--alpn: version 1 cannot carry TLVs/],
    [["127.0.0.1:9", "--protocol", "TCP6"], /--protocol TCP6 needs IPv6, but the connection/],
    [["127.0.0.1:9", "--udp", "--v1"], /version 1 carries only TCP4, TCP6 and UNKNOWN/],
    [["127.0.0.1:9", "--unique-id", "x".repeat(129)], /--unique-id: 129 bytes/],
    [["127.0.0.1:9", "--bogus"], /unknown flag "--bogus"/],
  ];
  for (const [argv, pattern] of cases) {
    it(argv.join(" ").slice(0, 60) || "(no arguments)", async () => {
      const r = await runCli(["send", ...argv]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, "");
      assert.match(r.err, new RegExp(`^ppcat send: .*${pattern.source}`));
      assert.match(r.err, /^[^\n]* \(see ppcat send --help\)\n$/);
    });
  }

  it("--help prints the help with every exit code", async () => {
    const r = await runCli(["send", "--help"]);
    assert.equal(r.code, 0);
    for (const code of [0, 1, 2, 3, 4, 5, 6]) assert.match(r.out, new RegExp(`^  ${code}  `, "m"));
    assert.match(r.out, /^ {2}--tls-alpn LIST/m);
    assert.match(r.out, /^ {2}--alpn S/m);
  });
});

describe(`ppcat send: --linger, stdout backpressure, file limits (${t.name})`, () => {
  /**
   * A receiver like squid with half_closed_clients off: it reads the request, and if the
   * client's EOF follows within `graceMs` it drops the request; else it answers and closes.
   */
  async function halfCloseIntolerant(graceMs: number) {
    const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
    const addr = listener.addr as { hostname: string; port: number };
    const done = (async () => {
      const conn = (await listener.accept())!;
      const buf = new Uint8Array(65536);
      try {
        await conn.read(buf); // header and request (one write each; small)
        let timer: ReturnType<typeof setTimeout> | undefined;
        const eof = await Promise.race([
          (async () => {
            for (;;) if ((await conn.read(buf)) === null) return true;
          })(),
          new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (eof) return "dropped";
        await conn.write(textBytes("HTTP/1.0 200 OK\r\n\r\n"));
        return "answered";
      } finally {
        conn.close();
        listener.close();
      }
    })();
    return { target: `${addr.hostname}:${addr.port}`, done };
  }

  it("--linger keeps the write side open: a half-close-intolerant receiver answers", () =>
    bounded(10_000, async () => {
      const plain = await halfCloseIntolerant(300);
      const r0 = await runCli(["send", plain.target, "--data", "GET / HTTP/1.0\r\n\r\n"]);
      assert.equal(await plain.done, "dropped");
      assert.equal(r0.out, "");
      const lingering = await halfCloseIntolerant(300);
      const started = Date.now();
      const r1 = await runCli(["send", lingering.target, "--data", "GET /\r\n", "--linger", "5"]);
      assert.equal(await lingering.done, "answered");
      assert.equal(r1.code, 0, r1.err);
      assert.equal(r1.out, "HTTP/1.0 200 OK\r\n\r\n");
      assert.ok(Date.now() - started < 4000, "the peer's close ends the linger");
    }));

  it("--linger SECS: the half-close comes after SECS", () =>
    bounded(10_000, async () => {
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const addr = listener.addr as { hostname: string; port: number };
      const timing = (async () => {
        const conn = (await listener.accept())!;
        const buf = new Uint8Array(65536);
        let firstData = 0;
        try {
          for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
            firstData ||= performance.now();
          }
          return performance.now() - firstData;
        } finally {
          conn.close();
          listener.close();
        }
      })();
      const r = await runCli([
        "send",
        `${addr.hostname}:${addr.port}`,
        "--same-write",
        "--data",
        "x",
        "--linger",
        "0.4",
      ]);
      assert.equal(r.code, 0, r.err);
      const waited = await timing;
      assert.ok(waited >= 350, `EOF ${Math.round(waited)} ms after the data`);
    }));

  it("--linger: usage errors", async () => {
    for (
      const [argv, pattern] of [
        [["127.0.0.1:9", "--linger", "soon"], /--linger: "soon" is not a time/],
        [["127.0.0.1:9", "--udp", "--linger", "1"], /--linger applies to streams/],
      ] as const
    ) {
      const r = await runCli(["send", ...argv]);
      assert.equal(r.code, 2);
      assert.match(r.err, pattern);
    }
  });

  it("a file flag refuses a file over its limit, in one line (a device that never ends)", () => {
    assert.deepEqual(nodeIo.readFile("/dev/zero", 4096), {
      ok: false,
      reason: "larger than the limit of 4096 bytes",
    });
    const r = spawnCli(["send", "127.0.0.1:9", "--header-file", "/dev/zero"]);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /^ppcat send: --header-file: cannot read "\/dev\/zero": larger than the limit of 1048576 bytes/,
    );
    const f = spawnCli(["send", "127.0.0.1:9", "--file", "/dev/zero"]);
    assert.equal(f.status, 2);
    assert.match(f.stderr, /^ppcat send: --file: cannot read "\/dev\/zero": larger than the limit/);
    const cert = spawnCli(["send", "127.0.0.1:9", "--ssl-client-cert", "/dev/zero"]);
    assert.equal(cert.status, 2);
    assert.match(
      cert.stderr,
      /^ppcat send: --ssl-client-cert: cannot read "\/dev\/zero": larger than/,
    );
  });

  it("stdout nobody reads: the flooding peer is held back, memory stays bounded", {
    timeout: 60_000,
  }, () =>
    bounded(50_000, async () => {
      const total = 256 * 1024 * 1024;
      const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
      const addr = listener.addr as { hostname: string; port: number };
      let written = 0;
      const flood = (async () => {
        const conn = (await listener.accept())!;
        const block = new Uint8Array(256 * 1024).fill(0x5a);
        try {
          while (written < total) {
            await conn.write(block);
            written += block.length;
          }
          await conn.closeWrite();
          // Read what the client sent, so the close is orderly (unread bytes would reset).
          const buf = new Uint8Array(1024);
          while ((await conn.read(buf)) !== null);
        } finally {
          conn.close();
          listener.close();
        }
      })();
      const child = spawnPpcat(["send", `${addr.hostname}:${addr.port}`, "--data", "go"], {
        readStdout: false,
      });
      try {
        await sleep(1500);
        const held = written;
        const rss = rssBytes(child.process.pid!) ?? 0;
        assert.ok(held < 64 * 1024 * 1024, `the peer wrote ${held} bytes into a stalled reader`);
        assert.ok(rss > 0 && rss < 150 * 1024 * 1024, `RSS ${rss} bytes`);
        let received = 0;
        child.process.stdout!.on("data", (d: Uint8Array) => (received += d.length));
        child.process.stdout!.resume();
        assert.equal(await child.exited, 0, child.stderr());
        await flood;
        assert.equal(received, total);
      } finally {
        child.kill();
      }
    }));
});

describe("ppcat send (cleanup)", () => {
  itLeavesNoSocketOpen(socketsAtStart);
});
