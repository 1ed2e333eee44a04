/**
 * `ppcat bench` side by side with tcpkali, against the C echo server shared/bench/echo_epoll.c,
 * with identical parameters, alternating the two tools round by round:
 *
 * 1. bulk: 50 connections, v1 header, then "PING\r\n" as fast as possible; Mbit/s down, median
 *    of the rounds; goal ppcat ≥ 1.05 × tcpkali. CPU seconds per GB received beside it.
 * 2. latency: 100 connections × 1000 msg/s; p50 and p99 of the message round trip; goal ppcat ≤
 *    tcpkali. tcpkali times from the write, so ppcat runs with `--latency-from write` for the
 *    ratio, and once more with the default (from the schedule) for reference. tcpkali keeps
 *    latencies in 0.1 ms steps (truncated); the goal compares both truncated the same way, and
 *    ppcat's exact values are printed beside them.
 * 3. churn: connections that send a header and close (`--channel-lifetime 0`); connections a
 *    second; goal ppcat ≥ tcpkali. Both are counted the same way, by the kernel: the rise of
 *    `PassiveOpens` in /proc/net/snmp (accepted connections) over the run's wall time; on a busy
 *    machine other programs' connections count too. Each tool's own count is logged beside it
 *    (tcpkali's from its StatsD counter `connections.opened`, connects it initiated).
 * 4. memory: 10 000 idle connections; the peak summed RSS of the process tree; goal ppcat ≤ 2 ×
 *    tcpkali. Each tool also runs with 1 connection, and the difference over 9 999 is its bytes per
 *    connection (an extra row beside the goal, not instead of it). The floor, an empty process
 *    of ppcat's runtime, is measured and printed: no program on that runtime can go below it.
 *
 * ```sh
 * deno task bench:load [--duration 8s] [--rounds 3] [--goals bulk,latency,churn,memory]
 *                      [--binary dist/ppcat | --runtime bun|deno] [--tcpkali PATH]
 *                      [--tcpkali-src DIR] [--json]
 * ```
 *
 * tcpkali: `--tcpkali PATH`, else `tcpkali` on PATH, else the build cached in
 * `$PPCAT_CACHE/tcpkali` (default `~/.cache/ppcat/tcpkali`), else it is built there from the
 * source in `--tcpkali-src` / `$TCPKALI_SRC` (a checkout, or a bare git directory), which needs
 * autoreconf, bison and a C compiler; never inside the repository. Where it cannot be found or
 * built, the harness says why and runs ppcat alone. Exit status 0, or 1 when a run failed (a
 * goal not reached is reported, not a failure).
 *
 * @module
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { DENO_V8_FLAGS } from "../cli/deno_flags.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const GOALS = ["bulk", "latency", "churn", "memory"] as const;
type Goal = typeof GOALS[number];

interface Options {
  duration: number;
  rounds: number;
  goals: Goal[];
  ppcat: string[];
  ppcatName: string;
  /** The runtime ppcat runs on (a `--binary` is taken to be Bun-compiled), for the memory floor. */
  runtime: "bun" | "deno";
  tcpkali: string | null;
  tcpkaliSrc: string | null;
  echo: string;
  json: boolean;
}

