import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import process from "node:process";
import { benchConnect, bulkOverLibc } from "./socket.ts";
import { ipv4Bytes } from "./socket_ffi.ts";
import type { BenchHandlers, BenchSocket } from "./socket_types.ts";

const onLinuxX64Bun = "Bun" in globalThis && process.platform === "linux" &&
  process.arch === "x64";
const BULK = { hostname: "127.0.0.1", timeoutMs: 2000, nagle: false, bulk: true } as const;

async function serve(onConnection: (socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** A client that records what the socket layer reports. */
function recorder(): BenchHandlers & {
  received: number[];
  closes: unknown[];
  closed: Promise<void>;
} {
  let done = () => {};
  const closed = new Promise<void>((resolve) => (done = resolve));
  const r = {
    received: [] as number[],
    closes: [] as unknown[],
    closed,
    onData(bytes: Uint8Array, length: number) {
      for (let i = 0; i < length; i++) r.received.push(bytes[i]!);
    },
    onDrain() {},
    onClose(error: unknown) {
      r.closes.push(error);
      done();
    },
  };
  return r;
}

/** Writes all of `data`, waiting out partial writes. */
function writeAll(socket: BenchSocket, data: Uint8Array, handlers: { onDrain(): void }) {
  let at = 0;
  const pump = () => {
    while (at < data.length) {
      const n = socket.write(data, at, data.length - at);
      if (n <= 0) return;
      at += n;
    }
  };
  handlers.onDrain = pump;
  pump();
}

describe("bench libc sockets", () => {
  it("are chosen for bulk IPv4 runs on Bun on Linux x86_64 only, never on Deno", () => {
    assert.equal(bulkOverLibc({ ...BULK, port: 1 }), onLinuxX64Bun);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, bulk: false }), false);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, hostname: "::1" }), false);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, hostname: "localhost" }), false);
    if ("Deno" in globalThis) assert.equal(bulkOverLibc({ ...BULK, port: 1 }), false);
  });

  it("parses IPv4 literals only", () => {
    assert.deepEqual(ipv4Bytes("127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
    assert.equal(ipv4Bytes("256.0.0.1"), null);
    assert.equal(ipv4Bytes("01.2.3.4"), null);
    assert.equal(ipv4Bytes("1.2.3"), null);
  });

  it("sends the header first and receives every byte the echo returns, then closes", async () => {
    const firstBytes: Uint8Array[] = [];
    const server = await serve((s) => {
      s.once("data", (d: Uint8Array) => firstBytes.push(d));
      s.pipe(s);
    });
    const header = new TextEncoder().encode("PROXY TCP4 198.18.0.1 127.0.0.1 1 443\r\n");
    const body = new Uint8Array(3_000_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const r = recorder();
    const socket = await benchConnect({ ...BULK, port: server.port }, r);
    assert.equal(socket.write(header, 0, header.length), header.length);
    writeAll(socket, body, r);
    // Half-close once all is written: the echo ends too, and the socket reports the close.
    const poll = setInterval(() => {
      if (r.received.length >= header.length + body.length) socket.shutdown();
    }, 5);
    await r.closed;
    clearInterval(poll);
    server.close();
    assert.equal(r.received.length, header.length + body.length);
    assert.deepEqual(new Uint8Array(r.received.slice(0, header.length)), header);
    assert.deepEqual(new Uint8Array(r.received.slice(header.length)), body);
    assert.equal(new TextDecoder().decode(firstBytes[0]!.subarray(0, 6)), "PROXY ");
    assert.equal(r.closes.length, 1);
    assert.equal(socket.write(header, 0, 1), -1);
  });

  it("reports a peer's close once, and a reset with its error", async () => {
    const server = await serve((s) => {
      setTimeout(() => s.resetAndDestroy(), 50);
    });
    const r = recorder();
    const socket = await benchConnect({ ...BULK, port: server.port }, r);
    const chunk = new Uint8Array(65536);
    writeAll(socket, chunk, r);
    await r.closed;
    server.close();
    assert.equal(r.closes.length, 1);
    if (bulkOverLibc({ ...BULK, port: server.port })) {
      assert.equal((r.closes[0] as { code?: string }).code, "ECONNRESET");
    }
    assert.equal(socket.write(chunk, 0, 1), -1);
    socket.close(); // idempotent: no second report
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(r.closes.length, 1);
  });

  it("rejects a refused connect as the other sockets do", async () => {
    await assert.rejects(benchConnect({ ...BULK, port: 9 }, recorder()), {
      code: "CONNECTION_REFUSED",
    });
  });
});
