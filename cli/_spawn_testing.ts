/**
 * Test helpers for cli/: the real CLI as a child process with its pipes under the test's
 * control (kept open, or never read), and its memory from /proc.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { cliArgv } from "./_testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A running ppcat. */
export interface Child {
  readonly process: ChildProcess;
  /** Everything read from stdout so far (when it is read). */
  stdout(): string;
  /** Everything read from stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string | null>;
  /** Kills the process (SIGKILL) if it is still running. */
  kill(): void;
  /**
   * Sends a signal through process.kill (Deno's ChildProcess.kill reports any later exit as
   * that signal, hiding the exit code).
   */
  signal(name: "SIGINT" | "SIGTERM"): void;
}

/** Options for {@linkcode spawnPpcat}. */
export interface SpawnOptions {
  /** "pipe": the test writes stdin (child.process.stdin); default "ignore". */
  readonly stdin?: "pipe" | "ignore";
  /** false: stdout is a pipe the test never reads (a stalled reader). Default true. */
  readonly readStdout?: boolean;
}

/** Spawns `ppcat <argv>` under the runtime running the tests. */
export function spawnPpcat(argv: string[], options: SpawnOptions = {}): Child {
  const env = { ...process.env };
  delete env.NO_COLOR;
  const child = spawn(process.execPath, cliArgv(argv), {
    cwd: ROOT,
    env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  const text = new TextDecoder();
  let out = "";
  let err = "";
  if (options.readStdout ?? true) {
    child.stdout!.on("data", (d: Uint8Array) => (out += text.decode(d, { stream: true })));
  } else {
    child.stdout!.pause();
  }
  child.stderr!.on("data", (d: Uint8Array) => (err += text.decode(d, { stream: true })));
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal))
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    signal(name) {
      process.kill(child.pid!, name);
    },
  };
}

/** Waits until `predicate` holds, polling; throws with `what` after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resident memory of a process in bytes (Linux /proc), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}
