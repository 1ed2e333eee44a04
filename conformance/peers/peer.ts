/**
 * What a peer of the conformance suite is: a real program (haproxy, apache2,
 * curl, …) described as data plus a little code, one file per peer in this
 * directory. The suite finds its binary, reserves its loopback ports, starts
 * it with its own configuration in the run's temporary directory, and asks it
 * for what it takes part in: client scenarios that send to ppcat (part 1),
 * receiver targets ppcat sends to (part 2), and fuzz targets (part 3). Part 4
 * (Wireshark) decodes whatever reached ppcat's receivers, so senders take
 * part in it without saying so.
 *
 * @module
 */

import type { Binary, Certs, Harness } from "../harness.ts";
import type { Scenario, SenderContext } from "../checks_senders.ts";
import type { ReceiverTarget } from "../checks_receivers.ts";
import type { FuzzTarget } from "../checks_fuzz.ts";
import type { Column, Row } from "../model.ts";
import type { Receiver } from "../net.ts";

/** What a peer does in the suite. */
export type Role = "sender" | "receiver";

/** One column a peer contributes to the matrix. */
export interface PeerColumn {
  /** The column id ("apache2", "nginx-stream"). */
  readonly id: Column;
  /** Added to the peer's label ("stream" gives "nginx 1.22 stream"); none: the label alone. */
  readonly suffix?: string;
  /** The parts this column takes part in. */
  readonly roles: readonly Role[];
}

/** ppcat's receivers that senders are pointed at. */
export interface PpcatReceivers {
  /** The main receiver (TCP, 127.0.0.1). */
  readonly rx: Receiver;
  /** The same on [::1]; null without an IPv6 loopback. */
  readonly rx6: Receiver | null;
  /** The same on a UNIX socket in the run's directory. */
  readonly unix: Receiver;
  /** The UNIX socket's path. */
  readonly unixPath: string;
  /** Receivers for haproxy's health checks. */
  readonly checkV1: Receiver;
  readonly checkV2: Receiver;
}

/** What a peer's `start` gets. */
export interface PeerContext {
  /** The run's harness: temporary directory, process start and stop. */
  readonly h: Harness;
  /** The peer's binary as found. */
  readonly bin: Binary;
  /** `PeerDef.ports` free loopback ports (free on ::1 too when `ipv6`). */
  readonly ports: readonly number[];
  /** Whether the IPv6 loopback is usable. */
  readonly ipv6: boolean;
  /** The run's certificates; null without openssl. */
  readonly certs: Certs | null;
  /** ppcat's receivers. */
  readonly ppcat: PpcatReceivers;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** A started peer: what it contributes to each part. */
export interface PeerRun {
  /** Part 1: client scenarios through this peer to ppcat's receivers. */
  readonly senders?: (ctx: SenderContext) => Scenario[];
  /** Part 1: rows that are not client scenarios (haproxy's health checks). */
  readonly senderRows?: (ctx: SenderContext) => Promise<Row[]>;
  /** Part 2: where ppcat sends its headers, and how the peer's understanding is read. */
  readonly receivers?: readonly ReceiverTarget[];
  /** Part 3: where the fuzz catalog goes. */
  readonly fuzz?: readonly FuzzTarget[];
  /** Rows of part 1 the peer could not run here, with why. */
  readonly skipped?: readonly string[];
  /** Observations about the peer that belong to no cell. */
  readonly notes?: readonly string[];
}

/** One peer, as data plus `start`. */
export interface PeerDef {
  /** Its name: the `--peers` value and the key in the result's `peers`. */
  readonly name: string;
  /** The program to find on PATH (and in the sbin directories). */
  readonly program: string;
  /** The Debian package(s) that install it, for the skip message. */
  readonly packages: readonly string[];
  /** Arguments that make it print its version. */
  readonly versionArgs: readonly string[];
  /** Finds the version in that output (first group). */
  readonly versionPattern: RegExp;
  /** Label of its columns, e.g. "apache2 2.4" (default: name and major.minor). */
  readonly label?: (version: string) => string;
  /** Its columns, in matrix order. */
  readonly columns: readonly PeerColumn[];
  /**
   * Why it cannot run here although installed (postfix's master needs root), or null: then its
   * columns are `skip` with that reason, as for a missing package.
   */
  readonly unavailable?: () => string | null;
  /** How many loopback ports it listens on. */
  readonly ports: number;
  /** Starts it (configuration written into `ctx.h.dir`), waits until ready, returns its parts. */
  start(ctx: PeerContext): Promise<PeerRun>;
}

/** The line of a peer whose package is missing, e.g. "not installed: apt-get install apache2". */
export function missingText(peer: PeerDef, reason: string): string {
  return `not installed (${reason}): apt-get install ${peer.packages.join(" ")}`;
}
