/**
 * Echo throughput of `ppcat listen` against a plain echo server written with the same runtime's
 * native API (Deno.listen / Bun.listen), measured side by side in one run:
 *
 * ```sh
 * ./node_modules/.bin/deno run -A bench/listen_bench.ts [--seconds 5] [--connections 50] [--rounds 2]
 *   [--memory-connections 10000] [--memory-only] [--json]
 * ./node_modules/.bin/bun bench/listen_bench.ts [same flags]
 * ```
 *
 * Method: each server runs in its own process (this script with `--serve KIND`, same runtime),
 * listening on 127.0.0.1 port 0, so the load generator's work is not charged to it. The load
 * generator (this process) opens `--connections` connections; each sends a v1 header (the plain
 * servers echo it too), then writes 16 KiB chunks back to back while reading the echo. After a
 * 1 s warm-up, the echoed bytes received by all clients are counted for `--seconds`;
 * MB/s = bytes / 10^6 / s. Servers, in rounds: native (the runtime's API, as small as an echo
 * server gets), transport (the same loop on lib/transport.ts, to show what that layer costs), and
 * `ppcat listen --json 127.0.0.1:0` (every event serialised as its NDJSON line, then dropped so
 * the pipe is not the bottleneck; on Deno with the V8 flags of deno.json's ppcat task). The best
 * round of each is kept. The goal: listen / native of at least 0.9.
 *
 * Memory (`--memory-connections`, default 10 000; 0 skips it): `ppcat listen --json` on a port
 * below the ephemeral range, started as the README starts it (on Deno with the `--v8-flags` of
 * deno.json's `ppcat` task; on Bun from source, events to /dev/null), then that many clients
 * connect, send a v1 header and nothing more: idle connections past the header timeout's reach. The figure is the peak RSS of the
 * listen process (sampled from /proc every 100 ms) from before the first connect until 3 s after
 * it holds them all; the goal is at most 150 MB. Needs `ulimit -n` above the connections.
 *
 * This is a script, not a test: it prints the numbers and exits 0 (1 only when a round moved no
 * bytes at all, or a memory client could not connect, which means something is broken).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Conn, getTransport } from "../lib/transport.ts";
import { DENO_V8_FLAGS } from "../cli/deno_flags.ts";
import { configFromArgs } from "../cli/listen.ts";
import { eventLine } from "../cli/listen_events.ts";
import { startListen } from "../cli/listen_server.ts";

/** Size of each client write. */
const WRITE_SIZE = 16 * 1024;
/** Read buffer of the echo servers and of the clients. */
const READ_SIZE = 64 * 1024;
/** Unmeasured time before each measurement. */
const WARMUP_MS = 1000;
/** The throughput ratio listen / native aimed for. */
const GOAL = 0.9;
/** Idle connections of the memory measurement, by default. */
const IDLE_CONNECTIONS = 10_000;
/** The peak RSS aimed for with that many idle connections, in MB (10^6 bytes). */
const MEMORY_GOAL_MB = 150;
/** Connects in flight at once while the idle clients open. */
const CONNECTS_IN_FLIGHT = 256;

const HEADER = new TextEncoder().encode("PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n");
const isBun = process.versions.bun !== undefined;

/** The servers compared, each run in a child process. */
const SERVERS = {
  native: "plain echo, native API",
  transport: "plain echo, lib/transport.ts",
  listen: "ppcat listen --json",
} as const;
type ServerKind = keyof typeof SERVERS;

// The part of Deno's and Bun's APIs the native servers use.
interface DenoConn {
  read(buf: Uint8Array): Promise<number | null>;
  write(buf: Uint8Array): Promise<number>;
  close(): void;
}
interface DenoApi {
  listen(o: { hostname: string; port: number }): AsyncIterable<DenoConn> & {
    readonly addr: { readonly port: number };
  };
}
interface BunSocket {
  data: { pending: Uint8Array | null };
  write(data: Uint8Array): number;
}
interface BunApi {
  listen(o: {
    hostname: string;
    port: number;
    data?: unknown;
    socket: {
      open?(s: BunSocket): void;
      data(s: BunSocket, d: Uint8Array): void;
      drain?(s: BunSocket): void;
    };
  }): { readonly port: number };
}

