import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getTransport } from "../lib/transport.ts";
import { run } from "./bench.ts";
import { startListen } from "./listen_server.ts";
import { memoryIo, type MemoryIoInit, setIo } from "./io.ts";

async function bench(args: string[], init: MemoryIoInit = {}) {
  const mem = memoryIo(init);
  const restore = setIo(mem);
  let code: number;
  try {
    code = await run(args);
  } finally {
    restore();
  }
  return { code, out: mem.out(), err: mem.err() };
}

/** An echo server on a free port, for real runs. */
async function echo() {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  let read = 0;
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const buf = new Uint8Array(65536);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            read += n;
            await conn.write(buf.subarray(0, n));
          }
        } catch {
          // reset
        } finally {
          conn.close();
        }
      })();
    }
  })();
  return { listener, port: (listener.addr as { port: number }).port, read: () => read };
}

describe("ppcat bench", () => {
  it("prints its help on stdout", async () => {
    const r = await bench(["-h"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^ppcat bench - /);
    assert.match(r.out, /--channel-lifetime TIME/);
    assert.equal(r.err, "");
    const m = await bench(["merge", "--help"]);
    assert.equal(m.code, 0);
    assert.match(m.out, /^ppcat bench merge/);
  });

  it("rejects bad flags with one line and exit 2", async () => {
    for (
      const [args, pattern] of [
        [["-c", "x", "127.0.0.1:1"], /--connections: "x" is not a whole number/],
        [["-T", "10 s", "127.0.0.1:1"], /--duration: "10 s" is not a time/],
        [["-w", "0", "127.0.0.1:1"], /--connect-timeout: must be more than 0/],
        [["--header", "v3", "127.0.0.1:1"], /--header: "v3" is not one of v1, v2, none/],
        [["--header", "none", "--crc32c", "127.0.0.1:1"], /exclude each other/],
        [["--header", "v1", "--alpn", "h2", "127.0.0.1:1"], /version 1 cannot carry TLVs/],
        [["-r", "10", "127.0.0.1:1"], /--message-rate needs --message/],
        [["--nagle", "maybe", "127.0.0.1:1"], /--nagle/],
        [["--bogus", "127.0.0.1:1"], /unknown flag "--bogus"/],
        [[], /missing TARGET/],
        [["-f", "/nonexistent/file", "127.0.0.1:1"], /--message-file: cannot read/],
        [["example.test:1"], /--dst: TARGET "example.test" is a host name/],
      ] as const
    ) {
      const r = await bench([...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, pattern);
      assert.match(r.err, /^ppcat bench: [^\n]+ \(see ppcat bench --help\)\n$/);
      assert.equal(r.out, "");
    }
  });

  it("an unreachable target: one line, exit 3, quickly", async () => {
    const started = performance.now();
    const r = await bench(["-c", "3", "-T", "5s", "--workers", "1", "127.0.0.1:9"]);
    assert.equal(r.code, 3);
    assert.match(r.err, /^ppcat bench: connect 127\.0\.0\.1:9: connection refused/m);
    assert.doesNotMatch(r.err, /at .*\.ts:/); // no stack trace
    assert.ok(performance.now() - started < 3000);
  });

  it("runs against an echo server and reports in tcpkali's layout and as JSON", async () => {
    const server = await echo();
    const args = [
      "-c",
      "3",
      "-T",
      "300ms",
      "--workers",
      "1",
      "--connect-rate",
      "0",
      "--header",
      "v1",
    ];
    const text = await bench([...args, "-m", "PING\\r\\n", `127.0.0.1:${server.port}`]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^Total data sent: {5}[0-9.]+ MiB \([0-9]+ bytes\)$/m);
    assert.match(text.out, /^Aggregate bandwidth: [0-9.]+↓, [0-9.]+↑ Mbps$/m);
    assert.match(text.out, /^Test duration: [0-9.]+ s\.$/m);
    assert.match(text.err, /^Destination: 127\.0\.0\.1:/);

    const before = server.read();
    const r = await bench([
      ...args,
      "-m",
      "PING\\r\\n",
      "-r",
      "100",
      "--json",
      "--latency-percentiles",
      "50,100",
      `127.0.0.1:${server.port}`,
    ]);
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.connections.opened, 3);
    assert.equal(json.bytes.sent, json.bytes.received);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(json.bytes.sent, server.read() - before);
    assert.equal(json.messages.received, json.messages.sent);
    assert.deepEqual(Object.keys(json.latencyMs.message), ["p50", "p100"]);
    assert.equal(json.histograms.message.count, json.messages.received);
    for (const key of ["connections", "durationSeconds", "bytes", "mbps", "messages"]) {
      assert.ok(key in json, key);
    }
    server.listener.close();

    // merge: the same result twice doubles the counts, keeps the percentiles.
    const files = { "a.json": r.out, "b.json": r.out };
    const m = await bench(["merge", "--json", "a.json", "b.json"], { files });
    assert.equal(m.code, 0, m.err);
    const merged = JSON.parse(m.out);
    assert.equal(merged.messages.sent, 2 * json.messages.sent);
    assert.equal(merged.histograms.message.count, 2 * json.histograms.message.count);
    assert.deepEqual(merged.latencyMs.message, json.latencyMs.message);
    const bad = await bench(["merge", "a.json", "c.json"], { files });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^ppcat bench merge: cannot read "c\.json"/);
  });

  it("--workers 2: two worker processes share the connections; their results merge", async () => {
    const server = await echo();
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const runtime = "Bun" in globalThis ? [main] : ["run", "-A", main];
    const args = [
      "bench",
      "--workers",
      "2",
      "-c",
      "4",
      "-T",
      "500ms",
      "-m",
      "PING\\r\\n",
      "--json",
    ];
    const child = spawn(process.execPath, [...runtime, ...args, `127.0.0.1:${server.port}`]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
    const code = await new Promise((resolve) => child.on("close", resolve));
    server.listener.close();
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.connections.opened, 4);
    assert.equal(json.histograms.connect.count, 4);
    assert.ok(json.bytes.sent > 0);
    assert.equal(json.bytes.sent, json.bytes.received);
    assert.equal(json.bytes.sent, server.read());
  });

  it("ppcat listen receives a valid header with its own source on every connection", async () => {
    const sources: string[] = [];
    const rejects: string[] = [];
    const server = await startListen({
      target: { hostname: "127.0.0.1", port: 0 },
      onEvent: (event) => {
        if (event.event === "reject") {
          rejects.push(`${event.reason} ${event.code} ${event.received}`);
        }
        if (event.event === "header" && event.header !== null) {
          const src = event.header.source as { address: string; port: number };
          sources.push(`${src.address}:${src.port}`);
        }
      },
    });
    const port = (server.addr as { port: number }).port;
    const r = await bench([
      ...[
        "-c",
        "3",
        "--workers",
        "1",
        "--connect-rate",
        "0",
        "--channel-lifetime",
        "0",
        "-T",
        "300ms",
      ],
      ...["--src", "198.18.0.1:65534", "--crc32c", "--authority", "example.com"],
      `127.0.0.1:${port}`,
    ]);
    await server.stop();
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(rejects, []);
    assert.ok(sources.length >= 3, `${sources.length} headers`);
    assert.equal(new Set(sources).size, sources.length, "a source was used twice");
    assert.ok(sources.includes("198.18.0.1:65535") && sources.includes("198.18.0.2:1"));
  });
});
