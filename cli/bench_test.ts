import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as hdr from "hdr-histogram-js";
import process from "node:process";
import { getTransport } from "../lib/transport.ts";
import { jobProblems } from "./bench_k8s.ts";
import { startListen } from "./listen_server.ts";
import type { MemoryIoInit } from "./io.ts";
import { cliArgv, runCli } from "./_testing.ts";
import {
  type HdrHistogramJson,
  histogramFromJson,
  recordedValues,
} from "../lib/bench/hdr_histogram.ts";

/** An hdr-histogram-js histogram with the counts of `json` (same layout), or null. */
function toHdrJs(json: HdrHistogramJson): hdr.Histogram | null {
  const h = histogramFromJson(json);
  if (!h.ok) return null;
  const out = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: h.value.highest,
    numberOfSignificantValueDigits: h.value.digits as 1 | 2 | 3 | 4 | 5,
    useWebAssembly: false,
  });
  for (const [value, count] of recordedValues(h.value)) out.recordValueWithCount(value, count);
  return out;
}

/** `ppcat bench <args>`, in-process. */
function bench(args: string[], init: MemoryIoInit = {}) {
  return runCli(["bench", ...args], init);
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
        [
          ["--latency-from", "read", "127.0.0.1:1"],
          /--latency-from: "read" is not one of schedule, write/,
        ],
        [["--start-at", "soon", "127.0.0.1:1"], /--start-at: "soon" is not an RFC 3339/],
        [["--start-at", "4102444800", "127.0.0.1:1"], /--start-at: more than a day ahead/],
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
    const child = spawn(process.execPath, cliArgv([...args, `127.0.0.1:${server.port}`]));
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

  it("merge refuses totals past 2^53 and a malformed error", async () => {
    const server = await echo();
    const r = await bench([
      "-c",
      "1",
      "-T",
      "100ms",
      "--workers",
      "1",
      "--json",
      `127.0.0.1:${server.port}`,
    ]);
    server.listener.close();
    assert.equal(r.code, 0, r.err);
    const big = JSON.parse(r.out);
    big.bytes.sent = Number.MAX_SAFE_INTEGER - 1;
    const badError = { ...JSON.parse(r.out), error: { code: 7 } };
    const files = {
      "a.json": JSON.stringify(big),
      "b.json": JSON.stringify(big),
      "e.json": JSON.stringify(badError),
      "inf.json": r.out.replace(/"runs":1/, '"runs":1e400'),
    };
    const over = await bench(["merge", "--json", "a.json", "b.json"], { files });
    assert.equal(over.code, 1);
    assert.match(over.err, /^ppcat bench merge: BENCH_OVERFLOW: "bytes\.sent" adds up to more/);
    assert.equal(over.out, "");
    const e = await bench(["merge", "e.json"], { files });
    assert.equal(e.code, 1);
    assert.match(e.err, /e\.json: "error" is not null/);
    const inf = await bench(["merge", "inf.json"], { files });
    assert.equal(inf.code, 1);
    assert.match(inf.err, /"runs" is missing or not a number/);
  });

  it("--latency-from write and --start-at: latencies from the write; the start waits", async () => {
    const server = await echo();
    const startAt = (Date.now() + 700) / 1000;
    const started = performance.now();
    const r = await bench([
      ...["-c", "2", "--workers", "1", "--connect-rate", "0", "-r", "200", "-m", "PING\\r\\n"],
      ...["--latency-from", "write", "--start-at", startAt.toFixed(3), "-T", "300ms", "--json"],
      `127.0.0.1:${server.port}`,
    ]);
    server.listener.close();
    assert.equal(r.code, 0, r.err);
    assert.ok(performance.now() - started >= 950, "started before --start-at");
    const json = JSON.parse(r.out);
    assert.ok(json.messages.received > 0);
    assert.equal(json.histograms.message.count, json.messages.received);
  });

  it(
    "SIGTERM: workers stop, partial results merge and print, exit 143",
    { timeout: 60_000 },
    async () => {
      const server = await echo();
      const child = spawnSelf(
        ["--workers", "2", "-c", "4", "-T", "30s", "-m", "PING\\r\\n", "--json"],
        server.port,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      child.process.kill("SIGTERM");
      const { code, signal } = await child.exited;
      server.listener.close();
      // 143 = 128 + SIGTERM; Deno's child_process reports a Deno child's 143 as the signal.
      assert.ok(code === 143 || (code === null && signal === "SIGTERM"), `${code} ${signal}`);
      const json = JSON.parse(child.out());
      assert.equal(json.runs, 2);
      assert.equal(json.connections.opened, 4);
      assert.ok(json.bytes.received > 0);
    },
  );

  it("workers never outlive a parent killed with SIGKILL", { timeout: 60_000 }, async (t) => {
    if (spawnSync("pgrep", ["--version"]).error !== undefined) {
      t.skip("pgrep (procps) is not installed");
      return;
    }
    const server = await echo();
    const child = spawnSelf(
      ["--workers", "2", "-c", "4", "-T", "30s", "-m", "PING\\r\\n"],
      server.port,
    );
    const pid = child.process.pid!;
    let workers: number[] = [];
    for (let i = 0; i < 50 && workers.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const r = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" });
      workers = r.stdout.split("\n").filter((x) => x !== "").map(Number);
    }
    assert.equal(workers.length, 2, "two workers started");
    child.process.kill("SIGKILL");
    await child.exited;
    let alive = workers;
    for (let i = 0; i < 50 && alive.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      alive = alive.filter(running);
    }
    server.listener.close();
    assert.deepEqual(alive, [], "workers still running after the parent died");
  });

  it("bench k8s prints the golden Indexed Job, valid by the schema check", async () => {
    const r = await bench([
      "k8s",
      ...["--pods", "3", "--image", "ghcr.io/example/ppcat:1", "--name", "edge-load"],
      ...["--start-at", "2026-12-05T18:00:00Z", "-c", "300", "--connect-rate", "30"],
      ...["-m", "PING\\r\\n", "-T", "1m", "10.0.0.5:443"],
    ]);
    assert.equal(r.code, 0, r.err);
    const job = JSON.parse(r.out);
    assert.deepEqual(jobProblems(job), []);
    assert.deepEqual(job, GOLDEN_JOB);
    assert.match(r.err, /^ppcat bench merge edge-load-\*\.json$/m);
    const bad = await bench(["k8s", "--pods", "3", "--image", "i", "--json", "h:1"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--json: set by 'bench k8s'/);
    const badBench = await bench(["k8s", "--pods", "3", "--image", "i", "-c", "x", "h:1"]);
    assert.equal(badBench.code, 2);
    assert.match(badBench.err, /^ppcat bench k8s: --connections: "x" is not a whole number/);
  });

  it("--shard: the shards' connections add up to -c with distinct sources", async () => {
    const sources = new Set<string>();
    let headers = 0;
    const server = await startListen({
      target: { hostname: "127.0.0.1", port: 0 },
      onEvent: (event) => {
        if (event.event === "header" && event.header !== null) {
          const src = event.header.source as { address: string; port: number };
          sources.add(`${src.address}:${src.port}`);
          headers++;
        }
      },
    });
    const port = (server.addr as { port: number }).port;
    const opened: number[] = [];
    for (const shard of ["0/3", "1/3", "2/3"]) {
      const r = await bench([
        ...["-c", "7", "--workers", "1", "--connect-rate", "0", "-T", "200ms", "--json"],
        ...["--shard", shard, `127.0.0.1:${port}`],
      ]);
      assert.equal(r.code, 0, r.err);
      opened.push(JSON.parse(r.out).connections.opened);
    }
    await server.stop();
    assert.deepEqual(opened, [3, 2, 2]);
    assert.equal(headers, 7);
    assert.equal(sources.size, 7, "a source was used by two shards");
  });

  it("--hdr-log decodes back (hdr-histogram-js's reader) to the same histograms", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ppcat-hdr-"));
    const server = await echo();
    try {
      const log = join(dir, "run.hlog");
      const r = await bench([
        ...["-c", "4", "--workers", "1", "--connect-rate", "0", "-r", "300", "-m", "PING\\r\\n"],
        ...["-T", "1500ms", "--json", "--hdr-log", log, `127.0.0.1:${server.port}`],
      ]);
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(r.out);
      const text = readFileSync(log, "utf8");
      assert.match(text, /^#\[StartTime: [0-9]+\.[0-9]{3} \(seconds since epoch\), /m);
      assert.match(text, /^#\[BaseTime: [0-9]+\.[0-9]{3} \(seconds since epoch\)\]$/m);
      assert.match(
        text,
        /^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$/m,
      );
      assert.deepEqual(hdr.listTags(text).sort(), ["NO TAG", "connect", "firstByte", "message"]);
      const reader = new hdr.HistogramLogReader(text, 64, false);
      for (const kind of ["connect", "firstByte", "message"] as const) {
        const decoded = reader.nextIntervalHistogram();
        assert.ok(decoded !== null, kind);
        assert.equal(decoded.tag, kind);
        const ours = toHdrJs(json.histograms[kind])!;
        assert.equal(decoded.totalCount, json.histograms[kind].count, kind);
        // Every count per value; the maximum line aside (the encoding stores counts only, and
        // a decoder takes the top of the highest bucket as the maximum).
        const table = (h: hdr.Histogram) =>
          h.outputPercentileDistribution().split("\n").filter((l) => !l.startsWith("#[Max"));
        assert.deepEqual(table(decoded), table(ours), kind);
      }
      // Then one-second intervals of message latency: some of the samples, never more.
      let intervals = 0;
      let samples = 0;
      for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
        assert.equal(h.tag, "NO TAG");
        intervals++;
        samples += h.totalCount;
      }
      assert.ok(intervals >= 1, "no one-second interval");
      assert.ok(samples > 0 && samples <= json.histograms.message.count, `${samples} samples`);
    } finally {
      server.listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--html renders in headless Chromium; the plotted percentiles are the JSON's", {
    timeout: 60_000,
  }, async (t) => {
    const chromium = ["chromium", "chromium-browser", "google-chrome"].find((c) =>
      spawnSync(c, ["--version"]).status === 0
    );
    if (chromium === undefined) {
      t.skip("no chromium installed");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "ppcat-html-"));
    const server = await echo();
    try {
      const page = join(dir, "report.html");
      const r = await bench([
        ...["-c", "4", "--workers", "1", "--connect-rate", "0", "-r", "300", "-m", "PING\\r\\n"],
        ...["-T", "1500ms", "--json", "--html", page, `127.0.0.1:${server.port}`],
      ]);
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(r.out);
      const html = readFileSync(page, "utf8");
      assert.doesNotMatch(html, /<script[^>]* src=|<link |url\(/, "not self-contained");
      const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600"];
      const dom = spawnSync(chromium, [...flags, "--dump-dom", `file://${page}`], {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.match(dom.stdout, /data-rendered="4"/, "the four charts were drawn");
      for (const kind of ["connect", "firstByte", "message"] as const) {
        for (const p of json.latencyPercentiles as number[]) {
          const re = new RegExp(`data-kind="${kind}" data-p="${p}">([0-9.]+)<`);
          const m = re.exec(dom.stdout);
          assert.ok(m !== null, `${kind} p${p} not plotted`);
          assert.equal(Number(m[1]), json.latencyMs[kind][`p${p}`], `${kind} p${p}`);
        }
      }
      const png = join(dir, "report.png");
      spawnSync(chromium, [...flags, `--screenshot=${png}`, `file://${page}`], {
        timeout: 60_000,
      });
      const bytes = readFileSync(png);
      assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    } finally {
      server.listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("-T caps the ramp-up: a connect rate too slow for -c still ends on time", async () => {
    const server = await echo();
    const r = await bench([
      ...["-c", "2000", "--connect-rate", "200", "-T", "500ms", "--workers", "1", "--json"],
      `127.0.0.1:${server.port}`,
    ]);
    server.listener.close();
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.ok(json.rampUpSeconds <= 0.75, `ramp-up ${json.rampUpSeconds} s`);
    assert.ok(json.connections.opened < 2000);
    assert.match(r.err, /Ramped up to [0-9]+ of 2000 connections\./);
  });

  it("--workers 2 on a terminal: one progress line a second, merged over the workers", {
    timeout: 60_000,
  }, async (t) => {
    if (spawnSync("script", ["--version"]).status !== 0) {
      t.skip("script(1) (util-linux) is not installed");
      return;
    }
    const server = await echo();
    const command = [
      process.execPath,
      ...cliArgv(["bench", "--workers", "2", "-c", "4", "-T", "4s"]),
    ]
      .concat(["-m", "'PING\\r\\n'", `127.0.0.1:${server.port}`, ">/dev/null"]).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"]);
    let tty = "";
    child.stdout.on("data", (d: Uint8Array) => (tty += new TextDecoder().decode(d)));
    const code = await new Promise((resolve) => child.on("close", resolve));
    server.listener.close();
    assert.equal(code, 0, tty);
    const lines = tty.split(/[\r\n]/).filter((l) => l.includes("Traffic"));
    assert.ok(lines.length >= 2, tty); // at 2 s, 3 s and 4 s
    for (const l of lines) assert.match(l, /Traffic [0-9.]+↓, [0-9.]+↑ Mbps \(conns 4, failed 0;/);
  });
});

/** Whether `pid` runs (a zombie waiting to be reaped has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** `ppcat bench ARGS 127.0.0.1:PORT` in a child process of the running runtime. */
function spawnSelf(args: string[], port: number) {
  const child = spawn(process.execPath, cliArgv(["bench", ...args, `127.0.0.1:${port}`]));
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
  child.stderr.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  );
  return { process: child, exited, out: () => out, err: () => err };
}

const GOLDEN_JOB = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: "edge-load",
    labels: { "app.kubernetes.io/name": "ppcat-bench", "ppcat.bench/run": "edge-load" },
  },
  spec: {
    completionMode: "Indexed",
    completions: 3,
    parallelism: 3,
    backoffLimit: 0,
    template: {
      metadata: {
        labels: { "app.kubernetes.io/name": "ppcat-bench", "ppcat.bench/run": "edge-load" },
      },
      spec: {
        restartPolicy: "Never",
        containers: [{
          name: "ppcat",
          image: "ghcr.io/example/ppcat:1",
          args: [
            ...["bench", "-c", "300", "--connect-rate", "30", "-m", "PING\\r\\n", "-T", "1m"],
            ...["--workers", "1", "--json", "--start-at", "2026-12-05T18:00:00.000Z"],
            ...["--shard", "$(INDEX)/3", "10.0.0.5:443"],
          ],
          env: [{
            name: "INDEX",
            valueFrom: {
              fieldRef: {
                fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
              },
            },
          }],
        }],
      },
    },
  },
};
