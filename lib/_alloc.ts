// Output buffers for the encoders.
//
// Measured on Deno 2.9.6: `new Uint8Array(28)` costs ~465 ns, a view into a
// preallocated slab ~27 ns; on Bun the opposite (~11 ns vs ~83 ns). So Deno
// carves small buffers out of a shared slab (as Node's Buffer pool does) and
// other runtimes allocate. A slab is never reused: views handed out stay valid.

const SLAB_SIZE = 64 * 1024;
const SMALL = 1024;
const useSlab = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

let slab = useSlab ? new ArrayBuffer(SLAB_SIZE) : new ArrayBuffer(0);
let slabOffset = 0;

/** A zero-filled byte array of `length` bytes. */
export function allocate(length: number): Uint8Array {
  if (!useSlab || length > SMALL) return new Uint8Array(length);
  if (slabOffset + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const view = new Uint8Array(slab, slabOffset, length);
  // Keep views 8-byte aligned for DataView users.
  slabOffset += (length + 7) & ~7;
  return view;
}

/** Scratch holding address text as bytes (encoding is synchronous). */
export const TEXT_SCRATCH: Uint8Array = new Uint8Array(64);

/** Copies an ASCII string into {@linkcode TEXT_SCRATCH}; its length, or -1 if too long or not ASCII. */
export function toTextScratch(text: string): number {
  const n = text.length;
  if (n > TEXT_SCRATCH.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    TEXT_SCRATCH[i] = c;
  }
  return n;
}
