/**
 * The conformance harness: finds the real peers (haproxy, nginx, tshark,
 * openssl) and their versions, picks free loopback ports, owns a temporary
 * directory, starts processes and always stops them (also on SIGINT and
 * SIGTERM), waits until a port listens, and generates the TLS certificates.
 *
 * Processes are spawned with `node:child_process`, which Deno and Bun both
 * implement; this directory is the only place in ppcat that spawns anything.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { getTransport, type Listener } from "../lib/transport.ts";

/** The tools the suite uses besides its peers (conformance/peers/ describe those). */
export type ToolName = "tshark" | "openssl";

/** How to ask a program its version. */
export interface VersionQuery {
  /** Arguments that make it print its version. */
  readonly versionArgs: readonly string[];
  /** Finds the version in the output (first group). */
  readonly versionPattern: RegExp;
}

/** A program found on this machine. */
export interface Binary {
  /** Which program. */
  readonly name: string;
  /** Absolute path (or the path the user gave). */
  readonly path: string;
  /** The version it reports, e.g. "2.6.12-1+deb12u4". */
  readonly version: string;
  /** Everything its version command printed (nginx: the configure arguments too). */
  readonly details: string;
}

/** A program, or why it is not there. */
export type FindResult =
  | { readonly ok: true; readonly binary: Binary }
  | { readonly ok: false; readonly reason: string };

const TOOLS: Readonly<Record<ToolName, VersionQuery>> = {
  tshark: { versionArgs: ["--version"], versionPattern: /TShark \(Wireshark\) (\S+?)\.?\s/ },
  openssl: { versionArgs: ["version"], versionPattern: /^(?:OpenSSL|LibreSSL) (\S+)/m },
};

