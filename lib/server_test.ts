import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseCidrList } from "./cidr.ts";
import {
  type AcceptOptions,
  acceptProxy,
  type AcceptResult,
  checkAcceptOptions,
  HEADER_BUFFER_POOL_MAX,
  HEADER_READ_SIZE,
  MAX_HEADER_TIMEOUT_MS,
  pooledHeaderBuffers,
} from "./server.ts";
import { pendingDeadlineSlots } from "./_deadlines.ts";
import { type Conn, getTransport, MIN_HEADER_TIMEOUT_MS } from "./transport.ts";
import { ascii, concat, SIG } from "./_testing.ts";

const t = getTransport();
const V1 = ascii("PROXY TCP4 198.51.100.9 192.0.2.1 40000 443\r\n");

// Runs `client` against one accepted connection and returns what acceptProxy said.
async function accept(
  options: AcceptOptions,
  client: (c: Conn) => Promise<void>,
): Promise<{ result: AcceptResult; payload: string }> {
  const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await t.connect(listener.addr);
  const [server] = await Promise.all([listener.accept(), client(conn)]);
  const result = await acceptProxy(server!, options);
  let payload = "";
  if (result.ok) {
    const buf = new Uint8Array(1024);
    for (;;) {
      const n = await result.conn.read(buf);
      if (n === null) break;
      payload += new TextDecoder().decode(buf.subarray(0, n));
    }
    result.conn.close();
  }
  conn.close();
  listener.close();
  return { result, payload };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("acceptProxy", () => {
  it("returns the header and hands over the payload that followed it", async () => {
    const { result, payload } = await accept({}, async (c) => {
      await c.write(concat(V1, ascii("GET / HTTP/1.0\r\n")));
      await c.closeWrite();
    });
    assert.ok(result.ok);
    assert.deepEqual(result.header?.source, { address: "198.51.100.9", port: 40000 });
    assert.equal(payload, "GET / HTTP/1.0\r\n");
  });

  it("readChunk, where the transport offers it, first returns the bytes after the header", {
    skip: t.name === "bun" ? false : "this transport offers no readChunk",
  }, async () => {
    const listener = await t.listen({ hostname: "127.0.0.1", port: 0 });
    const conn = await t.connect(listener.addr);
    const server = (await listener.accept())!;
    await conn.write(concat(V1, ascii("first")));
    const result = await acceptProxy(server, {});
    assert.ok(result.ok && result.conn.readChunk !== undefined);
    assert.equal(new TextDecoder().decode((await result.conn.readChunk())!), "first");
    await conn.write(ascii("second"));
    await conn.closeWrite();
    let rest = "";
    for (let c = await result.conn.readChunk(); c !== null; c = await result.conn.readChunk()) {
      rest += new TextDecoder().decode(c);
    }
    assert.equal(rest, "second");
    result.conn.close();
    conn.close();
    listener.close();
  });

  it("reassembles a header sent in fragments with delays", async () => {
    const { result, payload } = await accept({}, async (c) => {
      for (let i = 0; i < V1.length; i += 7) {
        await c.write(V1.subarray(i, i + 7));
        await sleep(5);
      }
      await c.write(ascii("x"));
      await c.closeWrite();
    });
    assert.ok(result.ok);
    assert.equal(result.header?.protocol, "TCP4");
    assert.equal(payload, "x");
  });

  it("§2: aborts a header that is not complete before the deadline", async () => {
    const { result } = await accept(
      { headerTimeoutMs: 150, allowShortHeaderTimeout: true },
      async (c) => {
        await c.write(V1.subarray(0, 20));
      },
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "timeout");
    assert.ok(!result.ok && result.afterMs >= 140, "waited for the deadline");
  });

  it("§2.1: aborts on a header that violates the spec, with the error code", async () => {
    const { result } = await accept({}, async (c) => {
      await c.write(ascii("PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n"));
    });
    assert.equal(!result.ok && result.reason, "invalid");
    assert.equal(!result.ok && result.error?.code, "V1_LEADING_ZERO");
  });

  it("§2: no header, no service (the default)", async () => {
    const { result } = await accept({}, async (c) => {
      await c.write(ascii("GET / HTTP/1.0\r\n\r\n"));
    });
    assert.equal(!result.ok && result.error?.code, "NOT_PROXY");
  });

  it("optional: bytes without a header are payload, untouched", async () => {
    const { result, payload } = await accept({ optional: true }, async (c) => {
      await c.write(ascii("\r\nHELLO"));
      await c.closeWrite();
    });
    assert.ok(result.ok);
    assert.equal(result.header, null);
    assert.equal(payload, "\r\nHELLO");
  });

  it("reports a peer that closes mid-header", async () => {
    const { result } = await accept({}, async (c) => {
      await c.write(concat(SIG, [0x21]));
      await c.closeWrite();
    });
    assert.equal(!result.ok && result.reason, "closed");
    assert.equal(!result.ok && result.received, 13);
  });

  it("§2: refuses peers outside the trust list, or serves them header-less with optional", async () => {
    const trust = parseCidrList("10.0.0.0/8");
    assert.ok(Array.isArray(trust));
    const refused = await accept({ trust }, (c) => c.write(V1));
    assert.equal(!refused.result.ok && refused.result.reason, "untrusted");
    const served = await accept({ trust, optional: true }, async (c) => {
      await c.write(V1);
      await c.closeWrite();
    });
    assert.ok(served.result.ok);
    assert.equal(served.result.header, null);
    assert.equal(served.result.untrusted, true);
    assert.equal(
      served.payload,
      new TextDecoder().decode(V1),
      "an untrusted header is just payload",
    );
    const local = parseCidrList("127.0.0.0/8");
    assert.ok(Array.isArray(local));
    const trusted = await accept({ trust: local }, async (c) => {
      await c.write(V1);
      await c.closeWrite();
    });
    assert.ok(trusted.result.ok);
  });

  it("refuses versions it is not configured for", async () => {
    const { result } = await accept({ versions: [2] }, (c) => c.write(V1));
    assert.equal(!result.ok && result.error?.code, "VERSION_NOT_ALLOWED");
  });
});

describe("acceptProxy: headerTimeoutMs", () => {
  for (const bad of [Infinity, NaN, -1, 0, 2 ** 31, Number.MAX_VALUE]) {
    it(`rejects ${bad} with HEADER_TIMEOUT_INVALID and closes the connection`, async () => {
      let closed = false;
      const conn = { close: () => void (closed = true) } as unknown as Conn;
      await assert.rejects(acceptProxy(conn, { headerTimeoutMs: bad }), {
        name: "AcceptOptionsError",
        code: "HEADER_TIMEOUT_INVALID",
      });
      assert.equal(closed, true);
    });
  }

  it("§2: rejects a timeout under 3 s unless allowShortHeaderTimeout says so", async () => {
    const conn = { close: () => {} } as unknown as Conn;
    await assert.rejects(acceptProxy(conn, { headerTimeoutMs: 2999 }), {
      code: "HEADER_TIMEOUT_TOO_SHORT",
    });
    assert.equal(
      checkAcceptOptions({ headerTimeoutMs: 2999, allowShortHeaderTimeout: true }),
      null,
    );
    assert.equal(checkAcceptOptions({ headerTimeoutMs: MIN_HEADER_TIMEOUT_MS }), null);
    assert.equal(checkAcceptOptions({ headerTimeoutMs: MAX_HEADER_TIMEOUT_MS }), null);
  });
});

// A connection in memory: reads wait for `feed` (or `close`), and record the buffers they got.
function memoryConn() {
  const buffers: Uint8Array[] = [];
  let pending: { buf: Uint8Array; done: (n: number | null) => void } | null = null;
  let closed = false;
  const addr = { transport: "tcp", hostname: "127.0.0.1", port: 1 } as const;
  const conn: Conn = {
    localAddr: addr,
    remoteAddr: addr,
    read(buf) {
      buffers.push(buf);
      if (closed) return Promise.resolve(null);
      return new Promise((done) => (pending = { buf, done }));
    },
    write: () => Promise.resolve(),
    closeWrite: () => Promise.resolve(),
    close() {
      closed = true;
      pending?.done(null);
      pending = null;
    },
    setNoDelay() {},
  };
  const feed = (bytes: Uint8Array) => {
    const p = pending!;
    pending = null;
    p.buf.set(bytes);
    p.done(bytes.length);
  };
  return { conn, buffers, feed };
}

describe("acceptProxy: what a connection waiting for its header holds", () => {
  it("one small pooled buffer, and a timer shared with the connections due at the same time", async () => {
    const n = 64;
    const conns = Array.from({ length: n }, memoryConn);
    const results = conns.map((c) => acceptProxy(c.conn, { headerTimeoutMs: 60_000 }));
    await sleep(0);
    // Every pending read got a buffer of HEADER_READ_SIZE, no more.
    for (const c of conns) assert.deepEqual(c.buffers.map((b) => b.length), [HEADER_READ_SIZE]);
    // All deadlines fall within two slots: at most two timers for the 64 connections.
    assert.ok(pendingDeadlineSlots() <= 2, `${pendingDeadlineSlots()} timers`);
    for (const c of conns) c.feed(V1);
    for (const r of await Promise.all(results)) assert.ok(r.ok);
    // The buffers went back to the pool, and the timers are gone.
    assert.ok(pooledHeaderBuffers() >= Math.min(n, HEADER_BUFFER_POOL_MAX));
    assert.equal(pendingDeadlineSlots(), 0);
    // The next connections read into the same buffers.
    const again = memoryConn();
    const result = acceptProxy(again.conn);
    await sleep(0);
    assert.ok(conns.some((c) => c.buffers[0] === again.buffers[0]));
    again.conn.close();
    assert.equal((await result).ok, false);
  });

  it("§2: the shared deadline still ends a silent connection, as timeout", async () => {
    const c = memoryConn();
    const started = performance.now();
    const r = await acceptProxy(c.conn, { headerTimeoutMs: 50, allowShortHeaderTimeout: true });
    const elapsed = performance.now() - started;
    assert.ok(!r.ok && r.reason === "timeout");
    assert.ok(elapsed >= 45, `${elapsed} ms`); // never early (timer granularity aside)
    assert.equal(pendingDeadlineSlots(), 0);
  });
});
