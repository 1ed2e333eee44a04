import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import process from "node:process";
import { benchConnect, bulkOverLibc } from "./socket.ts";
import type { BenchHandlers, BenchSocket } from "./socket_types.ts";

/** The process runs on glibc (libc.so.6), as the libc sockets need; not musl. */
function onGlibc(): boolean {
  const report = (process as { report?: { getReport?: () => unknown } }).report?.getReport?.();
  const header = (report as { header?: { glibcVersionRuntime?: unknown } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === "string";
}
const onLinuxX64Bun = "Bun" in globalThis && process.platform === "linux" &&
  process.arch === "x64" && onGlibc();
const BULK = { hostname: "127.0.0.1", timeoutMs: 2000, nagle: false, bulk: true } as const;

async function serve(onConnection: (socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

/** A client that keeps what the socket layer reports (up to `capacity` bytes received). */
function recorder(capacity = 0): BenchHandlers & {
  received: Uint8Array;
  length: number;
  drains: number;
  closes: unknown[];
  closed: Promise<void>;
} {
  let done = () => {};
  const closed = new Promise<void>((resolve) => (done = resolve));
  const r = {
    received: new Uint8Array(capacity),
    length: 0,
    drains: 0,
    closes: [] as unknown[],
    closed,
    onData(bytes: Uint8Array, length: number) {
      r.received.set(bytes.subarray(0, Math.min(length, capacity - r.length)), r.length);
      r.length += length;
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
function writeAll(
  socket: BenchSocket,
  data: Uint8Array,
  handlers: { onDrain(): void; drains: number },
) {
  let at = 0;
  const pump = () => {
    while (at < data.length) {
      const n = socket.write(data, at, data.length - at);
      if (n <= 0) return;
      at += n;
    }
  };
  handlers.onDrain = () => {
    handlers.drains++;
    pump();
  };
  pump();
}

describe("bench libc sockets", () => {
  it("are chosen for bulk IPv4 runs on Bun on Linux x86_64 with glibc only, never on Deno", () => {
    assert.equal(bulkOverLibc({ ...BULK, port: 1 }), onLinuxX64Bun);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, bulk: false }), false);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, hostname: "::1" }), false);
    assert.equal(bulkOverLibc({ ...BULK, port: 1, hostname: "localhost" }), false);
    if ("Deno" in globalThis) assert.equal(bulkOverLibc({ ...BULK, port: 1 }), false);
  });

  it("sends the header first and receives every byte the echo returns, then closes", async () => {
    const firstBytes: Uint8Array[] = [];
    const server = await serve((s) => {
      s.once("data", (d: Uint8Array) => firstBytes.push(d));
      s.pipe(s);
    });
    const header = new TextEncoder().encode("PROXY TCP4 198.18.0.1 127.0.0.1 1 443\r\n");
    // More than the socket buffers both ways hold: writes stall and continue on drain.
    const body = new Uint8Array(16 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const total = header.length + body.length;
    const r = recorder(total);
    const socket = await benchConnect({ ...BULK, port: server.port }, r);
    assert.equal(socket.write(header, 0, header.length), header.length);
    writeAll(socket, body, r);
    // Half-close once all is back: the echo ends too, and the socket reports the close.
    const poll = setInterval(() => {
      if (r.length >= total) socket.shutdown();
    }, 5);
    await r.closed;
    clearInterval(poll);
    server.close();
    assert.equal(r.length, total);
    assert.ok(r.drains > 0, "no write stalled");
    assert.deepEqual(r.received.subarray(0, header.length), header);
    const back = r.received.subarray(header.length);
    let firstDifference = -1;
    for (let i = 0; i < body.length && firstDifference < 0; i++) {
      if (back[i] !== body[i]) firstDifference = i;
    }
    assert.equal(firstDifference, -1);
    assert.equal(new TextDecoder().decode(firstBytes[0]!.subarray(0, 6)), "PROXY ");
    assert.equal(r.closes.length, 1);
    assert.equal(socket.write(header, 0, 1), -1);
  });

  it("counts every byte without copying it once told that only the count matters", async () => {
    const marked = 1000;
    const rest = 4 << 20;
    const server = await serve((s) => {
      s.once("data", () => {
        s.write(new Uint8Array(marked).fill(0xab));
        setTimeout(() => s.end(new Uint8Array(rest).fill(0xcd)), 50);
      });
    });
    let length = 0;
    let staleChunks = 0;
    let freshChunks = 0;
    let socket: BenchSocket | null = null;
    let done = () => {};
    const closed = new Promise<void>((resolve) => (done = resolve));
    const handlers: BenchHandlers = {
      onData(bytes, n) {
        if (length === 0) socket!.countOnly?.();
        else if (bytes[0] === 0xab) staleChunks++;
        else freshChunks++;
        length += n;
      },
      onDrain() {},
      onClose: () => done(),
    };
    socket = await benchConnect({ ...BULK, port: server.port }, handlers);
    socket.write(new Uint8Array([1]), 0, 1);
    await closed;
    server.close();
    assert.equal(length, marked + rest);
    // On the libc path the reads after countOnly() leave the buffer as the first read left it.
    if (socket.countOnly !== undefined) assert.deepEqual([staleChunks > 0, freshChunks], [true, 0]);
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