function seconds(text: string): number {
  const m = /^([0-9.]+)(ms|s|)$/.exec(text);
  if (m === null) throw new Error(`${JSON.stringify(text)} is not a duration (e.g. 8s)`);
  return Number(m[1]) / (m[2] === "ms" ? 1000 : 1);
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    duration: 8,
    rounds: 3,
    goals: [...GOALS],
    ppcat: [BUN, join(ROOT, "cli", "main.ts")],
    ppcatName: "bun cli/main.ts",
    runtime: "bun",
    tcpkali: null,
    tcpkaliSrc: process.env.TCPKALI_SRC ?? null,
    echo: [
      process.env.PPCAT_ECHO_SOURCE,
      join(ROOT, "..", "shared", "bench", "echo_epoll.c"),
      "/work/shared/bench/echo_epoll.c",
    ].find((p) => p !== undefined && existsSync(p)) ??
      join(ROOT, "..", "shared", "bench", "echo_epoll.c"),
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--duration") o.duration = seconds(next());
    else if (a === "--rounds") o.rounds = Math.max(1, Number(next()) | 0);
    else if (a === "--goals") {
      o.goals = next().split(",").filter((g): g is Goal =>
        (GOALS as readonly string[]).includes(g)
      );
    } else if (a === "--binary") {
      const b = resolve(next());
      o.ppcat = [b];
      o.ppcatName = b;
      o.runtime = "bun";
    } else if (a === "--runtime") {
      const r = next();
      if (r === "deno") {
        o.ppcat = [DENO, "run", "-A", DENO_V8_FLAGS, join(ROOT, "cli", "main.ts")];
        o.ppcatName = "deno run cli/main.ts";
        o.runtime = "deno";
      } else if (r !== "bun") throw new Error(`--runtime: bun or deno, not ${r}`);
    } else if (a === "--tcpkali") o.tcpkali = resolve(next());
    else if (a === "--tcpkali-src") o.tcpkaliSrc = resolve(next());
    else if (a === "--echo-source") o.echo = resolve(next());
    else if (a === "--json") o.json = true;
    else throw new Error(`unknown argument ${JSON.stringify(a)}`);
  }
  return o;
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

// --- tcpkali: found, cached, or built outside the repository

