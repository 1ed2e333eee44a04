import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type BenchPlan, runBench } from "./engine.ts";
import { benchResult } from "./result.ts";
import { sourceEndpoint } from "./source.ts";
import { decodeHeader } from "../decode.ts";
import { encodeHeader } from "../encode.ts";
import { headerToJson } from "../json.ts";
import { acceptProxy } from "../server.ts";
import { type Conn, getTransport, type Listener } from "../transport.ts";

const utf8 = new TextEncoder();

/** An echo server that counts what it read and wrote. */
async function countingEcho(): Promise<{
  listener: Listener;
  port: number;
  counts: { read: number; written: number; connections: number };
  settled: () => Promise<void>;
}> {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const counts = { read: 0, written: 0, connections: 0 };
  const live = new Set<Promise<void>>();
  (async () => {
    for await (const conn of listener) {
      counts.connections++;
      const p = (async () => {
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            counts.read += n;
            await conn.write(buf.subarray(0, n));
            counts.written += n;
          }
        } catch {
          // reset: counted as far as it got
        } finally {
          conn.close();
        }
      })();
      live.add(p);
      p.then(() => live.delete(p));
    }
  })();
  const port = (listener.addr as { port: number }).port;
  return { listener, port, counts, settled: async () => void await Promise.all([...live]) };
}

function v1Header(index: number): Uint8Array {
  const r = encodeHeader({
    version: 1,
    protocol: "TCP4",
    source: { address: "198.18.0.1", port: 1 + index },
    destination: { address: "127.0.0.1", port: 443 },
  });
  assert.ok(r.ok);
  return r.value;
}

function plan(port: number, over: Partial<BenchPlan>): BenchPlan {
  return {
    hostname: "127.0.0.1",
    port,
    connections: 4,
    connectRate: Infinity,
    connectTimeoutMs: 2000,
    durationMs: 300,
    message: utf8.encode("PING\r\n"),
    firstMessage: new Uint8Array(0),
    messageRate: 0,
    channelLifetimeMs: Infinity,
    nagle: false,
    header: v1Header,
    firstIndex: 0,
    indexStep: 1,
    histogramDigits: 3,
    drainMs: 2000,
    ...over,
  };
}

describe("bench engine", () => {
  it("bulk: byte and message counts match what the echo target returned", async () => {
    const echo = await countingEcho();
    const first = utf8.encode("HELLO\r\n");
    const out = await runBench(plan(echo.port, { firstMessage: first }));
    await echo.settled();
    echo.listener.close();
    const t = out.totals;
    assert.equal(t.opened, 4);
    assert.equal(t.failed, 0);
    assert.equal(t.closed, 4);
    assert.ok(t.bytes.sent > 1_000_000, `only ${t.bytes.sent} bytes sent`);
    assert.equal(t.bytes.sent, echo.counts.read);
    assert.equal(t.bytes.received, echo.counts.written);
    // Echo returned everything: header, first message and whole messages are all accounted for.
    const overhead = 4 * (v1Header(0).length + first.length);
    // A connection may stop in the middle of a message: at most one partial per connection.
    assert.ok(t.messages.sent - t.messages.received <= 4);
    assert.ok(t.messages.received * 6 <= t.bytes.received - overhead);
    assert.ok(t.messages.received * 6 > t.bytes.received - overhead - 4 * 6);
    assert.equal(out.histograms.connect.count, 4);
    assert.equal(out.histograms.firstByte.count, 4);
    assert.equal(out.histograms.message.count, 0);
  });

  it("rate: holds the message rate on every connection, served a few per event-loop turn", async () => {
    const echo = await countingEcho();
    const out = await runBench(
      plan(echo.port, { messageRate: 200, durationMs: 1000, connections: 9 }),
    );
    await echo.settled();
    echo.listener.close();
    const t = out.totals;
    const r = benchResult(t, out.histograms);
    // 9 connections (more than two of the tick's batches) x 200/s: 1800/s, within 15 %.
    assert.ok(Math.abs(r.messageRate.up - 1800) < 270, `sent ${r.messageRate.up}/s`);
    assert.equal(t.messages.received, t.messages.sent);
    assert.equal(out.histograms.message.count, t.messages.received);
    const expected = 9 * 200 * (t.rampUpSeconds + t.durationSeconds);
    assert.ok(Math.abs(t.messages.sent - expected) < expected * 0.15 + 8, `${t.messages.sent}`);
    assert.equal(t.bytes.sent, echo.counts.read);
  });

  it("sends valid headers with distinct sources to a PROXY receiver, one per connection", async () => {
    const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as { port: number }).port;
    const sources: string[] = [];
    const errors: string[] = [];
    (async () => {
      for await (const conn of listener) {
        (async (c: Conn) => {
          const r = await acceptProxy(c, { versions: [2], headerTimeoutMs: 3000 });
          if (!r.ok) {
            errors.push(r.reason);
            return;
          }
          const src = headerToJson(r.header!).source as { address: string; port: number };
          sources.push(`${src.address}:${src.port}`);
          r.conn!.close();
        })(conn);
      }
    })();
    const header = (index: number) => {
      const r = encodeHeader({
        version: 2,
        protocol: "TCP4",
        // Rolls over from port 65535 to the next address after 6 connections.
        source: sourceEndpoint({ address: "198.18.0.1", port: 65530 }, index)!,
        destination: { address: "127.0.0.1", port },
        crc32c: true,
      });
      assert.ok(r.ok);
      const d = decodeHeader(r.value);
      assert.ok(d.ok);
      return r.value;
    };
    const out = await runBench(
      plan(port, { header, message: new Uint8Array(0), channelLifetimeMs: 0, connections: 2 }),
    );
    listener.close();
    assert.ok(out.totals.opened >= 10, `${out.totals.opened} connections`);
    assert.deepEqual(errors, []);
    // Every connection carried its own source, across the port rollover.
    assert.ok(sources.length >= 10);
    assert.equal(new Set(sources).size, sources.length);
    assert.ok(sources.includes("198.18.0.1:65535"));
    assert.ok(sources.includes("198.18.0.2:1"));
    assert.ok(sources.every((s) => /^198\.18\.0\.[12]:[0-9]+$/.test(s)), sources.join(" "));
  });

  it("an unreachable target ends the run at once with the connect error", async () => {
    const started = performance.now();
    const out = await runBench(plan(9, { durationMs: 5000 }));
    assert.ok(performance.now() - started < 3000);
    assert.equal(out.totals.opened, 0);
    assert.ok(out.totals.failed >= 1);
    assert.equal(out.totals.error?.code, "CONNECTION_REFUSED");
  });
});
