/**
 * `ppcat bench --workers N`: N worker processes, each its own event loop, each running a share of the
 * connections. A worker is the same executable started again with the same arguments plus
 * `--worker I/N`; it prints NDJSON on stdout (`{"progress":…}` each second, then
 * `{"result":…}`), and the parent merges the results with the code of `ppcat bench merge`.
 *
 * Processes rather than Worker threads: they work the same from source under Deno and Bun and
 * in a `bun build --compile` binary (which would need every worker entry point named at build
 * time), and they are what `merge` was made for anyway.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import type { BenchProgress } from "../lib/bench/engine.ts";
import { type BenchResult, parseBenchResult } from "../lib/bench/result.ts";
import { DENO_V8_FLAGS } from "./deno_flags.ts";

/**
 * The command that runs this same program again: the compiled binary itself, or the runtime
 * with the script (Deno with the permissions a worker needs and ppcat's V8 flags).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selfCommand } from "./bench_workers.ts";
 * import { DENO_V8_FLAGS } from "./deno_flags.ts";
 * const bun = selfCommand("/usr/bin/bun", ["/usr/bin/bun", "/p/cli/main.ts"], false);
 * assert.deepEqual(bun, ["/usr/bin/bun", "/p/cli/main.ts"]);
 * const compiled = selfCommand("/p/dist/ppcat", ["bun", "/$bunfs/root/ppcat"], false);
 * assert.deepEqual(compiled, ["/p/dist/ppcat"]);
 * const deno = selfCommand("/x/deno", ["/x/deno", "/p/cli/main.ts"], true);
 * assert.equal(deno[1], "run");
 * assert.ok(deno.includes(DENO_V8_FLAGS));
 * assert.equal(deno.at(-1), "/p/cli/main.ts");
 * ```
 */
export function selfCommand(execPath: string, argv: readonly string[], isDeno: boolean): string[] {
  const script = argv[1] ?? "";
  if (isDeno) {
    const base = execPath.split(/[\\/]/).pop() ?? "";
    if (!/^deno(\.exe)?$/.test(base)) return [execPath]; // deno compile
    return [
      execPath,
      "run",
      "--quiet",
      DENO_V8_FLAGS,
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      script,
    ];
  }
  if (script.startsWith("/$bunfs/") || script.startsWith("B:/~BUN/") || script === "") {
    return [execPath];
  }
  return [execPath, script];
}

/** What the parent learns from its workers (on failure, the results of those that ended well). */
export type WorkersOutcome =
  | { readonly ok: true; readonly results: BenchResult[] }
  | {
    readonly ok: false;
    readonly reason: "spawn" | "worker";
    readonly message: string;
    readonly results: BenchResult[];
  };

type Failure = { readonly reason: "spawn" | "worker"; readonly message: string };

/**
 * In a worker: calls `onGone` once when the parent is gone, seen as the end of stdin (the
 * parent holds its other end; the kernel closes it when the parent dies, even by SIGKILL).
 * Returns a function that stops watching and lets go of stdin.
 */
export function watchParent(onGone: () => void): () => void {
  const stdin = process.stdin;
  let fired = false;
  const gone = () => {
    if (fired) return;
    fired = true;
    onGone();
  };
  const ignore = () => {};
  stdin.on("data", ignore);
  stdin.on("end", gone);
  stdin.on("close", gone);
  stdin.on("error", gone);
  stdin.resume();
  return () => {
    fired = true;
    stdin.off("data", ignore);
    stdin.off("end", gone);
    stdin.off("close", gone);
    stdin.off("error", gone);
    stdin.pause();
    stdin.destroy();
  };
}

/**
 * Starts `count` workers running `ppcat bench ARGS --worker I/count`, reports their summed
 * progress each second, and collects their results.
 */
export function runWorkers(
  args: readonly string[],
  count: number,
  onProgress: (index: number, progress: BenchProgress) => void,
  signal?: AbortSignal,
): Promise<WorkersOutcome> {
  const [cmd = process.execPath, ...prefix] = selfCommand(
    process.execPath,
    process.argv,
    "Deno" in globalThis,
  );
  return new Promise((resolve) => {
    const results: (BenchResult | null)[] = new Array(count).fill(null);
    let pending = count;
    let failure: Failure | null = null;
    const children: ReturnType<typeof spawn>[] = [];
    const fail = (f: Failure) => {
      failure ??= f;
      // Stopped workers still report what they measured (see cli/bench.ts).
      for (const c of children) c.kill("SIGTERM");
    };
    const settle = () => {
      if (--pending > 0) return;
      signal?.removeEventListener("abort", onAbort);
      const done = results.filter((r): r is BenchResult => r !== null);
      if (failure !== null) resolve({ ok: false, ...failure, results: done });
      else resolve({ ok: true, results: done });
    };
    const onAbort = () => {
      for (const c of children) c.kill("SIGTERM");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    for (let i = 0; i < count; i++) {
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(cmd, [...prefix, "bench", ...args, "--worker", `${i}/${count}`], {
          // stdin: a pipe the worker watches; it ends when this process does (watchParent).
          stdio: ["pipe", "pipe", "inherit"],
        });
      } catch (e) {
        fail({ reason: "spawn", message: e instanceof Error ? e.message : String(e) });
        pending -= count - i - 1;
        settle();
        return;
      }
      children.push(child);
      child.stdin?.on("error", () => {});
      let buffered = "";
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (text: string) => {
        buffered += text;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          let msg: { progress?: BenchProgress; result?: unknown };
          try {
            msg = JSON.parse(line);
          } catch {
            continue;
          }
          if (msg.progress !== undefined) onProgress(i, msg.progress);
          if (msg.result !== undefined) {
            const r = parseBenchResult(msg.result);
            if (r.ok) results[i] = r.value;
            else fail({ reason: "worker", message: `worker ${i}: ${r.message}` });
          }
        }
      });
      let done = false;
      const finish = (why: string | null) => {
        if (done) return;
        done = true;
        if (why !== null) fail({ reason: "spawn", message: why });
        else if (results[i] === null && failure === null) {
          fail({ reason: "worker", message: `worker ${i} ended without a result` });
        }
        settle();
      };
      child.on("error", (e: Error) => finish(e.message));
      child.on("close", () => {
        child.stdin?.destroy();
        finish(null);
      });
    }
  });
}
