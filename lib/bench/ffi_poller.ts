/**
 * The readiness loop of the zero-copy bulk sockets (lib/bench/socket_ffi.ts): one epoll instance
 * per process, polled from Bun's event loop by `setImmediate` while any socket is registered.
 *
 * The loop must never keep the event loop from timers, signals and IPC, nor spin while idle: a
 * turn that found events polls again without waiting (the next turn comes after Bun's own I/O
 * and timers); a turn that found none waits in `epoll_wait`, 1 ms, then twice as long each idle
 * turn up to 8 ms, so an idle engine wakes about 125 times a second.
 *
 * @module
 */

import type { Libc } from "./ffi_libc.ts";

/** epoll event bits (Linux). */
export const EPOLLIN = 0x001;
/** See {@linkcode EPOLLIN}. */
export const EPOLLOUT = 0x004;
/** See {@linkcode EPOLLIN}. */
export const EPOLLERR = 0x008;
/** See {@linkcode EPOLLIN}. */
export const EPOLLHUP = 0x010;

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EPOLL_CLOEXEC = 0o2000000;
/** x86_64: `struct epoll_event` is packed, `uint32_t events` then `uint64_t data`. */
const EVENT_SIZE = 12;
const MAX_EVENTS = 256;
/** Longest a poll blocks Bun's event loop when nothing is ready. */
const MAX_WAIT_MS = 8;

/** What the poller calls when a registered fd is ready. */
export interface Pollable {
  /** The events that fired (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP bits). */
  ready(events: number): void;
}

/**
 * One epoll set driven from the event loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLibc } from "./ffi_libc.ts";
 * import { EPOLLIN, Poller } from "./ffi_poller.ts";
 * const libc = openLibc();
 * if (libc !== null) {
 *   const poller = new Poller(libc);
 *   assert.equal(poller.add(-1, EPOLLIN, { ready() {} }), false); // not an fd
 *   assert.equal(poller.registered.size, 0);
 * }
 * ```
 */
export class Poller {
  private readonly libc: Libc;
  private readonly epfd: number;
  /** The fds watched and whom to tell. */
  readonly registered = new Map<number, Pollable>();
  /** fds added while a turn dispatches: that turn's events for the number were an older fd's. */
  private readonly fresh = new Set<number>();
  private readonly events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
  private readonly view = new DataView(this.events.buffer);
  private readonly one = new Uint8Array(EVENT_SIZE);
  private readonly oneView = new DataView(this.one.buffer);
  private scheduled = false;
  private waitMs = 0;

  /** Throws when no epoll instance can be made. */
  constructor(libc: Libc) {
    this.libc = libc;
    this.epfd = libc.epollCreate(EPOLL_CLOEXEC);
    if (this.epfd < 0) throw new Error(`epoll_create1: errno ${libc.errno()}`);
  }

  /** Watches `fd` for `events`; false when the kernel refused. */
  add(fd: number, events: number, target: Pollable): boolean {
    if (!this.ctl(EPOLL_CTL_ADD, fd, events)) return false;
    this.registered.set(fd, target);
    this.fresh.add(fd);
    this.waitMs = 0;
    this.schedule();
    return true;
  }

  /** Changes the events watched for `fd`. */
  modify(fd: number, events: number): void {
    this.ctl(EPOLL_CTL_MOD, fd, events);
  }

  /** Stops watching `fd` (before it is closed, so a reused number is never confused). */
  remove(fd: number): void {
    if (this.registered.delete(fd)) this.ctl(EPOLL_CTL_DEL, fd, 0);
  }

  /** One `epoll_ctl` with a packed event whose data is the fd itself. */
  private ctl(op: number, fd: number, events: number): boolean {
    this.oneView.setUint32(0, events, true);
    this.oneView.setUint32(4, fd, true);
    this.oneView.setUint32(8, 0, true);
    return this.libc.epollCtl(this.epfd, op, fd, this.one) === 0;
  }

  /** Polls again after the event loop's next turn, while anything is registered. */
  private schedule(): void {
    if (this.scheduled || this.registered.size === 0) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.registered.size === 0) return;
    this.fresh.clear();
    const n = this.libc.epollWait(this.epfd, this.events, MAX_EVENTS, this.waitMs);
    if (n > 0) {
      this.waitMs = 0;
      const view = this.view;
      for (let i = 0; i < n; i++) {
        const at = i * EVENT_SIZE;
        const fd = view.getUint32(at + 4, true);
        if (!this.fresh.has(fd)) this.registered.get(fd)?.ready(view.getUint32(at, true));
      }
    } else {
      this.waitMs = Math.min(MAX_WAIT_MS, Math.max(1, this.waitMs * 2));
    }
    this.schedule();
  };
}