function cacheDir(): string {
  return process.env.PPCAT_CACHE ?? join(homedir(), ".cache", "ppcat");
}

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** Returns the tcpkali binary, or a sentence saying why there is none. */
function findTcpkali(o: Options): { path: string } | { why: string } {
  if (o.tcpkali !== null) {
    return existsSync(o.tcpkali) ? { path: o.tcpkali } : { why: `${o.tcpkali} does not exist` };
  }
  if (runs("tcpkali", ["--version"])) return { path: "tcpkali" };
  const dir = join(cacheDir(), "tcpkali");
  const bin = join(dir, "src", "tcpkali");
  if (existsSync(bin)) return { path: bin };
  const src = o.tcpkaliSrc ?? [join(cacheDir(), "tcpkali-src"), "/work/cache/tcpkali-src"]
    .find((p) => existsSync(p)) ??
    null;
  if (src === null) {
    return {
      why: "not on PATH, not cached, and no source (set TCPKALI_SRC or --tcpkali-src to a " +
        "checkout of github.com/satori-com/tcpkali)",
    };
  }
  for (const tool of ["autoreconf", "make", "cc", "bison"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return { why: `cannot build it from ${src}: ${tool} is missing` };
    }
  }
  log(`tcpkali: building from ${src} into ${dir} (once; a minute or two)`);
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const bare = existsSync(join(src, "HEAD")) && existsSync(join(src, "objects"));
    if (bare) {
      execFileSync("sh", [
        "-c",
        `git --git-dir="$1" archive HEAD | tar -x -C "$2"`,
        "sh",
        src,
        dir,
      ], { stdio: "inherit" });
    } else execFileSync("cp", ["-a", `${src}/.`, dir], { stdio: "inherit" });
    // Current glibc has no <sys/sysctl.h>; tcpkali includes it without using it on Linux.
    execFileSync("sed", [
      "-i",
      "s|^#include <sys/sysctl.h>|/* <sys/sysctl.h>: gone from glibc */|",
      join(dir, "src", "tcpkali_syslimits.c"),
    ]);
    const quiet = { cwd: dir, stdio: ["ignore", "ignore", "inherit"] as ("ignore" | "inherit")[] };
    execFileSync("autoreconf", ["-fi"], quiet);
    execFileSync("./configure", [], quiet);
    execFileSync("make", [`-j${availableParallelism()}`], quiet);
  } catch (e) {
    return { why: `build failed in ${dir}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return existsSync(bin) ? { path: bin } : { why: `build in ${dir} made no src/tcpkali` };
}

// --- processes: CPU time (GNU time), peak RSS of the whole tree (sampled from /proc)

function tryPort(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => {
      const got = (server.address() as { port: number }).port;
      server.close(() => resolve(got));
    });
  });
}

/**
 * A port for an echo server, below Linux's default ephemeral range (32768–60999): the load runs
 * leave that range full of TIME_WAIT sockets, where even a bind to port 0 can fail.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 64; i++) {
    const port = await tryPort(20000 + Math.floor(Math.random() * 12768));
    if (port !== null) return port;
  }
  const port = await tryPort(0);
  if (port === null) throw new Error("no free TCP port on 127.0.0.1");
  return port;
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

/** All processes below `pid`, from the parent ids in /proc/PID/stat. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    let stat = "";
    try {
      stat = readFileSync(`/proc/${e}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses; the last ")" ends it.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+([0-9]+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** Connections the kernel accepted so far (all listeners of this network namespace). */
function passiveOpens(): number | null {
  try {
    const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) =>
      l.startsWith("Tcp:")
    );
    const names = (lines[0] ?? "").split(/\s+/);
    const values = (lines[1] ?? "").split(/\s+/);
    const v = Number(values[names.indexOf("PassiveOpens")]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

interface Ran {
  /** Connections accepted by the kernel during the run, per second of it (null: unknown). */
  acceptedPerSecond: number | null;
  code: number;
  out: string;
  err: string;
  wallSeconds: number;
  cpuSeconds: number | null;
  peakRssMiB: number;
}

const HAS_TIME = existsSync("/usr/bin/time");

/** Runs `cmd args` under `ulimit -n` raised and GNU time; samples the tree's RSS. */
function measure(cmd: string, args: string[], limitSeconds: number): Promise<Ran> {
  const timeFile = join(tmpdir(), `ppcat-load-time-${process.pid}-${Date.now()}`);
  const script = `ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  const wrapped = HAS_TIME
    ? ["/usr/bin/time", "-q", "-f", "%U %S", "-o", timeFile, cmd, ...args]
    : [cmd, ...args];
  const start = performance.now();
  const opens0 = passiveOpens();
  return new Promise((resolve) => {
    // A process group of its own, so a stop reaches the tool itself: GNU time, in between,
    // ignores SIGINT while it waits.
    const child = spawn("sh", ["-c", script, "sh", ...wrapped], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const signalGroup = (sig: "SIGINT" | "SIGKILL") => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch { /* already gone */ }
    };
    let out = "";
    let err = "";
    let peak = 0;
    const sampler = setInterval(() => {
      if (child.pid === undefined) return;
      // The tool and its workers, not the shell/time wrapper (same process after exec).
      const pids = descendants(child.pid);
      const sum = pids.reduce((a, p) => a + rssKiB(p), 0);
      if (sum > peak) peak = sum;
    }, 200);
    // A tool that hangs (tcpkali may, in churn) is stopped; what it printed still counts.
    let kill: ReturnType<typeof setTimeout> | undefined;
    const limit = setTimeout(() => {
      signalGroup("SIGINT");
      kill = setTimeout(() => signalGroup("SIGKILL"), 5000);
    }, limitSeconds * 1000);
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    const done = (code: number) => {
      clearInterval(sampler);
      clearTimeout(limit);
      clearTimeout(kill);
      let cpu: number | null = null;
      try {
        const [u, s] = readFileSync(timeFile, "utf8").trim().split(/\s+/).map(Number);
        if (Number.isFinite(u) && Number.isFinite(s)) cpu = (u ?? 0) + (s ?? 0);
        rmSync(timeFile, { force: true });
      } catch { /* no GNU time */ }
      const opens1 = passiveOpens();
      const wall = (performance.now() - start) / 1000;
      resolve({
        acceptedPerSecond: opens0 !== null && opens1 !== null ? (opens1 - opens0) / wall : null,
        code,
        out,
        err,
        wallSeconds: (performance.now() - start) / 1000,
        cpuSeconds: cpu,
        peakRssMiB: peak / 1024,
      });
    };
    child.on("close", (code) => done(code ?? 1));
    child.on("error", (e) => {
      err += e.message;
      done(1);
    });
  });
}

/** A running echo server: its `HOST:PORT`, and how to stop it. */
interface Echo {
  target: string;
  stop: () => void;
}

/** Starts the compiled echo server on a free port; resolves once it accepts. */
async function startEcho(bin: string, threads: string): Promise<Echo> {
  const port = await freePort();
  const child = spawn("sh", [
    "-c",
    'ulimit -n 1048576 2>/dev/null; exec "$@"',
    "sh",
    bin,
    String(port),
    threads,
  ], { stdio: "ignore" });
  const stop = () => child.kill("SIGTERM");
  try {
    await waitForPort(port);
  } catch (e) {
    stop();
    throw e;
  }
  return { target: `127.0.0.1:${port}`, stop };
}

/**
 * Where a run connects. Memory runs get an echo server of their own on a fresh port: each leaves
 * 10 000 client ports in TIME_WAIT for a minute, and the local port range holds about 28 000, so
 * against one target the next runs could not open their connections (TIME_WAIT blocks a port
 * only towards the same address and port).
 */
type Targets = (goal: Goal) => Promise<Echo>;

// --- the goals

interface Sample {
  tool: "ppcat" | "tcpkali";
  goal: Goal;
  variant?: string;
  round: number;
  ok: boolean;
  error?: string;
  mbpsDown?: number;
  cpuSecondsPerGB?: number | null;
  p50?: number;
  p99?: number;
  /** Churn: connections the kernel accepted per second of the run (the same count for both). */
  connPerSecond?: number;
  /** Churn: the tool's own count (ppcat: completed connects; tcpkali: connects initiated). */
  ownConnPerSecond?: number;
  rssMiB?: number;
  /** Memory: peak RSS of the same run with 1 connection. */
  rss1MiB?: number;
}

const PROXY_V1 = "PROXY TCP4 127.0.0.1 127.0.0.1 \\{connection.uid} 25578\\r\\n";
const PPCAT_V1 = ["--header", "v1", "--src", "127.0.0.1:1", "--dst", "127.0.0.1:25578"];

/**
 * Churn leaves a TIME_WAIT socket per connection on the client side, and the local port range
 * holds about 28 000: a churn run stays at most this long, so other programs on the machine can
 * still bind ports.
 */
const CHURN_MAX_SECONDS = 3;

/**
 * tcpkali gives up ("Could not create 10000 connections in allotted time") unless ramp-up (2 s at
 * 5k/s) ends well within -T; memory runs last at least this long, for both tools.
 */
const MEMORY_MIN_SECONDS = 5;

function durationFor(goal: Goal, d: number): number {
  if (goal === "churn") return Math.min(d, CHURN_MAX_SECONDS);
  return goal === "memory" ? Math.max(d, MEMORY_MIN_SECONDS) : d;
}

/** Memory: the idle connections of the goal, and the run that measures what one costs. */
const MEMORY_CONNS = 10000;

function ppcatArgs(goal: Goal, d: number, variant: string | undefined, conns: number): string[] {
  const T = ["-T", `${durationFor(goal, d)}s`];
  switch (goal) {
    case "bulk":
      return ["-c", "50", "--connect-rate", "1k", ...PPCAT_V1, "-m", "PING\\r\\n", ...T];
    case "latency":
      return [
        "-c",
        "100",
        "--connect-rate",
        "1k",
        "--header",
        "none",
        "-r",
        "1000",
        "-m",
        "PING\\r\\n",
        "--latency-from",
        variant ?? "write",
        "--latency-percentiles",
        "50,99",
        ...T,
      ];
    case "churn":
      return ["-c", "50", "--connect-rate", "100k", "--channel-lifetime", "0", ...PPCAT_V1, ...T];
    case "memory":
      return ["-c", String(conns), "--connect-rate", "5k", "--header", "none", ...T];
  }
}

function tcpkaliArgs(goal: Goal, d: number, statsdPort: number, conns: number): string[] {
  const T = ["-T", `${durationFor(goal, d)}s`];
  switch (goal) {
    case "bulk":
      return ["-c", "50", "--connect-rate", "1k", "-e1", PROXY_V1, "-em", "PING\\r\\n", ...T];
    case "latency":
      return [
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
        "--latency-percentiles",
        "50,99",
        ...T,
      ];
    case "churn":
      return [
        "-c",
        "50",
        "--connect-rate",
        "100k",
        // tcpkali's smallest working lifetime: shorter ones close connects still in progress.
        "--channel-lifetime",
        "0.001",
        "-e1",
        PROXY_V1,
        "--statsd",
        "--statsd-port",
        String(statsdPort),
        ...T,
      ];
    case "memory":
      return ["-c", String(conns), "--connect-rate", "5k", ...T];
  }
}

/** A StatsD listener summing tcpkali's `connections.opened` counter. */
async function statsd(): Promise<{ port: number; opened: () => number; close: () => void }> {
  const socket = createSocket("udp4");
  let opened = 0;
  socket.on("message", (msg: Uint8Array) => {
    for (const line of new TextDecoder().decode(msg).split("\n")) {
      const m = /connections\.opened:([0-9]+)\|c/.exec(line);
      if (m !== null) opened += Number(m[1]);
    }
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return {
    port: socket.address().port,
    opened: () => opened,
    close: () => socket.close(),
  };
}

function num(re: RegExp, text: string): number | undefined {
  const m = re.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** Ports of the local (ephemeral) range not held by TIME_WAIT sockets, roughly; null: unknown. */
function portsLeft(): number | null {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim()
      .split(/\s+/).map(Number);
    const tw = /\btw ([0-9]+)/.exec(readFileSync("/proc/net/sockstat", "utf8"));
    if (lo === undefined || hi === undefined || tw === null) return null;
    return hi - lo + 1 - Number(tw[1]);
  } catch {
    return null;
  }
}

/** Free local ports wanted before a churn run. */
const CHURN_PORTS = 4000;

/**
 * Before a run of `conns` connections: waits (at most the 60 s of TIME_WAIT) until the local
 * port range has room for them. tcpkali binds each source port itself, which TIME_WAIT blocks,
 * and each memory run leaves 10 000 ports in TIME_WAIT.
 */
async function awaitPorts(conns: number): Promise<void> {
  const need = conns + 2000;
  const left = portsLeft();
  if (left === null || left >= need) return;
  log(`  waiting for TIME_WAIT ports to expire (${left} free, ${need} wanted)`);
  for (let waited = 0; waited < 65; waited++) {
    await new Promise((r) => setTimeout(r, 1000));
    if ((portsLeft() ?? need) >= need) return;
  }
}

/** Runs `run` against a target from `targets`, stopping the target's own echo server after. */
async function against<T>(
  targets: Targets,
  goal: Goal,
  conns: number,
  run: (target: string) => Promise<T>,
) {
  if (goal === "memory" && conns > 1) await awaitPorts(conns);
  // tcpkali binds a source port before each connect (it stops with "Cannot assign requested
  // address" when none is free); a churn run of it opens about 1 000 a second for 3 s.
  if (goal === "churn") await awaitPorts(CHURN_PORTS);
  const echo = await targets(goal);
  try {
    return await run(echo.target);
  } finally {
    echo.stop();
  }
}

async function runPpcat(
  o: Options,
  goal: Goal,
  targets: Targets,
  round: number,
  variant?: string,
): Promise<Sample> {
  const base: Sample = { tool: "ppcat", goal, round, ok: false, ...(variant ? { variant } : {}) };
  const run = (conns: number) =>
    against(targets, goal, conns, (target) => {
      const args = ["bench", ...ppcatArgs(goal, o.duration, variant, conns), "--json", target];
      return measure(o.ppcat[0]!, [...o.ppcat.slice(1), ...args], 2 * o.duration + 20);
    });
  const r = await run(MEMORY_CONNS);
  const one = goal === "memory" ? await run(1) : null;
  let j: {
    mbps: { down: number };
    bytes: { received: number };
    connections: { perSecond: number; opened: number };
    latencyMs: { message: Record<string, number> | null };
  };
  try {
    j = JSON.parse(r.out);
  } catch {
    return { ...base, error: `exit ${r.code}: ${r.err.trim().split("\n").at(-1)}` };
  }
  if (goal === "churn" && j.connections.opened === 0) {
    return { ...base, error: `no connection opened: ${r.err.trim().split("\n").at(-1)}` };
  }
  if (goal === "memory" && j.connections.opened < MEMORY_CONNS) {
    return { ...base, error: `opened ${j.connections.opened} of ${MEMORY_CONNS} connections` };
  }
  const gb = j.bytes.received / 1e9;
  return {
    ...base,
    ok: true,
    mbpsDown: j.mbps.down,
    cpuSecondsPerGB: r.cpuSeconds !== null && gb > 0 ? r.cpuSeconds / gb : null,
    ...(j.latencyMs.message !== null
      ? { p50: j.latencyMs.message.p50, p99: j.latencyMs.message.p99 }
      : {}),
    connPerSecond: r.acceptedPerSecond ?? j.connections.perSecond,
    ownConnPerSecond: j.connections.perSecond,
    rssMiB: r.peakRssMiB,
    ...(one !== null ? { rss1MiB: one.peakRssMiB } : {}),
  };
}

async function runTcpkali(bin: string, o: Options, goal: Goal, targets: Targets, round: number) {
  const base: Sample = { tool: "tcpkali", goal, round, ok: false };
  const stats = await statsd();
  try {
    const run = (conns: number) =>
      against(targets, goal, conns, (target) =>
        measure(
          bin,
          [...tcpkaliArgs(goal, o.duration, stats.port, conns), target],
          2 * o.duration + 20,
        ));
    const r = await run(MEMORY_CONNS);
    const one = goal === "memory" ? await run(1) : null;
    await new Promise((res) => setTimeout(res, 100)); // the last StatsD datagrams
    const text = r.out + r.err;
    const down = num(/Aggregate bandwidth: ([0-9.]+)↓/, text);
    const received = num(/Total data received: .*\(([0-9]+) bytes\)/, text);
    const lat = /Message latency at percentiles: ([0-9.]+)\/([0-9.]+) ms/.exec(text);
    // Churn never "ramps up" in tcpkali (connections end as they open): it stops after -T.
    const churnOk = goal === "churn" && stats.opened() > 0;
    if (down === undefined && !churnOk && goal !== "memory") {
      return { ...base, error: `exit ${r.code}: ${text.trim().split("\n").at(-1)}` };
    }
    // Without all its connections (it says "Could not create …") its RSS measures nothing.
    if (goal === "memory" && !text.includes(`Ramped up to ${MEMORY_CONNS} connections`)) {
      return { ...base, error: `exit ${r.code}: ${text.trim().split("\n").at(-1)}` };
    }
    const gb = (received ?? 0) / 1e9;
    return {
      ...base,
      ok: true,
      ...(down !== undefined ? { mbpsDown: down } : {}),
      cpuSecondsPerGB: r.cpuSeconds !== null && gb > 0 ? r.cpuSeconds / gb : null,
      ...(lat !== null ? { p50: Number(lat[1]), p99: Number(lat[2]) } : {}),
      connPerSecond: r.acceptedPerSecond ?? stats.opened() / Math.max(1e-3, r.wallSeconds),
      ownConnPerSecond: stats.opened() / Math.max(1e-3, r.wallSeconds),
      rssMiB: r.peakRssMiB,
      ...(one !== null ? { rss1MiB: one.peakRssMiB } : {}),
    };
  } finally {
    stats.close();
  }
}

/** Peak RSS of an empty process of ppcat's runtime that lives 2 s: no program on it is smaller. */
async function runtimeFloor(o: Options): Promise<number | undefined> {
  const idle = "setTimeout(() => {}, 2000)";
  const r = o.runtime === "deno"
    ? await measure(DENO, ["eval", idle], 20)
    : await measure(BUN, ["-e", idle], 20);
  return r.code === 0 && r.peakRssMiB > 0 ? r.peakRssMiB : undefined;
}

// --- the table

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

interface Row {
  goal: string;
  metric: string;
  ppcat: number | undefined;
  tcpkali: number | undefined;
  /** ppcat / tcpkali. */
  ratio: number | undefined;
  target: string;
  met: boolean | null;
}

function rows(
  samples: Sample[],
  haveTcpkali: boolean,
  floor: { runtime: string; mib: number } | null,
): Row[] {
  const pick = (
    tool: Sample["tool"],
    goal: Goal,
    f: (s: Sample) => number | undefined | null,
    v?: string,
  ) =>
    median(
      samples.filter((s) => s.ok && s.tool === tool && s.goal === goal && s.variant === v)
        .map(f).filter((x): x is number => typeof x === "number"),
    );
  const out: Row[] = [];
  const row = (
    goal: Goal,
    metric: string,
    f: (s: Sample) => number | undefined | null,
    target: string,
    test: ((ratio: number) => boolean) | null,
    variant?: string,
  ) => {
    if (!samples.some((s) => s.goal === goal)) return;
    const p = pick("ppcat", goal, f, variant);
    const t = haveTcpkali ? pick("tcpkali", goal, f) : undefined;
    const ratio = p !== undefined && t !== undefined && t > 0 ? p / t : undefined;
    out.push({
      goal,
      metric,
      ppcat: p,
      tcpkali: t,
      ratio,
      target,
      met: ratio === undefined || test === null ? null : test(ratio),
    });
  };
  row("bulk", "Mbit/s down, median", (s) => s.mbpsDown, "≥ 1.05", (r) => r >= 1.05);
  row("bulk", "CPU s per GB received", (s) => s.cpuSecondsPerGB, "(lower is better)", null);
  // tcpkali records latencies truncated to 0.1 ms (tcpkali_engine.c: `latency = 10000 * (now -
  // ts)` into an integer histogram): its "0.7" is a p99 somewhere in 0.70–0.79. The goal is
  // judged at that resolution, ppcat's values truncated the same way; exact values beside it.
  const inSteps = (x: number | null | undefined) =>
    typeof x === "number" ? Math.floor(x * 10 + 1e-9) / 10 : undefined;
  for (const [name, f] of [["p50", (s: Sample) => s.p50], ["p99", (s: Sample) => s.p99]] as const) {
    row("latency", `${name} ms, from the write`, f, "(exact; see next row)", null, "write");
    row(
      "latency",
      `${name} ms, from the write, in tcpkali's 0.1 ms steps`,
      (s) => inSteps(f(s)),
      "≤ 1",
      (r) => r <= 1,
      "write",
    );
  }
  row("latency", "p50 ms, from the schedule", (s) => s.p50, "(ppcat only)", null, "schedule");
  row("latency", "p99 ms, from the schedule", (s) => s.p99, "(ppcat only)", null, "schedule");
  row("churn", "connections accepted/s", (s) => s.connPerSecond, "≥ 1", (r) => r >= 1);
  row("memory", "peak RSS MiB, 10 000 conns", (s) => s.rssMiB, "≤ 2", (r) => r <= 2);
  row(
    "memory",
    "bytes per connection (extra)",
    (s) => perConnection(s),
    "(≤ 2: fair, not the goal)",
    (r) => r <= 2,
  );
  if (floor !== null) {
    out.push({
      goal: "memory",
      metric: `floor: an empty ${floor.runtime} process, MiB`,
      ppcat: floor.mib,
      tcpkali: undefined,
      ratio: undefined,
      target: "(no program on it is smaller)",
      met: null,
    });
  }
  return out;
}

/** Memory: (RSS at 10 000 connections − RSS at 1) / 9 999, bytes. */
function perConnection(s: Sample): number | undefined {
  if (s.rssMiB === undefined || s.rss1MiB === undefined) return undefined;
  return (s.rssMiB - s.rss1MiB) * 1048576 / (MEMORY_CONNS - 1);
}

function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined) return "-";
  return x >= 1000 ? Math.round(x).toString() : x.toFixed(digits);
}

function table(rs: Row[], o: Options, tcpkali: string): string {
  const head = ["goal", "metric", "ppcat", "tcpkali", "ppcat/tcpkali", "goal", "verdict"];
  const body = rs.map((r) => [
    r.goal,
    r.metric,
    fmt(r.ppcat),
    fmt(r.tcpkali),
    r.ratio === undefined ? "-" : r.ratio.toFixed(2),
    r.target,
    r.met === null ? "" : r.met ? "met" : "NOT met",
  ]);
  const lines = [head, head.map(() => "---"), ...body].map((c) => `| ${c.join(" | ")} |`);
  return `ppcat (${o.ppcatName}) vs tcpkali (${tcpkali}), echo_epoll, -T ${o.duration}s, ` +
    `${o.rounds} alternating rounds, medians\n\n${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (!existsSync(o.echo)) throw new Error(`no echo server source at ${o.echo}`);
  const found = findTcpkali(o);
  const tcpkali = "path" in found ? found.path : null;
  if (tcpkali === null) {
    log(`tcpkali: not available (${(found as { why: string }).why}); ppcat alone`);
  }
  const dir = mkdtempSync(join(tmpdir(), "ppcat-load-"));
  const echoBin = join(dir, "echo_epoll");
  execFileSync("gcc", ["-O2", "-pthread", "-o", echoBin, o.echo], { stdio: "inherit" });
  const threads = String(availableParallelism());
  const samples: Sample[] = [];
  let floor: { runtime: string; mib: number } | null = null;
  let failed = false;
  let echo: Echo | null = null;
  try {
    echo = await startEcho(echoBin, threads);
    const shared = echo;
    const targets: Targets = (goal) =>
      goal === "memory" ? startEcho(echoBin, threads) : Promise.resolve({ ...shared, stop() {} });
    log(
      `echo_epoll (${threads} threads) on ${shared.target}; -T ${o.duration}s; ${o.rounds} rounds`,
    );
    for (const goal of o.goals) {
      if (goal === "memory") {
        const mib = await runtimeFloor(o);
        const runtime = o.runtime === "deno" ? "Deno" : "Bun";
        if (mib !== undefined) floor = { runtime, mib };
        log(`  memory floor: an empty ${runtime} process is ${fmt(mib)} MiB`);
      }
      for (let round = 0; round < o.rounds; round++) {
        const variants = goal === "latency" ? ["write", "schedule"] : [undefined];
        const ppcatRuns = async () => {
          for (const v of variants) {
            const s = await runPpcat(o, goal, targets, round, v);
            samples.push(s);
            if (!s.ok) failed = true;
            log(`  ${goal} round ${round + 1} ppcat${v ? ` (${v})` : ""}: ${describe(s)}`);
          }
        };
        const tcpkaliRun = async () => {
          if (tcpkali === null) return;
          const s = await runTcpkali(tcpkali, o, goal, targets, round);
          samples.push(s);
          if (!s.ok) failed = true;
          log(`  ${goal} round ${round + 1} tcpkali: ${describe(s)}`);
        };
        // Alternate which tool goes first, so a drifting machine favours neither.
        if (round % 2 === 0) {
          await ppcatRuns();
          await tcpkaliRun();
        } else {
          await tcpkaliRun();
          await ppcatRuns();
        }
        // Let TIME_WAIT sockets and the echo server settle between runs.
        await new Promise((r) => setTimeout(r, goal === "churn" ? 3000 : 500));
      }
    }
  } finally {
    echo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rs = rows(samples, tcpkali !== null, floor);
  if (o.json) process.stdout.write(`${JSON.stringify({ rows: rs, samples })}\n`);
  else process.stdout.write(table(rs, o, tcpkali === null ? "not available" : "built from source"));
  return failed ? 1 : 0;
}

function describe(s: Sample): string {
  if (!s.ok) return `FAILED ${s.error}`;
  const parts: string[] = [];
  if (s.goal === "bulk") {
    parts.push(`${fmt(s.mbpsDown)} Mbit/s down`, `CPU ${fmt(s.cpuSecondsPerGB ?? undefined)} s/GB`);
  }
  if (s.goal === "latency") parts.push(`p50 ${fmt(s.p50, 3)} p99 ${fmt(s.p99, 3)} ms`);
  if (s.goal === "churn") {
    parts.push(`${fmt(s.connPerSecond)} accepted/s (own count ${fmt(s.ownConnPerSecond)}/s)`);
  }
  if (s.goal === "memory") {
    parts.push(
      `peak RSS ${fmt(s.rssMiB)} MiB (1 connection: ${fmt(s.rss1MiB)} MiB`,
      `${fmt(perConnection(s), 0)} bytes per connection)`,
    );
  }
  return parts.join(", ");
}

main().then((code) => (process.exitCode = code), (e) => {
  process.stderr.write(`bench/load.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
