/**
 * SIGINT and SIGTERM as an AbortSignal, through `node:process` (Deno and Bun both deliver these
 * to `process.on`). Kept apart from cli/io.ts so tests never install process handlers: they pass
 * their own AbortSignal to `ppcat listen`'s `run`.
 *
 * @module
 */

import process from "node:process";

/** A stop signal wired to SIGINT and SIGTERM until {@linkcode StopSignal.dispose} is called. */
export interface StopSignal {
  /** Aborts on the first SIGINT or SIGTERM, with the signal's name as the reason. */
  readonly signal: AbortSignal;
  /** Removes the process handlers (the default action of the signals comes back). */
  dispose(): void;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Listens for SIGINT and SIGTERM. While installed, they abort `signal` instead of killing the
 * process; call `dispose()` when done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processStopSignal } from "./listen_signal.ts";
 * const stop = processStopSignal();
 * assert.equal(stop.signal.aborted, false);
 * stop.dispose();
 * ```
 */
export function processStopSignal(): StopSignal {
  const controller = new AbortController();
  const handlers = new Map<string, () => void>();
  for (const name of SIGNALS) {
    // The reason is the signal's name: the summary says what stopped the listener.
    const onSignal = () => controller.abort(name);
    try {
      process.on(name, onSignal);
      handlers.set(name, onSignal);
    } catch {
      // A runtime without this signal (Windows has no SIGTERM handler in some runtimes).
    }
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [name, onSignal] of handlers) {
        try {
          process.off(name, onSignal);
        } catch {
          // already gone
        }
      }
      handlers.clear();
    },
  };
}
