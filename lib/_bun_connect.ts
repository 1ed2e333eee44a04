// A Bun TCP connect that can be called off. Internal: not exported by mod.ts; used by the Bun
// transport and the load engine's Bun sockets.
//
// Bun.connect cannot be called off: it hands the socket over only once connected, so a host
// that drops SYNs keeps the process alive until the kernel gives up, long after a timeout was
// reported. A node:net socket can be destroyed while it connects, and on Bun it runs on the
// same native socket, which is taken over with the caller's handlers (`reload`) once connected.

import { TransportError } from "./transport_error.ts";

interface NodeNetSocket {
  once(event: "connect", listener: () => void): void;
  once(event: "error", listener: (error: Error) => void): void;
  removeAllListeners(): void;
  destroy(): void;
  readonly _handle?: unknown;
}

/** Where to connect, and the signal that calls the connect off. */
export interface CancellableConnect {
  /** Host name or address literal. */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
  /** For messages: the target as formatAddr prints it. */
  readonly target: string;
  /** Aborting destroys the connecting socket and rejects with the signal's reason. */
  readonly signal: AbortSignal;
}

/**
 * Connects over TCP on Bun and resolves to Bun's native socket, driven by `handlers` with `data`
 * as its `socket.data` from then on; rejects with the connect error (as node:net reports it), or the signal's reason once
 * aborted, with nothing left connecting. Bun only (node:net elsewhere has no native socket).
 */
export async function connectBunCancellable<S, H>(
  options: CancellableConnect,
  handlers: H,
  data: unknown,
): Promise<S> {
  const { hostname, port, target, signal } = options;
  const net = await import("node:net");
  return await new Promise<S>((resolve, reject) => {
    const socket = net.connect({
      host: hostname,
      port,
      allowHalfOpen: true,
    }) as unknown as NodeNetSocket;
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    socket.once("connect", () => {
      signal.removeEventListener("abort", onAbort);
      const handle = socket._handle as
        | { reload?: unknown; write?: unknown }
        | undefined;
      if (typeof handle?.reload !== "function" || typeof handle.write !== "function") {
        socket.destroy();
        reject(
          new TransportError("UNSUPPORTED", "connect", target, "this Bun's node:net changed"),
        );
        return;
      }
      socket.removeAllListeners();
      const native = handle as { data: unknown; reload(options: { socket: H }): void };
      native.data = data;
      native.reload({ socket: handlers });
      resolve(handle as S);
    });
  });
}
