/**
 * Load benchmark of `ppcat bench` against the C ceiling, shared/bench/echo_epoll.c, with the
 * three performance goals of issue 6, under Bun and under Deno, in one run:
 *
 * 1. bulk: 50 connections, v1 header, then "PING\r\n" as fast as possible for -T;
 *    goal 9.6 Gbps each way (what tcpkali measured on this machine);
 * 2. latency: 100 connections x 1000 msg/s; goal: the schedule held (100 000 msg/s) and
 *    p99 no worse than tcpkali's 4.6 ms (tcpkali: p50 1.2 ms);
 * 3. churn: connections that send a header and close; goal 5000 per second.
 *
 * ```sh
 * deno task bench:load [--duration 10s] [--runtimes bun,deno] [--binary dist/ppcat]
 *                      [--entry cli/main.ts] [--json]
 * ```
 *
 * It builds echo_epoll with `gcc -O2 -pthread` into a temporary directory, starts it on a
 * free port with one thread per core, and runs `ppcat bench … --json` as a child process per
 * goal and runtime (`bun cli/main.ts`, `deno run … cli/main.ts`, and the compiled binary when
 * --binary is given), with the default workers (one per core). tcpkali is run the same way
 * when it is on PATH (Debian 12 has no tcpkali package). Exit status 0, or 1 when a run
 * failed (a goal not reached is reported, not a failure).
 *
 * @module
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ECHO_SOURCE = join(ROOT, "..", "shared", "bench", "echo_epoll.c");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const DENO = join(ROOT, "node_modules", ".bin", "deno");

interface Options {
  duration: string;
  runtimes: string[];
  binary: string | null;
  entry: string;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: "10s",
    runtimes: ["bun", "deno"],
    binary: null,
    entry: join(ROOT, "cli", "main.ts"),
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--duration") o.duration = next();
    else if (a === "--runtimes") o.runtimes = next().split(",").filter((r) => r !== "");
    else if (a === "--binary") o.binary = next();
    else if (a === "--entry") o.entry = next();
    else if (a === "--json") o.json = true;
    else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  return o;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import("node:net");
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`echo_epoll did not listen on ${port}`);
}

const GOALS = [
  {
    name: "bulk",
    args: ["-c", "50", "--connect-rate", "0", "--header", "v1", "-m", "PING\\r\\n"],
    tcpkali: [
      "-c",
      "50",
      "--connect-rate",
      "1k",
      "-e1",
      "PROXY TCP4 127.0.0.1 127.0.0.1 \\{connection.uid} 25578\\r\\n",
      "-em",
      "PING\\r\\n",
    ],
  },
  {
    name: "latency",
    args: ["-c", "100", "--connect-rate", "0", "-r", "1000", "-m", "PING\\r\\n"],
    tcpkali: [
      "-c",
      "100",
      "--connect-rate",
      "1k",
      "-r",
      "1000",
      "-em",
      "PING\\r\\n",
      "--latency-marker",
      "PING",
    ],
  },
  {
    name: "churn",
    args: ["-c", "50", "--connect-rate", "0", "--channel-lifetime", "0", "--header", "v1"],
    tcpkali: [
      "-c",
      "50",
      "--connect-rate",
      "100k",
      "--channel-lifetime",
      "0.001",
      "-e1",
      "PROXY TCP4 127.0.0.1 127.0.0.1 1 25578\\r\\n",
    ],
  },
] as const;

interface Achieved {
  runtime: string;
  goal: string;
  ok: boolean;
  error?: string;
  result?: Record<string, unknown>;
}

function commandFor(runtime: string, o: Options): string[] {
  if (runtime === "bun") return [BUN, o.entry];
  if (runtime === "deno") return [DENO, "run", "-A", o.entry];
  if (runtime === "binary" && o.binary !== null) return [o.binary];
  throw new Error(`unknown runtime ${runtime}`);
}

function runPpcat(
  cmd: string[],
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], [...cmd.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    child.on("close", (code) => resolve({ code: code ?? 1, out, err }));
    child.on("error", (e) => resolve({ code: 1, out, err: e.message }));
  });
}

function fmt(x: unknown, digits = 2): string {
  return typeof x === "number" ? x.toFixed(digits) : "-";
}

function line(a: Achieved): string {
  if (!a.ok || a.result === undefined) {
    return `${a.runtime.padEnd(7)} ${a.goal.padEnd(8)} FAILED: ${a.error}`;
  }
  const r = a.result as {
    mbps: { down: number; up: number };
    messageRate: { down: number; up: number };
    connections: { opened: number; perSecond: number };
    durationSeconds: number;
    latencyMs: { message: Record<string, number> | null };
  };
  if (a.goal === "bulk") {
    const down = r.mbps.down / 1000;
    const up = r.mbps.up / 1000;
    const pass = down >= 9.6 && up >= 9.6;
    return `${a.runtime.padEnd(7)} bulk     ${fmt(down)}↓ ${
      fmt(up)
    }↑ Gbps      goal 9.6 each way     ${pass ? "met" : "NOT met"}`;
  }
  if (a.goal === "latency") {
    const m = r.latencyMs.message ?? {};
    const rate = r.messageRate.down;
    const pass = (m.p99 ?? Infinity) <= 4.6 && rate >= 99_000;
    return `${a.runtime.padEnd(7)} latency  ${fmt(rate, 0)} msg/s, p50 ${fmt(m.p50, 3)} p99 ${
      fmt(m.p99, 3)
    } p99.9 ${fmt(m["p99.9"], 3)} ms   goal 100000 msg/s, p99 ≤ 4.6 ms (tcpkali p50 1.2)   ${
      pass ? "met" : "NOT met"
    }`;
  }
  const perSecond = r.connections.perSecond;
  return `${a.runtime.padEnd(7)} churn    ${
    fmt(perSecond, 0)
  } conn/s (${r.connections.opened} opened)   goal 5000 conn/s   ${
    perSecond >= 5000 ? "met" : "NOT met"
  }`;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "ppcat-load-"));
  const echoBin = join(dir, "echo_epoll");
  execFileSync("gcc", ["-O2", "-pthread", "-o", echoBin, ECHO_SOURCE], { stdio: "inherit" });
  const port = await freePort();
  const threads = String(availableParallelism());
  const echo = spawn(echoBin, [String(port), threads], { stdio: "ignore" });
  const results: Achieved[] = [];
  let failed = false;
  try {
    await waitForPort(port);
    const target = `127.0.0.1:${port}`;
    process.stderr.write(`echo_epoll (${threads} threads) on ${target}; -T ${o.duration}\n`);
    const runtimes = [...o.runtimes, ...(o.binary !== null ? ["binary"] : [])];
    for (const goal of GOALS) {
      for (const runtime of runtimes) {
        const args = ["bench", ...goal.args, "-T", o.duration, "--json", target];
        process.stderr.write(`${runtime} ${goal.name}: ppcat ${args.join(" ")}\n`);
        const r = await runPpcat(commandFor(runtime, o), args);
        let a: Achieved;
        try {
          a = r.code === 0
            ? { runtime, goal: goal.name, ok: true, result: JSON.parse(r.out) }
            : { runtime, goal: goal.name, ok: false, error: `exit ${r.code}: ${r.err.trim()}` };
        } catch {
          a = { runtime, goal: goal.name, ok: false, error: `not JSON: ${r.out.slice(0, 200)}` };
        }
        if (!a.ok) failed = true;
        results.push(a);
        process.stderr.write(`  ${line(a)}\n`);
      }
    }
    const tcpkali = spawnSync("tcpkali", ["--version"], { encoding: "utf8" });
    if (tcpkali.error !== undefined) {
      process.stderr.write("tcpkali: not installed (no Debian 12 package); not compared\n");
    } else {
      for (const goal of GOALS) {
        const r = spawnSync("tcpkali", [...goal.tcpkali, "-T", o.duration, target], {
          encoding: "utf8",
        });
        process.stderr.write(`tcpkali ${goal.name}:\n${r.stdout}${r.stderr}\n`);
      }
    }
  } finally {
    echo.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  if (o.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else {
    process.stdout.write(`ppcat bench vs the goals of issue 6 (echo_epoll, -T ${o.duration})\n`);
    for (const a of results) process.stdout.write(`${line(a)}\n`);
  }
  return failed ? 1 : 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  process.stderr.write(`bench/load.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
