// ppcat listen: in-process over loopback (startListen, or run() with an AbortSignal and a
// memoryIo), plus one spawned end-to-end run with --once. Every wait is bounded and every socket
// is closed, so a failure shows up as a failed assertion, never as a hang.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { parseCidrList } from "../lib/cidr.ts";
import { decodeHeader } from "../lib/decode.ts";
import { encodeHeader } from "../lib/encode.ts";
import type { HeaderInit } from "../lib/header.ts";
import { headerToJson } from "../lib/json.ts";
import * as tlv from "../lib/tlv.ts";
import { type Conn, type DatagramSocket, getTransport, type NetAddr } from "../lib/transport.ts";
import { bounded, concat } from "../lib/_testing.ts";
import { cliArgv, hexBytes, textBytes, V2_TCP4_JSON } from "./_testing.ts";
import { rssBytes, spawnPpcat, waitFor } from "./_spawn_testing.ts";
import { memoryIo, type MemoryIoInit, setIo } from "./io.ts";
import { configFromArgs, run } from "./listen.ts";
import { parseListenAddress } from "./listen_address.ts";
import type { ListenEvent } from "./listen_events.ts";
import { type ListenOptions, type ListenServer, startListen } from "./listen_server.ts";

const t = getTransport();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const V1 = "PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n";
// §2.2 written out by hand: PROXY, TCP over IPv4, len 12, 192.0.2.1:56324 -> 192.0.2.11:443.
const V2_TCP4 = hexBytes("0d0a0d0a000d0a515549540a 21 11 000c c0000201 c000020b dc04 01bb");
const V1_JSON = { ...V2_TCP4_JSON, version: 1, headerLength: V1.length };
const ESC = "\x1b";

function encoded(init: HeaderInit): Uint8Array {
  const r = encodeHeader(init);
  assert.ok(r.ok, "test header encodes");
  return r.value;
}

/** The JSON form of the header at the start of `bytes`, as ppcat decode --json gives it. */
function expectedJson(bytes: Uint8Array, trailingBytes = 0) {
  const r = decodeHeader(bytes);
  assert.ok(r.ok, "test header decodes");
  return headerToJson(r.value, trailingBytes);
}

// ---------------------------------------------------------------------------------------------
// Harnesses

type Events = {
  readonly list: ListenEvent[];
  waitFor<E extends ListenEvent>(pred: (e: ListenEvent) => e is E, ms?: number): Promise<E>;
  waitFor(pred: (e: ListenEvent) => boolean, ms?: number): Promise<ListenEvent>;
  of<K extends ListenEvent["event"]>(kind: K): Extract<ListenEvent, { event: K }>[];
};

function eventLog(): Events & { push(e: ListenEvent): void } {
  const list: ListenEvent[] = [];
  return {
    list,
    push: (e) => list.push(e),
    async waitFor(pred: (e: ListenEvent) => boolean, ms = 3000): Promise<ListenEvent> {
      const deadline = performance.now() + ms;
      for (;;) {
        const found = list.find(pred);
        if (found !== undefined) return found;
        if (performance.now() > deadline) {
          throw new Error(`event not seen within ${ms} ms; got ${JSON.stringify(list)}`);
        }
        await sleep(5);
      }
    },
    of: <K extends ListenEvent["event"]>(kind: K) =>
      list.filter((e) => e.event === kind) as Extract<ListenEvent, { event: K }>[],
  } as Events & { push(e: ListenEvent): void };
}

const is = <K extends ListenEvent["event"]>(kind: K, id?: number) =>
(
  e: ListenEvent,
): e is Extract<ListenEvent, { event: K }> =>
  e.event === kind && (id === undefined || ("id" in e && e.id === id));

interface Started {
  readonly server: ListenServer;
  readonly events: Events;
  readonly addr: NetAddr;
}

const servers: ListenServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

async function serve(options: Partial<ListenOptions> = {}): Promise<Started> {
  const events = eventLog();
  const server = await startListen({
    target: { hostname: "127.0.0.1", port: 0 },
    ...options,
    onEvent: (e) => events.push(e),
  });
  servers.push(server);
  return { server, events, addr: server.addr };
}

/** Runs `ppcat listen <args>` in-process; stop() aborts it and returns what it printed. */
function runListen(args: string[], init: MemoryIoInit = {}) {
  const mem = memoryIo(init);
  const restore = setIo(mem);
  const controller = new AbortController();
  const events = eventLog();
  const result = run(args, { signal: controller.signal, onEvent: (e) => events.push(e) }).then(
    (code) => {
      restore();
      return { code, out: mem.out(), err: mem.err() };
    },
    (e) => {
      restore();
      throw e;
    },
  );
  return {
    events,
    result,
    async addr(): Promise<NetAddr> {
      const e = await events.waitFor(is("listening"));
      const a = e.address;
      return "path" in a
        ? { transport: "unix", path: a.path }
        : { transport: "tcp", hostname: a.address, port: a.port };
    },
    async stop() {
      controller.abort();
      return await result;
    },
  };
}

function target(addr: NetAddr) {
  return addr.transport === "unix"
    ? { path: addr.path }
    : { hostname: addr.hostname, port: addr.port };
}

const clients: (Conn | DatagramSocket)[] = [];
after(() => {
  for (const c of clients) c.close();
});

async function dial(addr: NetAddr): Promise<Conn> {
  const c = await t.connect({ ...target(addr), timeoutMs: 2000 });
  clients.push(c);
  return c;
}

/** Reads until EOF (or a reset, reported as "RESET"), at most `ms`. */
async function readAll(c: Conn, ms = 3000): Promise<{ bytes: Uint8Array; end: "eof" | "reset" }> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    for (;;) {
      const n = await Promise.race([c.read(buf).catch(() => "reset" as const), timeout]);
      if (n === "timeout") throw new Error(`no EOF within ${ms} ms`);
      if (n === "reset") return { bytes: concat(...parts), end: "reset" };
      if (n === null) return { bytes: concat(...parts), end: "eof" };
      parts.push(buf.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Reads exactly `length` bytes, at most `ms`. */
async function readExactly(c: Conn, length: number, ms = 3000): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  const deadline = performance.now() + ms;
  while (at < length) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const left = Math.max(1, deadline - performance.now());
    const n = await Promise.race([
      c.read(out.subarray(at)),
      new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), left))),
    ]);
    clearTimeout(timer);
    if (n === "timeout") throw new Error(`only ${at} of ${length} bytes within ${ms} ms`);
    if (n === null) throw new Error(`EOF after ${at} of ${length} bytes`);
    at += n;
  }
  return out;
}

