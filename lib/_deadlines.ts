/**
 * Shared header deadlines: connections whose deadlines fall in the same {@linkcode DEADLINE_GRAIN_MS}
 * slot share one timer, so a server with thousands of connections waiting for their header runs a
 * handful of timers, not one each. A deadline fires at or after its time, never before, and at
 * most one grain late.
 *
 * @module
 */

/** The width of a deadline slot, in milliseconds: how late a deadline may fire. */
export const DEADLINE_GRAIN_MS = 64;

interface Slot {
  readonly fires: Set<() => void>;
  readonly timer: ReturnType<typeof setTimeout>;
}

const slots = new Map<number, Slot>();

/** An armed deadline; {@linkcode disarmDeadline} calls it off. */
export interface Deadline {
  readonly at: number;
  readonly fire: () => void;
}

/**
 * Calls `fire` once, `ms` milliseconds from now (up to one grain later), unless disarmed first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { armDeadline, disarmDeadline, pendingDeadlineSlots } from "./_deadlines.ts";
 * let fired = 0;
 * const a = armDeadline(20, () => fired++);
 * const b = armDeadline(20, () => fired++);
 * assert.ok(pendingDeadlineSlots() <= 2); // one timer for both, two at a slot's edge
 * disarmDeadline(b);
 * await new Promise((r) => setTimeout(r, 120));
 * assert.equal(fired, 1);
 * assert.equal(pendingDeadlineSlots(), 0);
 * disarmDeadline(a); // harmless once fired
 * ```
 */
export function armDeadline(ms: number, fire: () => void): Deadline {
  const due = performance.now() + ms;
  const at = Math.ceil(due / DEADLINE_GRAIN_MS) * DEADLINE_GRAIN_MS;
  let slot = slots.get(at);
  if (slot === undefined) {
    const fires = new Set<() => void>();
    const timer = setTimeout(() => {
      slots.delete(at);
      for (const f of fires) f();
    }, Math.max(0, at - performance.now()));
    slot = { fires, timer };
    slots.set(at, slot);
  }
  slot.fires.add(fire);
  return { at, fire };
}

/** Calls off `deadline`; its slot's timer goes when it has no deadline left. */
export function disarmDeadline(deadline: Deadline): void {
  const slot = slots.get(deadline.at);
  if (slot === undefined || !slot.fires.delete(deadline.fire)) return;
  if (slot.fires.size > 0) return;
  clearTimeout(slot.timer);
  slots.delete(deadline.at);
}

/** How many timers the deadlines use now (for tests). */
export function pendingDeadlineSlots(): number {
  return slots.size;
}
