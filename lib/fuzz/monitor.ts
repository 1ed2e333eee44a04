/**
 * Crash monitors for `ppcat fuzz`: a process that aborts on a case looks
 * like a reset from the network, so the runner also watches the receiver's
 * log (`--watch-log`, {@linkcode logMonitor}) or its process
 * (`--watch-pid`, {@linkcode pidMonitor}). Each monitor is polled after
 * every case and reports new evidence once.
 *
 * @module
 */

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import process from "node:process";
import type { CrashEvidence } from "./verdict.ts";

/** One source of crash evidence, polled by the runner. */
export interface CrashMonitor {
  /** What it watches, for reports (e.g. "log /var/log/x.log"). */
  readonly label: string;
  /** New evidence since the last poll, or null. */
  poll(): CrashEvidence | null;
  /** Whether what it watches is gone for good (a dead process): the run cannot go on. */
  readonly fatal: boolean;
}

/**
 * What a crash line looks like in a receiver's log when `--crash-pattern`
 * is not given: panics, failed assertions, segfaults, a supervisor's
 * "killed with signal", fatal errors and core dumps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CRASH_PATTERN } from "./monitor.ts";
 * assert.match("worker 12 killed with signal 6", DEFAULT_CRASH_PATTERN);
 * assert.match("thread 'main' panicked at src/lib.rs:3", DEFAULT_CRASH_PATTERN);
 * assert.match("Assertion failed: (len > 0)", DEFAULT_CRASH_PATTERN);
 * assert.doesNotMatch("GET / 200", DEFAULT_CRASH_PATTERN);
 * ```
 */
export const DEFAULT_CRASH_PATTERN: RegExp =
  /panic|assertion failed|segfault|segmentation fault|killed with signal|\bfatal\b|core dumped/i;

/**
 * Follows a log file from its current end: each poll reads the lines
 * appended since and reports the first that matches `pattern`. A file that
 * shrinks (rotated, truncated) is read again from its start.
 *
 * @throws {Error} when the file cannot be opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
 * import { logMonitor } from "./monitor.ts";
 * const file = `${mkdtempSync("/tmp/ppcat-log-")}/server.log`;
 * writeFileSync(file, "old: fatal before we started\n");
 * const m = logMonitor(file);
 * assert.equal(m.poll(), null);
 * appendFileSync(file, "GET / 200\nworker 7 killed with signal 11\n");
 * assert.deepEqual(m.poll(), { by: "log", detail: "worker 7 killed with signal 11" });
 * assert.equal(m.poll(), null);
 * ```
 */
export function logMonitor(path: string, pattern: RegExp = DEFAULT_CRASH_PATTERN): CrashMonitor {
  let offset = readFileSync(path).length;
  let partial = "";
  return {
    label: `log ${path}`,
    fatal: false,
    poll() {
      if (!existsSync(path)) return null;
      const fd = openSync(path, "r");
      try {
        const size = fstatSync(fd).size;
        if (size < offset) {
          offset = 0;
          partial = "";
        }
        if (size === offset) return null;
        const buf = new Uint8Array(size - offset);
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        const text = partial + new TextDecoder().decode(buf.subarray(0, n));
        const lines = text.split("\n");
        partial = lines.pop() ?? "";
        const hit = lines.find((l) => pattern.test(l));
        return hit === undefined ? null : { by: "log", detail: hit.trim().slice(0, 200) };
      } finally {
        closeSync(fd);
      }
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/**
 * Watches a process: the first poll after it is gone reports it, once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { pidMonitor } from "./monitor.ts";
 * const m = pidMonitor(process.pid);
 * assert.equal(m.poll(), null);
 * assert.equal(m.fatal, false);
 * ```
 */
export function pidMonitor(pid: number): CrashMonitor {
  let gone = false;
  return {
    label: `process ${pid}`,
    get fatal() {
      return gone;
    },
    poll() {
      if (gone || alive(pid)) return null;
      gone = true;
      return { by: "pid", detail: `process ${pid} is gone` };
    },
  };
}
