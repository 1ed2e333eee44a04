// The merge as a cluster uses it: three `ppcat bench` processes in three network namespaces,
// each joined by a veth pair to a fourth namespace that holds an echo server, started with one
// --start-at and merged. Needs root and `ip netns`; skips with the reason elsewhere. The
// namespaces and links are removed whatever happens.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import {
  createHistogram,
  histogramFromJson,
  recordedValues,
  recordValue,
  valueAtPercentile,
} from "../lib/bench/hdr_histogram.ts";
import { runMerge } from "./bench_merge.ts";
import { cliArgv } from "./_testing.ts";
import { memoryIo, setIo } from "./io.ts";

const CLIENTS = 3;
const PORT = 7411;

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return { ok: r.status === 0, err: (r.stderr ?? r.error?.message ?? "").trim() };
}

/** Why this machine cannot run the test, or null. */
function cannotRun(): string | null {
  if (process.platform !== "linux") return "network namespaces are Linux only";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "needs root";
  const probe = `ppcat-probe-${process.pid}`;
  const r = ip("netns", "add", probe);
  if (!r.ok) return `ip netns add failed: ${r.err || "no ip command"}`;
  ip("netns", "del", probe);
  return null;
}

function run(cmd: string, args: string[]) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
  child.stderr.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, out: () => out, err: () => err };
}

describe("ppcat bench across network namespaces", () => {
  it("three processes, one --start-at, merged: totals add up, percentiles are exact", {
    timeout: 60_000,
  }, async (t) => {
    const why = cannotRun();
    if (why !== null) {
      t.skip(why);
      return;
    }
    const tag = `pp${process.pid % 100000}`;
    const server = `${tag}-srv`;
    const clients = Array.from({ length: CLIENTS }, (_, i) => `${tag}-c${i}`);
    let echo: ReturnType<typeof run> | null = null;
    try {
      for (const ns of [server, ...clients]) {
        assert.ok(ip("netns", "add", ns).ok, `netns add ${ns}`);
        ip("-n", ns, "link", "set", "lo", "up");
      }
      for (let i = 0; i < CLIENTS; i++) {
        const c = `${tag}c${i}`;
        const s = `${tag}s${i}`;
        const r = ip(
          "link",
          "add",
          c,
          "netns",
          clients[i]!,
          "type",
          "veth",
          "peer",
          s,
          "netns",
          server,
        );
        assert.ok(r.ok, r.err);
        ip("-n", clients[i]!, "addr", "add", `10.231.${i}.2/24`, "dev", c);
        ip("-n", server, "addr", "add", `10.231.${i}.1/24`, "dev", s);
        ip("-n", clients[i]!, "link", "set", c, "up");
        ip("-n", server, "link", "set", s, "up");
      }
      // The echo server: the runtime running this test, in the fourth namespace.
      const code =
        `require("node:net").createServer((s) => { s.on("error", () => {}); s.pipe(s); })` +
        `.listen(${PORT}, "0.0.0.0", () => console.log("up"));`;
      const evalArgs = "Bun" in globalThis ? ["-e", code] : ["eval", code];
      echo = run("ip", ["netns", "exec", server, process.execPath, ...evalArgs]);
      for (let i = 0; i < 100 && !echo.out().includes("up"); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(echo.out().includes("up"), `echo server: ${echo.err()}`);

      const startAt = Date.now() + 4000;
      const benches = clients.map((ns, i) =>
        run("ip", [
          ...["netns", "exec", ns, process.execPath],
          ...cliArgv([
            ...["bench", "-c", "9", "--workers", "1", "--connect-rate", "0", "-r", "200"],
            ...["-m", "PING\\r\\n", "-T", "1s", "--header", "v1", "--shard", `${i}/${CLIENTS}`],
            ...["--json", "--start-at", (startAt / 1000).toFixed(3), `10.231.${i}.1:${PORT}`],
          ]),
        ])
      );
      const codes = await Promise.all(benches.map((b) => b.exited));
      const ended = Date.now();
      assert.deepEqual(codes, [0, 0, 0], benches.map((b) => b.err()).join("\n"));
      assert.ok(ended >= startAt + 1000, "a run ended before the common window did");
      const results = benches.map((b) => JSON.parse(b.out()));
      assert.deepEqual(results.map((r) => r.connections.opened), [3, 3, 3]);

      const files = Object.fromEntries(results.map((r, i) => [`${i}.json`, JSON.stringify(r)]));
      const mem = memoryIo({ files });
      const restore = setIo(mem);
      let mergeCode: number;
      try {
        mergeCode = await runMerge(["--json", ...Object.keys(files)]);
      } finally {
        restore();
      }
      assert.equal(mergeCode, 0, mem.err());
      const merged = JSON.parse(mem.out());
      const sum = (f: (r: typeof merged) => number) => results.reduce((a, r) => a + f(r), 0);
      assert.equal(merged.runs, CLIENTS);
      assert.equal(merged.connections.opened, 9);
      assert.equal(merged.bytes.sent, sum((r) => r.bytes.sent));
      assert.equal(merged.bytes.received, sum((r) => r.bytes.received));
      assert.equal(merged.messages.received, sum((r) => r.messages.received));
      assert.ok(merged.messages.received > 0);

      // One histogram holding every sample of the three runs gives the merged percentiles.
      for (const kind of ["connect", "firstByte", "message"] as const) {
        const all = createHistogram();
        const runs = results.map((r) => histogramFromJson(r.histograms[kind]));
        for (const h of runs) {
          assert.ok(h.ok);
          for (const [value, count] of recordedValues(h.value)) recordValue(all, value, count);
        }
        // Recording bucket values loses the exact extremes each run kept; restore them.
        const exact = runs.flatMap((h) => h.ok && h.value.count > 0 ? [h.value] : []);
        all.min = Math.min(...exact.map((h) => h.min));
        all.max = Math.max(...exact.map((h) => h.max));
        assert.equal(merged.histograms[kind].count, all.count, kind);
        for (const p of merged.latencyPercentiles as number[]) {
          const expected = Math.round(valueAtPercentile(all, p)) / 1000;
          assert.equal(merged.latencyMs[kind][`p${p}`], expected, `${kind} p${p}`);
        }
      }
    } finally {
      echo?.child.kill("SIGKILL");
      await echo?.exited;
      for (const ns of [server, ...clients]) ip("netns", "del", ns);
    }
  });
});
