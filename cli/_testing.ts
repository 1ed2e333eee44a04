/**
 * Test helpers for cli/: run `main()` in-process against a {@linkcode memoryIo},
 * or spawn the real CLI under the runtime running the tests.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { DENO_V8_FLAGS } from "./deno_flags.ts";
import { memoryIo, type MemoryIoInit, setIo } from "./io.ts";
import { main } from "./main.ts";

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly outBytes: Uint8Array;
  readonly stdinRead: boolean;
}

/** Runs `ppcat <argv>` in-process with in-memory stdio. */
export async function runCli(argv: string[], init: MemoryIoInit = {}): Promise<CliRun> {
  const mem = memoryIo(init);
  const restore = setIo(mem);
  let code: number;
  try {
    code = await main(argv);
  } finally {
    restore();
  }
  return {
    code,
    out: mem.out(),
    err: mem.err(),
    outBytes: mem.outBytes(),
    stdinRead: mem.stdinRead(),
  };
}

/**
 * What `decode --json` prints for the §2.2 header the cli tests share: PROXY, TCP over IPv4,
 * 192.0.2.1:56324 -> 192.0.2.11:443, no TLVs (spread it to change the version or lengths).
 */
export const V2_TCP4_JSON = {
  version: 2,
  command: "PROXY",
  protocol: "TCP4",
  source: { address: "192.0.2.1", port: 56324 },
  destination: { address: "192.0.2.11", port: 443 },
  tlvs: [],
  crc32c: null,
  headerLength: 28,
  trailingBytes: 0,
};

/** Bytes from a hex string (test fixtures only; no validation). */
export function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-f]/gi, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes from ASCII/UTF-8 text. */
export function textBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** What a spawned process produced. */
export interface SpawnRun {
  readonly status: number | null;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The arguments that run `script` with `args` under the runtime running the tests. */
export function scriptArgv(script: string, args: readonly string[]): string[] {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return [...(isDeno ? ["run", "-A", DENO_V8_FLAGS, script] : [script]), ...args];
}

/** The arguments that run `ppcat <args>` (cli/main.ts) under the runtime running the tests. */
export function cliArgv(args: readonly string[]): string[] {
  return scriptArgv(MAIN, args);
}

/** Spawns the real CLI with the runtime running the tests (Deno or Bun). */
export function spawnCli(argv: string[], input?: Uint8Array | string): SpawnRun {
  const env = { ...process.env };
  delete env.NO_COLOR;
  const result = spawnSync(process.execPath, cliArgv(argv), {
    cwd: ROOT,
    input: input ?? new Uint8Array(),
    env,
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: new Uint8Array(
      result.stdout.buffer,
      result.stdout.byteOffset,
      result.stdout.byteLength,
    ),
    stderr: result.stderr.toString("utf8"),
  };
}
