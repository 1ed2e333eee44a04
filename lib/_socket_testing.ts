// Helpers for tests over real sockets (lib/transport_test.ts, cli/send_test.ts).

import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { getTransport } from "./transport.ts";

/** Whether the IPv6 loopback (::1) can be bound here. */
export async function ipv6Available(): Promise<boolean> {
  try {
    (await getTransport().listen({ hostname: "::1", port: 0 })).close();
    return true;
  } catch {
    return false;
  }
}

/** Open socket descriptors of this process (Linux), or null without /proc. */
export function openSockets(): Set<string> | null {
  if (!existsSync("/proc/self/fd")) return null;
  const out = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith("socket:")) out.add(`${fd} ${link}`);
    } catch {
      // closed while listing
    }
  }
  return out;
}