/** The runtime's own echo server: the baseline. Returns the port. */
function nativeEcho(): number {
  if (isBun) {
    const bun = (globalThis as unknown as { Bun: BunApi }).Bun;
    // Bun pushes data into callbacks; what the kernel did not take waits for drain.
    const server = bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.data = { pending: null };
        },
        data(s, d) {
          const pending = s.data.pending;
          if (pending !== null) {
            const both = new Uint8Array(pending.length + d.length);
            both.set(pending);
            both.set(d, pending.length);
            s.data.pending = both;
            return;
          }
          const n = s.write(d);
          if (n < d.length) s.data.pending = d.slice(Math.max(n, 0));
        },
        drain(s) {
          const pending = s.data.pending;
          if (pending === null) return;
          const n = s.write(pending);
          s.data.pending = n < pending.length ? pending.subarray(Math.max(n, 0)) : null;
        },
      },
    });
    return server.port;
  }
  const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
  const listener = deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of listener) {
      (async () => {
        const buf = new Uint8Array(READ_SIZE);
        try {
          for (let n = await c.read(buf); n !== null; n = await c.read(buf)) {
            for (let at = 0; at < n;) at += await c.write(buf.subarray(at, n));
          }
        } catch {
          // the client went away
        }
        try {
          c.close();
        } catch {
          // already closed
        }
      })();
    }
  })();
  return listener.addr.port;
}

/** The same echo loop on lib/transport.ts. Returns the port. */
async function transportEcho(): Promise<number> {
  const listener = await getTransport().listen({ hostname: "127.0.0.1", port: 0 });
  const serve = async (c: Conn) => {
    const buf = new Uint8Array(READ_SIZE);
    try {
      for (let n = await c.read(buf); n !== null; n = await c.read(buf)) {
        await c.write(buf.subarray(0, n));
      }
    } catch {
      // the client went away
    } finally {
      c.close();
    }
  };
  (async () => {
    for (let c = await listener.accept(); c !== null; c = await listener.accept()) void serve(c);
  })().catch(() => {});
  return listener.addr.transport === "unix" ? 0 : listener.addr.port;
}

// NDJSON bytes `ppcat listen` would have printed (serialised, then dropped).
let eventBytes = 0;

/** `ppcat listen --json 127.0.0.1:0`, events serialised then dropped. Returns the port. */
async function ppcatListen(): Promise<number> {
  const checked = configFromArgs(["--json", "127.0.0.1:0"]);
  if (checked.kind !== "run") throw new Error("bad listen flags");
  const server = await startListen({
    ...checked.config,
    onEvent: (event) => {
      eventBytes += eventLine(event).length;
    },
  });
  return server.addr.transport === "unix" ? 0 : server.addr.port;
}

/** Child mode: start one server, print its port, serve until killed. */
async function serve(kind: ServerKind): Promise<void> {
  const port = kind === "native"
    ? nativeEcho()
    : kind === "transport"
    ? await transportEcho()
    : await ppcatListen();
  process.stdout.write(`PORT ${port}\n`);
}