/** Connects, sends `bytes`, half-closes, reads everything back. */
async function exchange(addr: NetAddr, bytes: Uint8Array) {
  const c = await dial(addr);
  await c.write(bytes);
  await c.closeWrite();
  const r = await readAll(c);
  c.close();
  return r;
}

// ---------------------------------------------------------------------------------------------

describe("ppcat listen: the address argument", () => {
  it('":PORT" and "PORT" bind every IPv4 interface; brackets for IPv6; "/" for UNIX', () => {
    const good: [string, { hostname: string; port: number } | { path: string }][] = [
      [":8080", { hostname: "0.0.0.0", port: 8080 }],
      ["8080", { hostname: "0.0.0.0", port: 8080 }],
      ["[::]:0", { hostname: "::", port: 0 }],
      ["localhost:65535", { hostname: "localhost", port: 65535 }],
      ["unix:pp.sock", { path: "pp.sock" }],
      ["/run/pp.sock", { path: "/run/pp.sock" }],
    ];
    for (const [text, target] of good) {
      assert.deepEqual(parseListenAddress(text), { ok: true, target }, text);
    }
    for (
      const bad of [
        "",
        "::1:80",
        "[::1]80",
        "[1.2.3.4]:80",
        "1.2.3.04:80",
        "1.2.3.4:080",
        "1.2.3.4:+80",
        "1.2.3.4:70000",
        "1.2.3.4:",
        "pp.sock",
        "unix:",
        "a_b:80",
      ]
    ) {
      assert.equal(parseListenAddress(bad).ok, false, bad);
    }
  });

  it("usage errors: one line naming the help, exit 2, nothing bound", async () => {
    const cases: [string[], RegExp][] = [
      [[], /missing the address/],
      [["--echo", "--discard", ":0"], /--echo and --discard exclude each other/],
      [["--require", "--optional", ":0"], /--require and --optional exclude each other/],
      [["--udp", "./x.sock"], /--udp needs/],
      [["--versions", "3", ":0"], /--versions/],
      [["--trust", "10.0.0.0/33", ":0"], /--trust: not an address range/],
      [["--header-timeout", "0", ":0"], /--header-timeout/],
      [["--header-timeout", "-1", ":0"], /--header-timeout/],
      [["--max-connections", "x", ":0"], /--max-connections/],
      [["--udp", "--max-connections", "1", "127.0.0.1:0"], /does not apply to --udp/],
      [["::1:8080"], /need brackets/],
      [[":0", ":1"], /expected one address/],
      [["--nope", ":0"], /unknown flag "--nope"/],
    ];
    for (const [args, message] of cases) {
      const r = await runListen(args).result;
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.out, "");
      const lines = r.err.split("\n");
      assert.equal(lines.length, 2, r.err);
      assert.match(lines[0] ?? "", /^ppcat listen: .* \(see ppcat listen --help\)$/);
      assert.match(lines[0] ?? "", message);
    }
  });

  it("--help prints the help on stdout, exit 0", async () => {
    const r = await runListen(["--help"]).result;
    assert.equal(r.code, 0);
    assert.match(r.out, /^ppcat listen - /);
    assert.match(r.out, /^EXIT STATUS$/m);
  });
});

