/**
 * Helpers for the conformance tests: run ppcat's CLI or the conformance
 * entry point as a child process under the current runtime (so tests never
 * import cli/), find processes still living in a directory, and drive
 * headless Chromium.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { findBinary } from "./harness.ts";

/** The repository's root. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** The command that runs a TypeScript entry point of this repository under this runtime. */
export function runtimeCommand(entry: string): [string, string[]] {
  const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const file = `${ROOT}${entry}`;
  return isDeno ? [process.execPath, ["run", "-A", "--quiet", file]] : [process.execPath, [file]];
}

/** Runs `ppcat ARGS` (cli/main.ts) with `stdin`; its exit code, stdout and stderr. */
export function ppcat(
  args: readonly string[],
  stdin = "",
): Promise<{ code: number | null; out: string; err: string }> {
  const [cmd, pre] = runtimeCommand("cli/main.ts");
  return new Promise((resolve) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: unknown) => (out += String(d)));
    child.stderr.on("data", (d: unknown) => (err += String(d)));
    child.on("close", (code: number | null) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/**
 * The processes whose command line names `dir` or whose working directory is
 * inside it (Linux /proc; empty elsewhere).
 */
export function processesIn(dir: string): string[] {
  if (!existsSync("/proc")) return [];
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (/^\d+ \(.*\) Z /.test(stat)) continue; // a zombie runs nothing
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // not ours to read
      }
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid} ${cmdline.trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Headless Chromium, or why there is none. */
export function chromium(): { path: string } | { missing: string } {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = findBinary(name, undefined, {
      versionArgs: ["--version"],
      versionPattern: /(\d+\.\d+[.\d]*)/,
    });
    if (r.ok) return { path: r.binary.path };
  }
  return { missing: "chromium is not installed (apt-get install chromium)" };
}

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"];

/** The DOM of `file` (and `hash`, e.g. "#status=fail") after its scripts ran (`--dump-dom`). */
export function dumpDom(browser: string, file: string, hash = ""): string {
  const r = spawnSync(browser, [...CHROMIUM_FLAGS, "--dump-dom", `file://${file}${hash}`], {
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`chromium --dump-dom exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Takes a screenshot of `url` into `png` at `width`×`height`. */
export function screenshot(
  browser: string,
  url: string,
  png: string,
  width: number,
  height: number,
): void {
  const r = spawnSync(
    browser,
    [...CHROMIUM_FLAGS, `--screenshot=${png}`, `--window-size=${width},${height}`, url],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`chromium --screenshot exited ${r.status}: ${r.stderr}`);
}

/** Counts the statuses of the cells a page drew (`<td … data-status="…">`). */
export function drawnStatuses(dom: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of dom.matchAll(/<td [^>]*data-status="([a-z]+)"/g)) {
    const s = m[1] as string;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}