/** Starts a server of `kind` in a child process of the same runtime. */
function startServer(kind: ServerKind): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(import.meta.url);
  // ppcat listen runs as the ppcat task runs it (with its V8 flags on Deno).
  const flags = kind === "listen" ? [DENO_V8_FLAGS] : [];
  const args = isBun ? [script, "--serve", kind] : ["run", "-A", ...flags, script, "--serve", kind];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Uint8Array) => {
      out += new TextDecoder().decode(d);
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.once("exit", (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
}

/** Drives the server on `port` with `connections` clients; returns echoed MB/s over `seconds`. */
/** CPU seconds (user + system) the process `pid` has used so far; NaN without /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Linux reports CPU times in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS = 100;

/** What one measurement gave: echoed MB/s, and the server's CPU seconds per GB echoed. */
interface Measured {
  readonly mbps: number;
  readonly cpuPerGB: number;
}

async function drive(
  port: number,
  serverPid: number,
  connections: number,
  seconds: number,
): Promise<Measured> {
  const t = getTransport();
  const chunk = new Uint8Array(WRITE_SIZE);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
  let running = true;
  let counting = false;
  let counted = 0;
  const clients = await Promise.all(
    Array.from(
      { length: connections },
      () => t.connect({ hostname: "127.0.0.1", port, timeoutMs: 5000 }),
    ),
  );
  const loops = clients.flatMap((c) => [
    (async () => {
      await c.write(HEADER);
      while (running) await c.write(chunk);
    })().catch(() => {}),
    (async () => {
      const buf = new Uint8Array(READ_SIZE);
      for (;;) {
        const n = await c.read(buf);
        if (n === null) return;
        if (counting) counted += n;
      }
    })().catch(() => {}),
  ]);
  await sleep(WARMUP_MS);
  counting = true;
  const started = performance.now();
  const cpuBefore = cpuSeconds(serverPid);
  await sleep(seconds * 1000);
  counting = false;
  const cpu = cpuSeconds(serverPid) - cpuBefore;
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  for (const c of clients) c.close();
  await Promise.all(loops);
  return { mbps: counted / 1e6 / elapsed, cpuPerGB: cpu / (counted / 1e9) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resident memory of process `pid` in bytes; NaN without /proc. */
function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? NaN : Number(m[1]) * 1024;
  } catch {
    return NaN;
  }
}

/** The `ppcat listen` command line as the README runs it: on Deno, with the ppcat task's flags. */
function listenArgv(port: number): string[] {
  const main = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
  const listen = ["listen", "--json", `127.0.0.1:${port}`];
  return isBun ? [main, ...listen] : ["run", "-A", DENO_V8_FLAGS, main, ...listen];
}

/** What the memory measurement gave. */
interface MemoryFigures {
  readonly connections: number;
  /** RSS once listening, before any connection, MB. */
  readonly baseMB: number;
  /** Peak RSS with the idle connections, MB. */
  readonly peakMB: number;
  /** (peak - base) per connection, KB (10^3 bytes). */
  readonly perConnectionKB: number;
}

/**
 * Starts `ppcat listen`, opens `connections` idle clients (a header, then nothing) and returns
 * the listen process's peak RSS. Rejects when a client cannot connect.
 */
async function measureMemory(connections: number): Promise<MemoryFigures> {
  // A port below the ephemeral range: port 0 fails while churning clients hold every
  // ephemeral port in TIME_WAIT.
  for (let attempt = 1;; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    try {
      return await measureMemoryOn(port, connections);
    } catch (e) {
      if (attempt === 5 || !(e instanceof ListenExited)) throw e;
    }
  }
}

class ListenExited extends Error {}

async function measureMemoryOn(port: number, connections: number): Promise<MemoryFigures> {
  // Events go to /dev/null, as with `> /dev/null`: a reader that lags would count drops, not
  // change what the server holds.
  const child = spawn(process.execPath, listenArgv(port), { stdio: "ignore" });
  const pid = child.pid!;
  const t = getTransport();
  const clients: Conn[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  let gone: Error | null = null;
  child.once("exit", (code) => (gone = new ListenExited(`ppcat listen exited (${code})`)));
  try {
    // Listening once a connection is taken.
    const deadline = performance.now() + 15_000;
    for (;;) {
      if (gone !== null) throw gone;
      try {
        (await t.connect({ hostname: "127.0.0.1", port, timeoutMs: 1000 })).close();
        break;
      } catch (e) {
        if (performance.now() > deadline) throw e;
        await sleep(50);
      }
    }
    await sleep(500);
    const base = rssBytes(pid);
    let peak = base;
    sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
    let next = 0;
    const opener = async () => {
      while (next < connections) {
        next++;
        const c = await t.connect({ hostname: "127.0.0.1", port, timeoutMs: 10_000 });
        clients.push(c);
        await c.write(HEADER);
      }
    };
    await Promise.all(Array.from({ length: CONNECTS_IN_FLIGHT }, opener));
    // The server has its connections once it holds a descriptor for each; then it reads and
    // decodes their headers: 3 s more.
    const until = performance.now() + 30_000;
    while (openDescriptors(pid) < connections && performance.now() < until) await sleep(100);
    await sleep(3000);
    if (gone !== null) throw gone;
    peak = Math.max(peak, rssBytes(pid));
    return {
      connections,
      baseMB: base / 1e6,
      peakMB: peak / 1e6,
      perConnectionKB: (peak - base) / connections / 1e3,
    };
  } finally {
    clearInterval(sampler);
    for (const c of clients) c.close();
    child.kill();
  }
}

/** How many descriptors process `pid` has open; 0 without /proc. */
function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      serve: { type: "string" },
      seconds: { type: "string", default: "5" },
      connections: { type: "string", default: "50" },
      rounds: { type: "string", default: "1" },
      "memory-connections": { type: "string", default: String(IDLE_CONNECTIONS) },
      "memory-only": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  if (values.serve !== undefined) {
    if (!(values.serve in SERVERS)) throw new Error(`--serve: unknown server ${values.serve}`);
    await serve(values.serve as ServerKind);
    return -1; // keep serving
  }
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const runtime = isBun
    ? `bun ${process.versions.bun}`
    : `deno ${(process.versions as Record<string, string | undefined>).deno ?? "?"}`;

  // Per server: the best throughput of the rounds, and the lowest CPU cost per GB.
  const best: Record<ServerKind, number> = { native: 0, transport: 0, listen: 0 };
  const cpu: Record<ServerKind, number> = {
    native: Infinity,
    transport: Infinity,
    listen: Infinity,
  };
  if (values["memory-only"]) {
    const memory = await measureMemory(Number(values["memory-connections"]));
    console.log(values.json ? JSON.stringify({ runtime, memory }) : memoryLine(memory));
    return 0;
  }
  for (let round = 0; round < rounds; round++) {
    for (const kind of Object.keys(SERVERS) as ServerKind[]) {
      const { port, child } = await startServer(kind);
      try {
        const m = await drive(port, child.pid!, connections, seconds);
        best[kind] = Math.max(best[kind], m.mbps);
        cpu[kind] = Math.min(cpu[kind], m.cpuPerGB);
      } finally {
        child.kill();
      }
    }
  }
  const idle = Number(values["memory-connections"]);
  const memory = idle > 0 ? await measureMemory(idle) : null;
  const ratio = best.native > 0 ? best.listen / best.native : 0;
  // The same comparison by CPU: native's cost per GB over listen's (1 = as cheap).
  const cpuRatio = cpu.listen > 0 ? cpu.native / cpu.listen : 0;
  if (values.json) {
    console.log(JSON.stringify({
      runtime,
      connections,
      writeSize: WRITE_SIZE,
      seconds,
      rounds,
      nativeMBps: round2(best.native),
      transportMBps: round2(best.transport),
      listenMBps: round2(best.listen),
      ratio: round2(ratio),
      cpuSecondsPerGB: {
        native: round2(cpu.native),
        transport: round2(cpu.transport),
        listen: round2(cpu.listen),
      },
      cpuRatio: round2(cpuRatio),
      goal: GOAL,
      ...(memory === null ? {} : {
        memory: {
          connections: memory.connections,
          baseMB: round2(memory.baseMB),
          peakMB: round2(memory.peakMB),
          perConnectionKB: round2(memory.perConnectionKB),
          goalMB: MEMORY_GOAL_MB,
        },
      }),
    }));
  } else {
    console.log(
      `ppcat listen echo throughput (${runtime}, ${connections} connections, ` +
        `${WRITE_SIZE / 1024} KiB writes, ${seconds} s, best of ${rounds})`,
    );
    for (const kind of Object.keys(SERVERS) as ServerKind[]) {
      console.log(
        `  ${SERVERS[kind].padEnd(30)} ${best[kind].toFixed(1).padStart(9)} MB/s` +
          `  ${cpu[kind].toFixed(2).padStart(6)} server CPU s/GB`,
      );
    }
    console.log(
      `  ${"ratio listen / native".padEnd(30)} ${ratio.toFixed(2).padStart(9)}  ` +
        `(goal >= ${GOAL}: ${ratio >= GOAL ? "met" : "NOT met"})`,
    );
    console.log(
      `  ${"CPU per GB, native / listen".padEnd(30)} ${cpuRatio.toFixed(2).padStart(9)}  ` +
        "(the same comparison, free of the load generator's limits)",
    );
    if (memory !== null) console.log(memoryLine(memory));
  }
  return best.native > 0 && best.listen > 0 ? 0 : 1;
}

function memoryLine(m: MemoryFigures): string {
  return `ppcat listen memory, ${m.connections} idle connections: peak RSS ` +
    `${m.peakMB.toFixed(0)} MB (${m.baseMB.toFixed(0)} MB before the first, ` +
    `${m.perConnectionKB.toFixed(1)} KB each; goal <= ${MEMORY_GOAL_MB} MB: ` +
    `${m.peakMB <= MEMORY_GOAL_MB ? "met" : "NOT met"})`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

main().then((code) => {
  if (code >= 0) process.exitCode = code;
}, (e) => {
  console.error(`listen_bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