describe("ppcat listen: headers (TCP)", () => {
  it("prints a v1 header exactly as decode --json does, then echoes", async () => {
    const { events, addr } = await serve();
    const r = await exchange(addr, concat(textBytes(V1), textBytes("ping\n")));
    assert.equal(decoder.decode(r.bytes), "ping\n");
    assert.equal(r.end, "eof");
    const accept = await events.waitFor(is("accept"));
    const header = await events.waitFor(is("header"));
    const close = await events.waitFor(is("close"));
    assert.deepEqual(header.header, V1_JSON);
    assert.deepEqual(header.header, expectedJson(textBytes(V1)));
    assert.equal(header.untrusted, false);
    assert.equal(header.id, accept.id);
    assert.deepEqual(header.peer, accept.peer);
    assert.ok("address" in header.peer && header.peer.address === "127.0.0.1");
    assert.deepEqual(accept.local, { address: "127.0.0.1", port: (addr as { port: number }).port });
    assert.ok(Number.isInteger(header.headerMs) && header.headerMs >= 0);
    assert.deepEqual([close.in, close.out, close.error], [5, 5, null]);
    for (const e of events.list) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      events.list.map((e) => e.event),
      ["listening", "accept", "header", "close"],
    );
  });

  it("prints a v2 header exactly, with every TLV kind decoded (SSL, AWS, Azure, GCP)", async () => {
    const der = new Uint8Array([0x30, 0x82, 0x01, 0x0a, 0xff]);
    const bytes = encoded({
      version: 2,
      protocol: "TCP6",
      source: { address: "2001:db8::1", port: 40000 },
      destination: { address: "2001:db8::2", port: 443 },
      tlvs: [
        tlv.alpnTlv("h2"),
        tlv.authorityTlv("example.com"),
        tlv.uniqueIdTlv("req-42"),
        tlv.netnsTlv("blue"),
        tlv.noopTlv(3),
        tlv.sslTlv({
          client: 0x07,
          verify: 0,
          version: "TLSv1.3",
          cn: "client.example",
          cipher: "TLS_AES_128_GCM_SHA256",
          sigAlg: "RSA-SHA256",
          keyAlg: "RSA2048",
          group: "x25519",
          sigScheme: "rsa_pss_rsae_sha256",
          clientCert: der,
        }),
        tlv.awsVpceTlv("vpce-08d2bf15fac5001c9"),
        tlv.azureLinkIdTlv(0x01020304),
        tlv.gcpPscTlv(12345678901234567890n),
        tlv.rawTlv(0xe5, new Uint8Array([1, 2])),
        tlv.rawTlv(0xf1, new Uint8Array([3])),
        tlv.rawTlv(0xf9, new Uint8Array([])),
        tlv.rawTlv(0x50, new Uint8Array([4])),
      ],
      crc32c: true,
    });
    const { events, addr } = await serve();
    const r = await exchange(addr, concat(bytes, textBytes("x")));
    assert.equal(decoder.decode(r.bytes), "x");
    const header = (await events.waitFor(is("header"))).header;
    assert.ok(header !== null);
    assert.deepEqual(header, expectedJson(bytes));
    // Independent spot checks of the decoded values.
    assert.deepEqual(header.source, { address: "2001:db8::1", port: 40000 });
    assert.equal(header.crc32c, "valid");
    assert.deepEqual(header.tlvs.map((x) => x.name), [
      "ALPN",
      "AUTHORITY",
      "UNIQUE_ID",
      "NETNS",
      "NOOP",
      "SSL",
      "AWS",
      "AZURE",
      "GCP",
      "CUSTOM",
      "EXPERIMENT",
      "FUTURE",
      "UNASSIGNED",
      "CRC32C",
    ]);
    const value = (name: string) => header.tlvs.find((x) => x.name === name)?.value;
    assert.equal(value("ALPN"), "h2");
    assert.equal(value("AUTHORITY"), "example.com");
    assert.equal(value("UNIQUE_ID"), "req-42");
    assert.equal(value("NETNS"), "blue");
    assert.deepEqual(value("AWS"), { subtype: 1, vpceId: "vpce-08d2bf15fac5001c9" });
    assert.deepEqual(value("AZURE"), { subtype: 1, linkId: 0x01020304 });
    assert.deepEqual(value("GCP"), { pscConnectionId: "12345678901234567890" });
    const ssl = value("SSL") as { clientFlags: string[]; tlvs: { name: string; value: unknown }[] };
    assert.deepEqual(ssl.clientFlags, ["SSL", "CERT_CONN", "CERT_SESS"]);
    assert.deepEqual(ssl.tlvs.map((x) => [x.name, x.value]), [
      ["VERSION", "TLSv1.3"],
      ["CN", "client.example"],
      ["CIPHER", "TLS_AES_128_GCM_SHA256"],
      ["SIG_ALG", "RSA-SHA256"],
      ["KEY_ALG", "RSA2048"],
      ["GROUP", "x25519"],
      ["SIG_SCHEME", "rsa_pss_rsae_sha256"],
      ["CLIENT_CERT", "MIIBCv8="],
    ]);
  });

  it("reassembles a header sent in fragments with delays", async () => {
    const { events, addr } = await serve();
    const c = await dial(addr);
    const bytes = textBytes(V1);
    for (let i = 0; i < bytes.length; i += 5) {
      await c.write(bytes.subarray(i, i + 5));
      await sleep(15);
    }
    await c.write(textBytes("after"));
    await c.closeWrite();
    assert.equal(decoder.decode((await readAll(c)).bytes), "after");
    const header = await events.waitFor(is("header"));
    assert.deepEqual(header.header, V1_JSON);
    assert.ok(header.headerMs >= 100, `headerMs ${header.headerMs} spans the fragments`);
  });

  it("a second PROXY header in the stream is payload: echoed byte for byte", async () => {
    const { events, addr } = await serve();
    const second = "PROXY TCP4 10.9.9.9 10.8.8.8 1 2\r\n";
    const r = await exchange(addr, concat(textBytes(V1), textBytes(second)));
    assert.equal(decoder.decode(r.bytes), second);
    assert.equal(events.of("header").length, 1);
    assert.deepEqual(events.of("header")[0]?.header?.source, V1_JSON.source);
    const close = await events.waitFor(is("close"));
    assert.equal(close.in, second.length);
  });

  it("§2.1: an invalid header is rejected with its code and offset; connection closed", async () => {
    const { events, addr } = await serve();
    const bad = "PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n";
    const r = await exchange(addr, concat(textBytes(bad), textBytes("payload")));
    assert.equal(r.bytes.length, 0, "nothing echoed");
    const reject = await events.waitFor(is("reject"));
    assert.equal(reject.reason, "invalid");
    assert.equal(reject.code, "V1_LEADING_ZERO");
    assert.equal(reject.offset, bad.indexOf("04")); // the heading zero itself
    assert.ok(reject.message.length > 0);
    assert.ok(reject.received > 0);
    assert.equal(events.of("header").length, 0);
    assert.equal(events.of("close").length, 0, "reject ends the connection");
  });

  it("§2: no header, no service: NOT_PROXY at offset 0", async () => {
    const { events, addr } = await serve();
    const r = await exchange(addr, textBytes("GET / HTTP/1.0\r\n\r\n"));
    assert.equal(r.bytes.length, 0);
    const reject = await events.waitFor(is("reject"));
    assert.deepEqual([reject.reason, reject.code, reject.offset], ["invalid", "NOT_PROXY", 0]);
  });

  it("a peer closing before a complete header is rejected as closed", async () => {
    const { events, addr } = await serve();
    await exchange(addr, textBytes("PROXY TCP4"));
    const reject = await events.waitFor(is("reject"));
    assert.deepEqual([reject.reason, reject.code, reject.received], ["closed", null, 10]);
  });

  it("--versions 2 refuses a valid v1 header", async () => {
    const { events, addr } = await serve({ versions: [2] });
    const r = await exchange(addr, concat(textBytes(V1), textBytes("x")));
    assert.equal(r.bytes.length, 0);
    const reject = await events.waitFor(is("reject"));
    assert.equal(reject.reason, "invalid");
    assert.equal(reject.code, "VERSION_NOT_ALLOWED");
    const ok = await exchange(addr, concat(V2_TCP4, textBytes("y")));
    assert.equal(decoder.decode(ok.bytes), "y", "v2 still served");
  });

  it("--trust 10.0.0.0/8 refuses 127.0.0.1 before reading anything", async () => {
    const r0 = runListen(["--json", "--trust", "10.0.0.0/8", "127.0.0.1:0"]);
    const r = await exchange(await r0.addr(), concat(textBytes(V1), textBytes("x")));
    assert.equal(r.bytes.length, 0);
    const reject = await r0.events.waitFor(is("reject"));
    assert.equal(reject.reason, "untrusted");
    assert.equal(reject.code, null);
    assert.equal(reject.received, 0);
    assert.match(reject.message, /127\.0\.0\.1 is not in --trust 10\.0\.0\.0\/8/);
    const out = await r0.stop();
    assert.equal(out.code, 0);
    const trusted = runListen(["--json", "--trust", "10.0.0.0/8,127.0.0.0/8", "127.0.0.1:0"]);
    const ok = await exchange(await trusted.addr(), concat(textBytes(V1), textBytes("x")));
    assert.equal(decoder.decode(ok.bytes), "x");
    await trusted.stop();
  });

  it("--header-timeout 0.2: warns citing §2, then aborts an incomplete header", async () => {
    const r0 = runListen(["--json", "--header-timeout", "0.2", "127.0.0.1:0"]);
    const c = await dial(await r0.addr());
    await c.write(textBytes("PROXY TCP4 192.0.2.1"));
    const r = await readAll(c);
    assert.equal(r.bytes.length, 0);
    const reject = await r0.events.waitFor(is("reject"));
    assert.equal(reject.reason, "timeout");
    assert.ok(reject.afterMs >= 150 && reject.afterMs < 2000, `afterMs ${reject.afterMs}`);
    assert.equal(reject.received, 20);
    const out = await r0.stop();
    assert.match(out.err, /^ppcat listen: warning: --header-timeout 0\.2 is below .*§2/m);
    assert.equal(out.err.split("\n").length, 2, "one warning line");
  });

  it("the default header timeout is 3 s (the minimum of §2) and prints no warning", () => {
    const r = configFromArgs([":0"]);
    assert.ok(r.kind === "run");
    assert.equal(r.config.headerTimeoutMs, 3000);
    assert.deepEqual(r.config.warnings, []);
  });
});