// sbin directories are often missing from PATH for non-root users.
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin"];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `name` would run from: PATH, then the usual sbin directories. */
function lookPath(name: string): string | null {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  for (const dir of [...dirs, ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

/**
 * Finds a program and asks its version: at `override` when given (a path, or
 * a name looked up like the default), else `name` on PATH and in the sbin
 * directories. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findBinary } from "./harness.ts";
 * const missing = findBinary("openssl", "/nonexistent/openssl");
 * assert.equal(missing.ok, false);
 * ```
 */
export function findBinary(
  name: string,
  override?: string,
  query: VersionQuery = TOOLS[name as ToolName],
): FindResult {
  const wanted = override ?? name;
  const path = wanted.includes("/") ? wanted : lookPath(wanted);
  if (path === null) return { ok: false, reason: `${wanted} not found on PATH` };
  if (!executable(path)) return { ok: false, reason: `${path} is not an executable file` };
  const run = spawnSync(path, [...query.versionArgs], { timeout: 10_000, encoding: "utf8" });
  if (run.error !== undefined) {
    return { ok: false, reason: `${path} ${query.versionArgs.join(" ")}: ${run.error.message}` };
  }
  const details = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  const m = query.versionPattern.exec(details);
  if (m === null || m[1] === undefined) {
    return { ok: false, reason: `${path} does not look like ${name} (no version in its output)` };
  }
  return { ok: true, binary: { name, path, version: m[1], details } };
}

/**
 * "2.6" from "2.6.12-1+deb12u4": the branch a column is labelled with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { branchOf } from "./harness.ts";
 * assert.equal(branchOf("2.6.12-1+deb12u4"), "2.6");
 * assert.equal(branchOf("1.22.1"), "1.22");
 * ```
 */
export function branchOf(version: string): string {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m === null ? version : `${m[1]}.${m[2]}`;
}

/** Whether the IPv6 loopback (::1) can be bound here (containers sometimes lack it). */
export async function ipv6Loopback(): Promise<boolean> {
  try {
    const l = await getTransport().listen({ hostname: "::1", port: 0 });
    l.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * `count` distinct TCP ports that are free on 127.0.0.1 (and on ::1 when
 * `ipv6`), held open until all are picked so no port is handed out twice.
 * Another process could still take one before it is used: the window is the
 * few milliseconds until the peers start.
 */
export async function freePorts(count: number, ipv6: boolean): Promise<number[]> {
  const t = getTransport();
  const held: Listener[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 20) throw new Error(`could not find ${count} free loopback ports`);
      const v4 = await t.listen({ hostname: "127.0.0.1", port: 0 });
      held.push(v4);
      const port = (v4.addr as { port: number }).port;
      if (ipv6) {
        try {
          held.push(await t.listen({ hostname: "::1", port }));
        } catch {
          continue; // taken on ::1: try another
        }
      }
      ports.push(port);
    }
  } finally {
    for (const l of held) l.close();
  }
  return ports;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process started by the harness. */
export interface Proc {
  /** A short name for messages ("haproxy"). */
  readonly name: string;
  /** Its process id. */
  readonly pid: number;
  /** Null while running; the exit code, or the signal name, once it ended. */
  readonly exit: number | string | null;
  /** The last 64 KiB of what it wrote to stdout and stderr. */
  output(): string;
  /** Resolves once it has exited. */
  readonly exited: Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

interface ProcState extends Proc {
  child: ChildProcess;
}

/** Whether `proc` exits within `ms`; the timer is cleared either way (nothing keeps the process alive). */
async function exitsWithin(proc: Proc, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([proc.exited.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

// The process and everything in its group; a group already gone is fine.
function signalGroup(p: ProcState, signal: "SIGTERM" | "SIGKILL"): void {
  if (p.pid <= 0) return;
  try {
    process.kill(-p.pid, signal);
  } catch {
    try {
      if (p.exit === null) p.child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Options for {@linkcode createHarness}. */
export interface HarnessOptions {
  /** Keep the temporary directory (configs, certificates, logs) for inspection. */
  readonly keep?: boolean;
}

/**
 * The harness of one run: a temporary directory and the processes started in
 * it. {@linkcode Harness.cleanup} stops every process and removes the
 * directory; it also runs, synchronously, when the process receives SIGINT or
 * SIGTERM (then exits 130 or 143) or exits for any other reason.
 */
export interface Harness {
  /** The temporary directory. */
  readonly dir: string;
  /** Writes `text` to `name` in the directory; returns the full path. */
  write(name: string, text: string): string;
  /** Starts `path args` in the directory, capturing its output. */
  start(name: string, path: string, args: readonly string[]): Proc;
  /** Stops one process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(proc: Proc, graceMs?: number): Promise<void>;
  /** Stops every process and removes the directory (unless kept). Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * Creates the temporary directory and installs the signal handlers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync } from "node:fs";
 * import { createHarness } from "./harness.ts";
 * const h = createHarness();
 * const file = h.write("a.txt", "hi");
 * assert.ok(existsSync(file));
 * await h.cleanup();
 * assert.equal(existsSync(h.dir), false);
 * ```
 */
export function createHarness(options: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), "ppcat-conformance-"));
  const procs: ProcState[] = [];
  let cleaned = false;

  const killAllSync = () => {
    for (const p of procs) signalGroup(p, "SIGKILL");
  };
  const removeDir = () => {
    if (options.keep) return;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  const onSignal = (signal: string) => {
    killAllSync();
    removeDir();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  const onExit = () => {
    killAllSync();
    removeDir();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", onExit);

  const stop = async (proc: Proc, graceMs = 2000): Promise<void> => {
    const p = proc as ProcState;
    if (p.exit !== null) {
      signalGroup(p, "SIGKILL"); // workers the leader left behind
      return;
    }
    signalGroup(p, "SIGTERM");
    if (!(await exitsWithin(p, graceMs))) {
      signalGroup(p, "SIGKILL");
      await exitsWithin(p, 1000);
    }
    signalGroup(p, "SIGKILL");
  };

  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    },
    start(name, path, args) {
      if (cleaned) throw new Error("harness already cleaned up");
      // Its own process group: stopping it also stops the workers it forked (apache2, postfix).
      const child = spawn(path, [...args], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let output = "";
      const collect = (chunk: unknown) => {
        output += String(chunk);
        if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
      };
      child.stdout?.on("data", collect);
      child.stderr?.on("data", collect);
      let resolveExit: () => void = () => {};
      const exited = new Promise<void>((resolve) => (resolveExit = resolve));
      const state: ProcState = {
        name,
        child,
        pid: child.pid ?? -1,
        exit: null,
        output: () => output,
        exited,
      };
      child.on("error", (error: Error) => {
        collect(`${name}: ${error.message}\n`);
        (state as { exit: number | string | null }).exit ??= "error";
        resolveExit();
      });
      child.on("exit", (code: number | null, signal: string | null) => {
        (state as { exit: number | string | null }).exit = code ?? signal ?? "unknown";
        resolveExit();
      });
      procs.push(state);
      return state;
    },
    stop,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await Promise.all(procs.map((p) => stop(p)));
      killAllSync();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("exit", onExit);
      removeDir();
    },
  };
}

/**
 * Waits until `hostname:port` accepts a TCP connection: at most `attempts`
 * tries, `intervalMs` apart. Gives up early, with the process's output, when
 * `proc` exits. Throws on failure.
 */
export async function waitListening(
  hostname: string,
  port: number,
  proc: Proc,
  attempts = 60,
  intervalMs = 100,
): Promise<void> {
  const t = getTransport();
  for (let i = 0; i < attempts; i++) {
    if (proc.exit !== null) {
      throw new Error(
        `${proc.name} exited (${proc.exit}) before listening on ${hostname}:${port}: ` +
          lastLines(proc.output()),
      );
    }
    try {
      const conn = await t.connect({ hostname, port, timeoutMs: 500 });
      conn.close();
      return;
    } catch {
      await sleep(intervalMs);
    }
  }
  throw new Error(
    `${proc.name} is not listening on ${hostname}:${port} after ${attempts * intervalMs} ms: ` +
      lastLines(proc.output()),
  );
}

/** The last few lines of a process's output, on one line. */
export function lastLines(text: string, count = 3): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.length === 0 ? "(no output)" : lines.slice(-count).join(" | ");
}

/** Runs a short command to completion and returns its stdout; throws with its output on failure. */
export function runSync(path: string, args: readonly string[], cwd: string): string {
  const run = spawnSync(path, [...args], { cwd, timeout: 20_000, encoding: "utf8" });
  if (run.error !== undefined) throw new Error(`${path} ${args[0]}: ${run.error.message}`);
  if (run.status !== 0) {
    throw new Error(
      `${path} ${args.join(" ")} exited ${run.status}: ${lastLines(`${run.stdout}${run.stderr}`)}`,
    );
  }
  return run.stdout;
}

/** The TLS material the harness generates: a CA, a server and a client certificate. */
export interface Certs {
  /** CA certificate, PEM file path (haproxy `ca-file`, client trust). */
  readonly caFile: string;
  /** Server certificate followed by its key, one PEM file (haproxy `crt`). */
  readonly serverPemFile: string;
  /** Client certificate, PEM file path. */
  readonly clientCertFile: string;
  /** Client key, PEM file path. */
  readonly clientKeyFile: string;
  /** The name in the server certificate, sent as SNI. */
  readonly serverName: string;
  /** The client certificate's Common Name. */
  readonly clientCn: string;
  /**
   * haproxy's names for the server certificate's signature and key algorithms
   * (PP2_SUBTYPE_SSL_SIG_ALG / KEY_ALG): OpenSSL's short name of the
   * signature NID, and the key type with its size in bits.
   */
  readonly serverSigAlg: string;
  /** See `serverSigAlg`. */
  readonly serverKeyAlg: string;
}

/** The Common Name of the client certificate the harness generates. */
export const CLIENT_CN = "ppcat-conformance-client";
/** The server name of the certificate the harness generates, sent as SNI. */
export const SERVER_NAME = "conformance.ppcat.test";

const OPENSSL_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:${SERVER_NAME}, IP:127.0.0.1, IP:::1
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
`;

/**
 * Generates, with the openssl CLI, a throw-away CA (EC P-256) and a server
 * and a client certificate it signs (ECDSA with SHA-256, valid 2 days).
 */
export function generateCerts(openssl: string, h: Harness): Certs {
  const cnf = h.write("openssl.cnf", OPENSSL_CONFIG);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const run = (args: string[]) => runSync(openssl, args, h.dir);
  run(["req", "-config", cnf, "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem"].concat(
    ["-days", "2", "-subj", "/CN=ppcat conformance CA", "-extensions", "v3_ca", "-sha256"],
  ));
  const leaf = (name: string, cn: string, ext: string, serial: string) => {
    run(["req", "-config", cnf, "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`]
      .concat(["-subj", `/CN=${cn}`]));
    run(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key"].concat(
      ["-set_serial", serial, "-days", "2", "-sha256", "-extfile", cnf, "-extensions", ext],
      ["-out", `${name}.pem`],
    ));
  };
  leaf("server", SERVER_NAME, "server_ext", "2");
  leaf("client", CLIENT_CN, "client_ext", "3");
  // haproxy's `crt` takes the certificate and its key in one file.
  const serverPem = run(["x509", "-in", "server.pem"]).trim() + "\n" +
    run(["pkey", "-in", "server.key"]).trim() + "\n";
  const serverPemFile = h.write("server-crt.pem", serverPem);
  return {
    caFile: join(h.dir, "ca.pem"),
    serverPemFile,
    clientCertFile: join(h.dir, "client.pem"),
    clientKeyFile: join(h.dir, "client.key"),
    serverName: SERVER_NAME,
    clientCn: CLIENT_CN,
    serverSigAlg: "ecdsa-with-SHA256",
    serverKeyAlg: "EC256",
  };
}
