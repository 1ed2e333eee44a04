/**
 * The few libc calls the zero-copy bulk sockets of `ppcat bench` make (lib/bench/socket_ffi.ts),
 * through `bun:ffi`. Linux on x86_64 only: the struct layouts the callers build (`epoll_event`
 * packed in 12 bytes, `sockaddr_in`) are that ABI's. Everywhere else, on Deno, or when libc
 * cannot be opened, {@linkcode openLibc} returns null and the caller keeps Bun's own sockets.
 *
 * `bun:ffi` is reached through `import.meta.require` inside a function, never a static import,
 * so Deno can import and type-check this module and `bun build --compile` keeps it a builtin.
 *
 * @module
 */

import process from "node:process";

/** The libc functions used, typed as they are called (lengths and results fit in 32 bits). */
export interface Libc {
  /** `socket(2)`. */
  socket(domain: number, type: number, protocol: number): number;
  /** `connect(2)` to a `sockaddr` held in `addr`. */
  connect(fd: number, addr: Uint8Array, length: number): number;
  /** `send(2)` of `length` bytes at `buf[offset..]`. */
  send(fd: number, buf: Uint8Array, offset: number, length: number, flags: number): number;
  /** `recv(2)` into `buf[0..length)`. */
  recv(fd: number, buf: Uint8Array, length: number, flags: number): number;
  /** `shutdown(2)`. */
  shutdown(fd: number, how: number): number;
  /** `close(2)`. */
  close(fd: number): number;
  /** `getsockopt(2)` of an int option; the value, or -1 with errno set. */
  getIntOption(fd: number, level: number, name: number): number;
  /** `setsockopt(2)` of an int option. */
  setIntOption(fd: number, level: number, name: number, value: number): number;
  /** `epoll_create1(2)`. */
  epollCreate(flags: number): number;
  /** `epoll_ctl(2)` with one packed `epoll_event` in `event`. */
  epollCtl(epfd: number, op: number, fd: number, event: Uint8Array): number;
  /** `epoll_wait(2)` into packed `epoll_event`s. */
  epollWait(epfd: number, events: Uint8Array, max: number, timeoutMs: number): number;
  /** This thread's `errno`. */
  errno(): number;
}

let cached: Libc | null | undefined;

/**
 * libc through `bun:ffi`, or null where that path does not apply (not Bun, not Linux x86_64,
 * libc.so.6 missing). Opened once per process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLibc } from "./ffi_libc.ts";
 * const libc = openLibc();
 * if (!("Bun" in globalThis)) assert.equal(libc, null);
 * if (libc !== null) assert.ok(libc.socket(2, 1, 0) >= 0);
 * ```
 */
export function openLibc(): Libc | null {
  if (cached === undefined) cached = load();
  return cached;
}

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
  ptr(view: Uint8Array, byteOffset?: number): number;
  read: { i32(pointer: number, byteOffset?: number): number };
}

function load(): Libc | null {
  if (!("Bun" in globalThis) || process.platform !== "linux" || process.arch !== "x64") {
    return null;
  }
  try {
    const require = (import.meta as unknown as { require?: (id: string) => unknown }).require;
    if (typeof require !== "function") return null;
    const ffi = require("bun:ffi") as BunFfi;
    const { symbols: f } = ffi.dlopen("libc.so.6", {
      socket: { args: ["i32", "i32", "i32"], returns: "i32" },
      connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
      // ssize_t results are read as their low 32 bits: transfers here stay far below 2 GiB.
      send: { args: ["i32", "ptr", "u64", "i32"], returns: "i32" },
      recv: { args: ["i32", "ptr", "u64", "i32"], returns: "i32" },
      shutdown: { args: ["i32", "i32"], returns: "i32" },
      close: { args: ["i32"], returns: "i32" },
      getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
      setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
      epoll_create1: { args: ["i32"], returns: "i32" },
      epoll_ctl: { args: ["i32", "i32", "i32", "ptr"], returns: "i32" },
      epoll_wait: { args: ["i32", "ptr", "i32", "i32"], returns: "i32" },
      __errno_location: { args: [], returns: "ptr" },
    });
    const errnoAt = f.__errno_location!();
    const option = new Int32Array(2); // [value, length]
    const optionBytes = new Uint8Array(option.buffer, 0, 4);
    const optionLength = new Uint8Array(option.buffer, 4, 4);
    return {
      socket: (d, t, p) => f.socket!(d, t, p),
      connect: (fd, addr, length) => f.connect!(fd, addr, length),
      send: (fd, buf, offset, length, flags) => f.send!(fd, ffi.ptr(buf, offset), length, flags),
      recv: (fd, buf, length, flags) => f.recv!(fd, buf, length, flags),
      shutdown: (fd, how) => f.shutdown!(fd, how),
      close: (fd) => f.close!(fd),
      getIntOption(fd, level, name) {
        option[1] = 4;
        return f.getsockopt!(fd, level, name, optionBytes, optionLength) < 0 ? -1 : option[0]!;
      },
      setIntOption(fd, level, name, value) {
        option[0] = value;
        return f.setsockopt!(fd, level, name, optionBytes, 4);
      },
      epollCreate: (flags) => f.epoll_create1!(flags),
      epollCtl: (epfd, op, fd, event) => f.epoll_ctl!(epfd, op, fd, event),
      epollWait: (epfd, events, max, timeoutMs) => f.epoll_wait!(epfd, events, max, timeoutMs),
      errno: () => ffi.read.i32(errnoAt, 0),
    };
  } catch {
    return null;
  }
}