describe("ppcat listen: modes and policy", () => {
  it("--discard reads everything and sends nothing back", async () => {
    const { events, addr } = await serve({ mode: "discard" });
    const r = await exchange(addr, concat(V2_TCP4, new Uint8Array(100_000).fill(7)));
    assert.equal(r.bytes.length, 0);
    assert.equal(r.end, "eof");
    const close = await events.waitFor(is("close"));
    assert.deepEqual([close.in, close.out], [100_000, 0]);
  });

  it("echo returns large payloads intact", async () => {
    const { events, addr } = await serve();
    const payload = new Uint8Array(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const c = await dial(addr);
    const reading = readAll(c);
    await c.write(concat(V2_TCP4, payload));
    await c.closeWrite();
    const r = await reading;
    assert.deepEqual(r.bytes, payload);
    const close = await events.waitFor(is("close"));
    assert.deepEqual([close.in, close.out], [300_000, 300_000]);
  });

  it("--reply-info sends one JSON line (peer, local, header), then echoes", async () => {
    const { events, addr } = await serve({ mode: "reply-info" });
    const c = await dial(addr);
    await c.write(concat(textBytes(V1), textBytes("echo me")));
    await c.closeWrite();
    const text = decoder.decode((await readAll(c)).bytes);
    const nl = text.indexOf("\n");
    assert.ok(nl > 0, text);
    assert.equal(text.slice(nl + 1), "echo me");
    const info = JSON.parse(text.slice(0, nl));
    assert.deepEqual(info, {
      peer: endpointOf(c.localAddr),
      local: endpointOf(c.remoteAddr),
      header: V1_JSON,
    });
    const close = await events.waitFor(is("close"));
    assert.deepEqual([close.in, close.out], [7, nl + 1 + 7]);
  });

  it("--optional: warns, then passes bytes without a header through as payload", async () => {
    const r0 = runListen(["--json", "--optional", "127.0.0.1:0"]);
    const addr = await r0.addr();
    const raw = "GET / HTTP/1.0\r\n\r\n";
    assert.equal(decoder.decode((await exchange(addr, textBytes(raw))).bytes), raw);
    const header = await r0.events.waitFor(is("header"));
    assert.equal(header.header, null);
    assert.equal(header.untrusted, false);
    // A header is still parsed (and stripped) when present.
    const withHeader = await exchange(addr, concat(textBytes(V1), textBytes("x")));
    assert.equal(decoder.decode(withHeader.bytes), "x");
    const out = await r0.stop();
    assert.equal(out.code, 0);
    assert.match(out.err, /^ppcat listen: warning: --optional .*§2/m);
  });

  it("--optional with --trust serves untrusted peers without reading a header", async () => {
    const { events, addr } = await serve({ optional: true, trust: [] });
    const r = await exchange(addr, concat(textBytes(V1), textBytes("x")));
    assert.equal(decoder.decode(r.bytes), V1 + "x", "the header is payload for an untrusted peer");
    const header = await events.waitFor(is("header"));
    assert.deepEqual([header.header, header.untrusted], [null, true]);
  });

  it("--allow-crc-mismatch accepts a wrong CRC32C, reported as invalid", async () => {
    const good = encoded({
      version: 2,
      protocol: "TCP4",
      source: { address: "192.0.2.1", port: 1 },
      destination: { address: "192.0.2.2", port: 2 },
      crc32c: true,
    });
    const bad = good.slice();
    bad[bad.length - 1]! ^= 0xff;
    const strict = await serve();
    await exchange(strict.addr, bad);
    assert.equal((await strict.events.waitFor(is("reject"))).code, "CRC_MISMATCH");
    const lenient = await serve({ allowCrcMismatch: true });
    const r = await exchange(lenient.addr, concat(bad, textBytes("x")));
    assert.equal(decoder.decode(r.bytes), "x");
    assert.equal((await lenient.events.waitFor(is("header"))).header?.crc32c, "invalid");
  });

  it("--max-connections 1: a second concurrent connection is closed at once and logged", async () => {
    const { events, addr } = await serve({ maxConnections: 1 });
    const first = await dial(addr);
    await first.write(textBytes(V1));
    await events.waitFor(is("header", 1));
    const second = await dial(addr);
    await second.write(concat(textBytes(V1), textBytes("x")));
    const r = await readAll(second);
    assert.equal(r.bytes.length, 0);
    const reject = await events.waitFor(is("reject", 2));
    assert.equal(reject.reason, "capacity");
    assert.ok(events.list.some((e) => e.event === "accept" && e.id === 2), "accept logged first");
    // The first one is unaffected; once it ends there is room again.
    await first.write(textBytes("still"));
    assert.equal(decoder.decode(await readExactly(first, 5)), "still");
    first.close();
    await events.waitFor(is("close", 1));
    const third = await exchange(addr, concat(textBytes(V1), textBytes("3")));
    assert.equal(decoder.decode(third.bytes), "3");
  });

  it("garbage on many connections never affects the listener", async () => {
    const { events, addr } = await serve({ headerTimeoutMs: 500 });
    const junk = [
      new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a, 0, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x2f]),
      textBytes("PROXY " + "A".repeat(200)),
      new Uint8Array(70_000).fill(0x0d),
      textBytes("PROXY TCP6 ::1 ::1 1 2\n"),
      concat(V2_TCP4.subarray(0, 14), new Uint8Array([0xff, 0xff])),
      new Uint8Array([]),
    ];
    await Promise.all(junk.map((j) => exchange(addr, j)));
    await events.waitFor(() => events.of("reject").length === junk.length);
    const ok = await exchange(addr, concat(textBytes(V1), textBytes("alive")));
    assert.equal(decoder.decode(ok.bytes), "alive");
  });

  it("stop() closes open connections (close event) and ends the server", async () => {
    const { server, events, addr } = await serve();
    const c = await dial(addr);
    await c.write(concat(textBytes(V1), textBytes("abc")));
    assert.equal(decoder.decode(await readExactly(c, 3)), "abc");
    await server.stop();
    const close = await events.waitFor(is("close"));
    assert.deepEqual([close.in, close.out], [3, 3]);
    assert.equal((await readAll(c)).bytes.length, 0);
    assert.deepEqual(await server.done, { reason: "stopped", ok: null });
    await assert.rejects(t.connect({ ...target(addr), timeoutMs: 2000 }));
  });

  it("periodic data events report progress of a busy connection", async () => {
    const { events, addr } = await serve({ dataIntervalMs: 30 });
    const c = await dial(addr);
    await c.write(concat(textBytes(V1), textBytes("12345")));
    await readExactly(c, 5);
    const data = await events.waitFor(is("data"));
    assert.deepEqual([data.in, data.out, data.hex], [5, 5, undefined]);
    await sleep(100);
    assert.equal(events.of("data").length, 1, "no event while nothing moves");
    c.close();
  });

  it("--hexdump with --json: each chunk in a data event with its hex", async () => {
    const { events, addr } = await serve({ hexdump: true });
    await exchange(addr, concat(textBytes(V1), textBytes("hi\x00")));
    const data = await events.waitFor(is("data"));
    assert.equal(data.hex, "686900");
    assert.equal(data.in, 3);
  });
});

