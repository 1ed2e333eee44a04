/**
 * The V8 flags ppcat runs under on Deno: deno.json's `ppcat` and test tasks pass them, and so does
 * every Deno process ppcat or its tests start (bench workers, spawned CLIs). docs/bench.md says
 * what each costs and buys.
 *
 * - `--no-maglev`: V8's mid-tier compiler, as shipped in Deno 2.9.6, was seen to give the objects
 *   one source line makes a shared numeric field (the connect, first-byte and message histograms
 *   of one result, all with the message count) on a small share of runs under load; none without
 *   it. Bun is not affected (another engine).
 * - `--memory-saver-mode`: a smaller heap, so `ppcat listen` holds 10 000 idle connections in
 *   less memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DENO_V8_FLAGS } from "./deno_flags.ts";
 * assert.match(DENO_V8_FLAGS, /^--v8-flags=.*--no-maglev/);
 * ```
 */
export const DENO_V8_FLAGS = "--v8-flags=--memory-saver-mode,--no-maglev";