describe("ppcat listen: --once", () => {
  it("ends after the first connection: exit 0 when its header was valid", async () => {
    const r0 = runListen(["--json", "--once", "127.0.0.1:0"]);
    const addr = await r0.addr();
    const r = await exchange(addr, concat(V2_TCP4, textBytes("x")));
    assert.equal(decoder.decode(r.bytes), "x");
    const out = await r0.result;
    assert.equal(out.code, 0);
    assert.deepEqual(
      out.out.trim().split("\n").map((l) => JSON.parse(l).event),
      ["listening", "accept", "header", "close", "summary"],
    );
    await assert.rejects(t.connect({ ...target(addr), timeoutMs: 2000 }), "no longer listening");
  });

  it("exit 1 when the first connection was rejected", async () => {
    const r0 = runListen(["--json", "--once", "127.0.0.1:0"]);
    await exchange(await r0.addr(), textBytes("SSH-2.0-OpenSSH\r\n"));
    const out = await r0.result;
    assert.equal(out.code, 1);
    const events = out.out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(events.at(-2).code, "NOT_PROXY");
    assert.deepEqual(events.at(-1).rejected, { invalid: 1 });
  });
});

const udp4 = (src: string, port: number) =>
  encoded({
    version: 2,
    protocol: "UDP4",
    source: { address: src, port },
    destination: { address: "192.0.2.53", port: 53 },
  });

async function udpClient(): Promise<DatagramSocket> {
  const s = await t.listenDatagram({ hostname: "127.0.0.1", port: 0 });
  clients.push(s);
  return s;
}

async function receive(s: DatagramSocket, ms = 2000): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const d = await Promise.race([
    s.receive(),
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms))),
  ]);
  clearTimeout(timer);
  if (d === "timeout" || d === null) throw new Error("no datagram");
  return d.data.slice();
}

describe("ppcat listen: UDP (§2: each datagram parsed on its own)", () => {
  it("valid, invalid, and two datagrams with different headers", async () => {
    const { events, addr } = await serve({ udp: true });
    assert.equal(addr.transport, "udp");
    const to = target(addr) as { hostname: string; port: number };
    const client = await udpClient();

    const a = udp4("198.51.100.1", 1111);
    await client.send(concat(a, textBytes("one")), to);
    assert.equal(decoder.decode(await receive(client)), "one");
    const first = await events.waitFor(is("datagram", 1));
    assert.deepEqual(first.header, expectedJson(concat(a, textBytes("one")), 3));
    assert.deepEqual([first.length, first.payload, first.out], [a.length + 3, 3, 3]);
    assert.deepEqual(first.peer, endpointOf(client.addr));

    // A datagram whose header is bad is dropped (no reply) and logged.
    const bad = a.slice();
    bad[12] = 0x2f; // §2.2: command 0xF
    await client.send(concat(bad, textBytes("nope")), to);
    const reject = await events.waitFor(is("reject", 2));
    assert.deepEqual([reject.reason, reject.code, reject.offset], [
      "invalid",
      "V2_BAD_COMMAND",
      12,
    ]);

    // A payload alone is no header: no carry-over from the previous datagram.
    await client.send(textBytes("two"), to);
    assert.equal((await events.waitFor(is("reject", 3))).code, "NOT_PROXY");

    const b = udp4("203.0.113.7", 2222);
    await client.send(concat(b, textBytes("three")), to);
    assert.equal(decoder.decode(await receive(client)), "three", "first reply since 'one'");
    const fourth = await events.waitFor(is("datagram", 4));
    assert.deepEqual(fourth.header?.source, { address: "203.0.113.7", port: 2222 });
    assert.deepEqual(first.header?.source, { address: "198.51.100.1", port: 1111 });
  });

  it("a header cut short by the end of the datagram is TRUNCATED", async () => {
    const { events, addr } = await serve({ udp: true });
    const client = await udpClient();
    const a = udp4("198.51.100.1", 1111);
    await client.send(a.subarray(0, 20), target(addr) as { hostname: string; port: number });
    const reject = await events.waitFor(is("reject"));
    assert.deepEqual([reject.reason, reject.code], ["invalid", "TRUNCATED"]);
  });

  it("--reply-info over UDP: a JSON datagram to a --trust peer, then the payload", async () => {
    const trust = parseCidrList("127.0.0.1");
    assert.ok(typeof trust !== "string");
    const { addr } = await serve({ udp: true, mode: "reply-info", trust });
    const client = await udpClient();
    const a = udp4("198.51.100.1", 1111);
    await client.send(
      concat(a, textBytes("p")),
      target(addr) as { hostname: string; port: number },
    );
    const info = JSON.parse(decoder.decode(await receive(client)));
    assert.deepEqual(info.header.source, { address: "198.51.100.1", port: 1111 });
    assert.deepEqual(info.peer, endpointOf(client.addr));
    assert.equal(decoder.decode(await receive(client)), "p");
  });
});

describe("ppcat listen: UNIX sockets and IPv6", () => {
  it("serves a UNIX socket (peer unnamed) and removes it when stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-listen-"));
    try {
      const path = join(dir, "pp.sock");
      const { server, events, addr } = await serve({ target: { path } });
      assert.deepEqual(addr, { transport: "unix", path });
      const bytes = encoded({
        version: 2,
        protocol: "UNIX_STREAM",
        source: { path: "/run/client.sock" },
        destination: { path: "/run/server.sock" },
      });
      const r = await exchange(addr, concat(bytes, textBytes("u")));
      assert.equal(decoder.decode(r.bytes), "u");
      const header = await events.waitFor(is("header"));
      assert.deepEqual(header.peer, { path: "" });
      assert.deepEqual(header.header?.source, { path: "/run/client.sock" });
      const listening = events.of("listening")[0];
      assert.deepEqual([listening?.transport, listening?.address], ["unix", { path }]);
      assert.ok(existsSync(path));
      await server.stop();
      assert.ok(!existsSync(path), "the socket file is gone");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("listens on [::1] and reports IPv6 peers", async () => {
    const r0 = runListen(["--json", "[::1]:0"]);
    const addr = await r0.addr();
    assert.equal((addr as { hostname: string }).hostname, "::1");
    const v1 = "PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n";
    const r = await exchange(addr, concat(textBytes(v1), textBytes("6")));
    assert.equal(decoder.decode(r.bytes), "6");
    const header = await r0.events.waitFor(is("header"));
    assert.deepEqual(header.peer, { address: "::1", port: (header.peer as { port: number }).port });
    assert.deepEqual(header.header?.source, { address: "2001:db8::1", port: 1 });
    await r0.stop();
  });
});

describe("ppcat listen: output", () => {
  it("address in use: one line on stderr, exit 1", async () => {
    const busy = await t.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (busy.addr as { port: number }).port;
      const r = await runListen([`127.0.0.1:${port}`]).result;
      assert.equal(r.code, 1);
      assert.equal(r.out, "");
      assert.equal(r.err, `ppcat listen: listen 127.0.0.1:${port}: address in use\n`);
    } finally {
      busy.close();
    }
  });

  it("human output: peer, source address and the header block, plain when not a TTY", async () => {
    const r0 = runListen(["127.0.0.1:0"]);
    const addr = await r0.addr();
    const c = await dial(addr);
    await c.write(concat(textBytes(V1), textBytes("x")));
    await c.closeWrite();
    await readAll(c);
    await r0.events.waitFor(is("close"));
    const out = await r0.stop();
    const peerPort = (c.localAddr as { port: number }).port;
    assert.equal(out.code, 0);
    assert.equal(out.err, "");
    assert.ok(!out.out.includes(ESC), "no colour without a terminal");
    assert.match(
      out.out,
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} listening on tcp 127\\.0\\.0\\.1:`),
    );
    assert.match(out.out, new RegExp(`#1 accept from 127\\.0\\.0\\.1:${peerPort} on `));
    assert.match(
      out.out,
      new RegExp(
        `#1 header v1 PROXY TCP4 from 127\\.0\\.0\\.1:${peerPort} .*source 192\\.0\\.2\\.1:56324`,
      ),
    );
    assert.match(out.out, /^ {4}source: +192\.0\.2\.1:56324$/m);
    assert.match(out.out, /^ {4}destination: +192\.0\.2\.11:443$/m);
    assert.match(out.out, /#1 close in 1 byte, out 1 byte/);
  });

  it("human output: a reject line with the code, and a hex dump with -x", async () => {
    const r0 = runListen(["-x", "127.0.0.1:0"]);
    const addr = await r0.addr();
    await exchange(addr, textBytes("PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n"));
    await exchange(addr, concat(textBytes(V1), textBytes("AB\x01")));
    await r0.events.waitFor(is("close", 2));
    const out = (await r0.stop()).out;
    assert.match(out, /#1 reject 127\.0\.0\.1:\d+: invalid V1_LEADING_ZERO at byte 17: /);
    assert.match(out, /^ {4}00000000 {2}41 42 01 +\|AB\.\|$/m);
  });

  it("colours on a TTY, never with NO_COLOR, never with --json", async () => {
    const go = async (args: string[], init: MemoryIoInit) => {
      const r0 = runListen(args, init);
      await exchange(await r0.addr(), concat(textBytes(V1), textBytes("x")));
      await r0.events.waitFor(is("close"));
      return (await r0.stop()).out;
    };
    assert.ok((await go(["127.0.0.1:0"], { tty: { stdout: true } })).includes(`${ESC}[`));
    assert.ok(
      !(await go(["127.0.0.1:0"], { tty: { stdout: true }, noColor: true })).includes(ESC),
    );
    const json = await go(["--json", "127.0.0.1:0"], { tty: { stdout: true } });
    assert.ok(!json.includes(ESC));
    for (const line of json.trim().split("\n")) {
      assert.equal(typeof JSON.parse(line).time, "string");
    }
  });

  it("a hostile UNIX path is escaped in human output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-listen-"));
    try {
      const bytes = encoded({
        version: 2,
        protocol: "UNIX_STREAM",
        source: { path: "/tmp/\x1b[2J\u202e" },
        destination: { path: "/x" },
      });
      const r0 = runListen([join(dir, "h.sock")]);
      await exchange(await r0.addr(), bytes);
      await r0.events.waitFor(is("close"));
      const out = (await r0.stop()).out;
      assert.ok(!out.includes(ESC) && !out.includes("\u202e"), out);
      assert.match(out, /\\u001b\[2J\\u202e/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function endpointOf(addr: NetAddr) {
  return addr.transport === "unix"
    ? { path: addr.path }
    : { address: addr.hostname, port: addr.port };
}

describe("ppcat listen (spawned)", () => {
  it("--once --json: prints the events, echoes, exits 0", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const env = { ...process.env };
    delete env.NO_COLOR;
    const child = spawn(
      process.execPath,
      cliArgv(["listen", "--once", "--json", "127.0.0.1:0"]),
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Uint8Array) => (stdout += decoder.decode(d)));
    child.stderr.on("data", (d: Uint8Array) => (stderr += decoder.decode(d)));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      const deadline = performance.now() + 15_000;
      while (!stdout.includes("\n")) {
        if (performance.now() > deadline) throw new Error(`no listening line; stderr: ${stderr}`);
        await sleep(20);
      }
      const listening = JSON.parse(stdout.slice(0, stdout.indexOf("\n")));
      assert.equal(listening.event, "listening");
      const port = listening.address.port;
      assert.ok(Number.isInteger(port) && port > 0);
      const r = await exchange(
        { transport: "tcp", hostname: "127.0.0.1", port },
        concat(V2_TCP4, textBytes("spawned")),
      );
      assert.equal(decoder.decode(r.bytes), "spawned");
      const code = await exited;
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
      const events = stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(
        events.map((e) => e.event),
        ["listening", "accept", "header", "close", "summary"],
      );
      assert.deepEqual(events[2].header, expectedJson(V2_TCP4));
      assert.deepEqual([events[3].in, events[3].out], [7, 7]);
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });
});

describe("ppcat listen: bounded output (item: a big header, a UDP amplifier)", () => {
  it("an event shows at most 32 TLVs and 2048 value bytes; the rest is counted", async () => {
    const tlvs = Array.from({ length: 5000 }, () => tlv.noopTlv(10));
    const header = encoded({ version: 2, protocol: "UNSPEC", tlvs });
    assert.ok(header.length > 60_000);
    const r0 = runListen(["--json", "127.0.0.1:0"]);
    await exchange(await r0.addr(), header);
    await r0.events.waitFor(is("close"));
    const out = (await r0.stop()).out;
    const line = out.split("\n").find((l) => l.includes('"event":"header"'))!;
    assert.ok(line.length < 8192, `header event of ${line.length} bytes`);
    const event = JSON.parse(line);
    assert.equal(event.header.tlvs.length, 32);
    assert.equal(event.header.headerLength, header.length);
    assert.deepEqual(event.tlvsOmitted, { count: 4968, bytes: 4968 * 10 });
    const human = runListen(["127.0.0.1:0"]);
    await exchange(await human.addr(), header);
    await human.events.waitFor(is("close"));
    const text = (await human.stop()).out;
    assert.ok(text.length < 8192, `human output of ${text.length} bytes`);
    assert.match(text, /… 4968 more TLVs \(49680 bytes\) not shown/);
  });

  it("--udp --reply-info answers no more bytes than it got, unless the peer is in --trust", async () => {
    const diagnostics: string[] = [];
    const { events, addr } = await serve({
      udp: true,
      mode: "reply-info",
      onDiagnostic: (m) => diagnostics.push(m),
    });
    const client = await udpClient();
    await client.send(
      concat(udp4("198.51.100.1", 1111), textBytes("p")),
      target(addr) as { hostname: string; port: number },
    );
    assert.equal(decoder.decode(await receive(client)), "p"); // the echo, no JSON first
    const d = await events.waitFor(is("datagram"));
    assert.ok(d.out <= d.length, `out ${d.out} of ${d.length} received`);
    assert.ok((d.withheld ?? 0) > d.length);
    assert.match(diagnostics.join("\n"), /sent only to peers in --trust \(no amplification\)/);
  });
});

describe("ppcat listen: like nc -l (--show, --oneline, --raw, --stdin)", () => {
  it("--show text: the payload as text, control bytes escaped; --json has it in data events", async () => {
    const r0 = runListen(["--show", "text", "127.0.0.1:0"]);
    await exchange(await r0.addr(), concat(textBytes(V1), textBytes("hello\r\nworld\x1b[2J\n")));
    await r0.events.waitFor(is("close"));
    const out = (await r0.stop()).out;
    assert.match(out, /^ {4}hello\\r$/m);
    assert.match(out, /^ {4}world\\x1b\[2J$/m);
    assert.ok(!out.includes(ESC));
    const j = runListen(["--json", "--show", "text", "127.0.0.1:0"]);
    await exchange(await j.addr(), concat(textBytes(V1), textBytes("hi")));
    await j.events.waitFor(is("close"));
    const lines = (await j.stop()).out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.find((e) => e.event === "data").text, "hi");
  });

  it("--oneline: one line per connection, served or rejected, then the summary", async () => {
    const r0 = runListen(["--oneline", "127.0.0.1:0"]);
    const addr = await r0.addr();
    await exchange(addr, concat(textBytes(V1), textBytes("abc")));
    await exchange(addr, textBytes("GET / HTTP/1.0\r\n\r\n"));
    await r0.events.waitFor(is("close"));
    await r0.events.waitFor(is("reject"));
    const lines = (await r0.stop()).out.trim().split("\n");
    assert.equal(lines.length, 4, lines.join("\n"));
    assert.match(lines[0]!, / listening on tcp /);
    const rest = lines.slice(1, 3).sort((a, b) => a.indexOf("#") - b.indexOf("#"));
    assert.ok(
      rest.some((l) =>
        / ok 127\.0\.0\.1:\d+: v1 TCP4 192\.0\.2\.1:56324 -> 192\.0\.2\.11:443, in 3 bytes, out 3 bytes, \d+ ms$/
          .test(l)
      ),
      rest.join("\n"),
    );
    assert.ok(rest.some((l) => / reject 127\.0\.0\.1:\d+: invalid NOT_PROXY at byte 0: /.test(l)));
    assert.match(
      lines[3]!,
      / summary \(stopped\) after \d+ ms: 2 connections, 1 served, rejected: 1 invalid;/,
    );
  });

  it("--raw: the payload bytes alone, nothing else", async () => {
    const r0 = runListen(["--raw", "--discard", "127.0.0.1:0"]);
    await exchange(await r0.addr(), concat(textBytes(V1), textBytes("raw\x00bytes\n")));
    await r0.events.waitFor(is("close"));
    const r = await r0.stop();
    assert.equal(r.out, "raw\x00bytes\n");
    assert.equal(r.err, "");
  });

  it("usage: --show takes text or hex; --stdin is not for --udp; --raw is not --json", () => {
    assert.match(
      (configFromArgs(["--show", "bin", ":0"]) as { message: string }).message,
      /--show: expected text or hex/,
    );
    assert.equal(configFromArgs(["--stdin", "--udp", ":0"]).kind, "usage");
    assert.equal(configFromArgs(["--stdin", "--echo", ":0"]).kind, "usage");
    assert.equal(configFromArgs(["--raw", "--json", ":0"]).kind, "usage");
  });
});

describe("ppcat listen (spawned): signals, stdin, a stalled stdout", () => {
  it("SIGTERM: a final summary event (--json), exit 0; SIGINT: exit 130", async () => {
    for (const [sig, code] of [["SIGTERM", 0], ["SIGINT", 130]] as const) {
      const child = spawnPpcat(["listen", "--json", "127.0.0.1:0"]);
      try {
        await waitFor(() => child.stdout().includes("\n"), 15_000, "the listening event");
        const port = JSON.parse(child.stdout().split("\n")[0]!).address.port;
        const addr: NetAddr = { transport: "tcp", hostname: "127.0.0.1", port };
        await exchange(addr, concat(V2_TCP4, textBytes("x")));
        await exchange(addr, textBytes("nope"));
        await waitFor(() => child.stdout().includes('"reject"'), 5_000, "the reject event");
        child.signal(sig);
        assert.equal(await child.exited, code, child.stderr());
        const last = JSON.parse(child.stdout().trim().split("\n").at(-1)!);
        assert.equal(last.event, "summary");
        assert.equal(last.reason, sig);
        assert.deepEqual(
          [last.connections, last.served, last.rejected, last.in, last.dropped],
          [2, 1, { invalid: 1 }, 1, 0],
        );
      } finally {
        child.kill();
      }
    }
  });

  it("--stdin: what is typed goes to the connection; its end half-closes", async () => {
    const child = spawnPpcat(["listen", "--stdin", "--json", "127.0.0.1:0"], { stdin: "pipe" });
    try {
      await waitFor(() => child.stdout().includes("\n"), 15_000, "the listening event");
      const port = JSON.parse(child.stdout().split("\n")[0]!).address.port;
      const c = await dial({ transport: "tcp", hostname: "127.0.0.1", port });
      await c.write(concat(V2_TCP4, textBytes("ping")));
      await waitFor(() => child.stdout().includes('"header"'), 5_000, "the header event");
      child.process.stdin!.write("typed\n");
      assert.equal(decoder.decode(await readExactly(c, 6)), "typed\n");
      child.process.stdin!.end();
      const rest = await readAll(c); // half-closed by the end of stdin; nothing echoed
      assert.deepEqual([rest.bytes.length, rest.end], [0, "eof"]);
      c.close();
      child.signal("SIGTERM");
      assert.equal(await child.exited, 0, child.stderr());
    } finally {
      child.kill();
    }
  });

  it(
    "stdout nobody reads: accepts and header timeouts go on, memory stays bounded, drops are counted",
    {
      timeout: 60_000,
    },
    async () => {
      const child = spawnPpcat(
        ["listen", "--json", "-x", "--discard", "--header-timeout", "0.5", "127.0.0.1:0"],
        { readStdout: false },
      );
      try {
        // The listening event is in the pipe, unread: find the port from /proc instead.
        const port = await listeningPort(child.process.pid!);
        const addr: NetAddr = { transport: "tcp", hostname: "127.0.0.1", port };
        // 8 MiB of payload = 16 MiB of hex events: far past the pipe and the 1 MiB backlog.
        const flood = await dial(addr);
        const block = new Uint8Array(64 * 1024).fill(0x41);
        await bounded(15_000, async () => {
          await flood.write(V2_TCP4);
          for (let i = 0; i < 128; i++) await flood.write(block); // a frozen server stops these
          await flood.closeWrite();
          assert.equal((await readAll(flood, 15_000)).end, "eof");
        }).finally(() => flood.close());
        // Still accepting and serving:
        const r = await exchange(addr, concat(V2_TCP4, textBytes("after")));
        assert.equal(r.end, "eof");
        // Still enforcing the header timeout (§2):
        const silent = await dial(addr);
        const started = performance.now();
        assert.equal((await readAll(silent, 5_000)).end, "eof");
        assert.ok(performance.now() - started < 4_000);
        const rss = rssBytes(child.process.pid!) ?? 0;
        assert.ok(rss > 0 && rss < 150 * 1024 * 1024, `RSS ${rss} bytes`);
        // Read it all now: the drops were counted, and said so.
        let out = "";
        child.process.stdout!.on("data", (d: Uint8Array) => (out += decoder.decode(d)));
        child.process.stdout!.resume();
        await waitFor(
          () => out.includes('"dropped"') || out.length > 4 * 1024 * 1024,
          10_000,
          "output",
        );
        child.signal("SIGTERM");
        assert.equal(await child.exited, 0, child.stderr());
        const lines = out.trim().split("\n").map((l) => JSON.parse(l));
        const summary = lines.at(-1);
        assert.equal(summary.event, "summary");
        assert.ok(summary.dropped > 0);
        assert.ok(lines.some((e) => e.event === "dropped" && e.count > 0));
      } finally {
        child.kill();
      }
    },
  );
});

/** The TCP port a process listens on, from /proc/net/tcp (its first listening socket). */
async function listeningPort(pid: number): Promise<number> {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    try {
      const inodes = new Set<string>();
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m) inodes.add(m[1]!);
      }
      for (const row of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
        const f = row.trim().split(/\s+/);
        if (f[3] === "0A" && inodes.has(f[9]!)) return parseInt(f[1]!.split(":")[1]!, 16);
      }
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error("the listener's port was not found");
}
