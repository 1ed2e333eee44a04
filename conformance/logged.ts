/**
 * Receivers that say what they understood in a log line: apache2, lighttpd,
 * squid and postfix write the client address and port a PROXY header gave
 * them (or the real peer's) into a log file. ppcat sends every case of part 2,
 * then reads the log once: some servers flush their access log only every
 * second or so.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { sleep } from "./harness.ts";
import {
  canonical,
  expectedEndpoints,
  type ReceiverOutcome,
  type ReceiverTarget,
  type SentCase,
} from "./checks_receivers.ts";
import {
  type Cell,
  type Column,
  type FieldCheck,
  judgeFields,
  type KnownDeviation,
  missingCell,
} from "./model.ts";
import { bytesOf, type Exchange, exchange } from "./net.ts";
import type { PeerRun } from "./peers/peer.ts";

/** One connection as a receiver logged it. */
export interface LoggedEntry {
  /** The marker the request carried (HTTP: its path), when the log shows one. */
  readonly marker?: string;
  /** The client address it logged. */
  readonly address: string;
  /** The client port it logged (text as logged). */
  readonly port: string;
  /** The log line. */
  readonly line: string;
}

/** How one logging receiver is driven and read. */
export interface LoggedReceiver {
  /** Its column. */
  readonly column: Column;
  /** Where it listens on 127.0.0.1. */
  readonly port: number;
  /** The bytes after the header on the connection of `marker` (an HTTP request, SMTP QUIT). */
  request(marker: string): Uint8Array;
  /** The same as printf text, for the reproduce command. */
  readonly payload: string;
  /** Asks the server to write out what it buffered (lighttpd: SIGHUP), if it buffers. */
  flush?(): void;
  /** The log's text now ("" when not written yet). */
  readLog(): string;
  /** Every connection entry in the log, in order. */
  entries(log: string): LoggedEntry[];
  /** How entries map to connections: by the marker they show, or one entry per connection in order. */
  readonly match: "marker" | "order";
  /**
   * Whether the reply shows the connection was served (postfix: its 220 greeting); a
   * refused connection may still be logged with the real peer's address.
   */
  readonly accepted?: (reply: string) => boolean;
  /** What is read, for the pass text: e.g. "%a %{remote}p in the access log". */
  readonly what: string;
  /** This peer's documented deviations (findings, not failures). */
  readonly known?: readonly KnownDeviation[];
}

/** How long to wait for the log to show every connection. */
export const LOG_WAIT_MS = 3000;

/**
 * Reads a text file, "" when it is not there (yet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readText } from "./logged.ts";
 * assert.equal(readText("/nonexistent/log"), "");
 * ```
 */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * The entries of a log: every line `pattern` matches, with the client address
 * in group 1, its port in group 2 and, when the line shows one, the marker in
 * group 3.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logEntries } from "./logged.ts";
 * const log = 'x 192.0.2.1 56324 "GET /m1"\nnoise\nx ::1 443 "-"\n';
 * const [a, b, c] = logEntries(log, /^x (\S+) (\S+) "(?:GET \/(\S*)|-)"/);
 * assert.deepEqual(a, {
 *   address: "192.0.2.1", port: "56324", marker: "m1", line: 'x 192.0.2.1 56324 "GET /m1"',
 * });
 * assert.deepEqual(b, { address: "::1", port: "443", line: 'x ::1 443 "-"' });
 * assert.equal(c, undefined);
 * ```
 */
export function logEntries(log: string, pattern: RegExp): LoggedEntry[] {
  const out: LoggedEntry[] = [];
  for (const line of log.split("\n")) {
    const m = pattern.exec(line);
    if (m === null) continue;
    const entry = { address: m[1] ?? "", port: m[2] ?? "", line };
    out.push(m[3] === undefined ? entry : { ...entry, marker: m[3] });
  }
  return out;
}

/** An HTTP server that writes the client address and the request path into its access log. */
export interface HttpLogServer
  extends Pick<LoggedReceiver, "column" | "port" | "flush" | "entries" | "what" | "known"> {
  /** The access log's path. */
  readonly log: string;
}

/**
 * What such a server takes part in: a logged receiver (part 2) whose requests
 * carry the marker in their path, and a fuzz target in http mode (part 3).
 */
export function httpLogRun(s: HttpLogServer): PeerRun {
  const { log, ...receiver } = s;
  return {
    receivers: [loggedTarget({
      ...receiver,
      payload: httpPrintf(),
      request: (marker) => httpRequest(marker),
      readLog: () => readText(log),
      match: "marker",
    })],
    fuzz: [{ column: s.column, hostname: "127.0.0.1", port: s.port, mode: "http" }],
  };
}

/** The printf text of {@linkcode httpRequest} for the marker "x". */
export function httpPrintf(absolute = false): string {
  const target = absolute ? "http://conformance.ppcat.test/x" : "/x";
  return `GET ${target} HTTP/1.0\\r\\nHost: conformance.ppcat.test\\r\\n\\r\\n`;
}

/** A minimal HTTP/1.0 request whose path carries `marker`. */
export function httpRequest(marker: string, absolute = false): Uint8Array {
  const target = absolute ? `http://conformance.ppcat.test/${marker}` : `/${marker}`;
  return bytesOf(`GET ${target} HTTP/1.0\r\nHost: conformance.ppcat.test\r\n\r\n`);
}

function findEntry(
  r: LoggedReceiver,
  entries: readonly LoggedEntry[],
  index: number,
  marker: string,
): LoggedEntry | undefined {
  return r.match === "marker" ? entries.find((e) => e.marker === marker) : entries[index];
}

/** The cell of one case from what the receiver logged for it. */
export function loggedCell(
  r: LoggedReceiver,
  s: SentCase,
  ex: Exchange,
  entry: LoggedEntry | undefined,
): Cell {
  if (ex.end === "refused") return missingCell(s.id, r.column, "answer", "could not connect");
  const served = r.accepted?.(ex.reply) ?? true;
  if (entry === undefined || !served) {
    const first = ex.reply.split("\r\n")[0] ?? "";
    return missingCell(
      s.id,
      r.column,
      "answer",
      `refused: ${
        entry === undefined ? "nothing logged for this connection" : "logged, but not served"
      } (${ex.end}` +
        `${first ? ` after ${JSON.stringify(first.slice(0, 60))}` : ""})`,
      r.known,
    );
  }
  const exp = expectedEndpoints(s.case.init, ex.local, { address: "127.0.0.1", port: r.port });
  const checks: FieldCheck[] = [
    {
      field: "client address",
      expected: exp.source.address,
      observed: canonical(entry.address),
      level: "MUST",
    },
    {
      field: "client port",
      expected: String(exp.source.port),
      observed: entry.port,
      level: "MUST",
    },
  ];
  const what = exp.fromHeader
    ? "the header's source"
    : "the real peer (no addresses in the header)";
  return judgeFields(
    s.id,
    r.column,
    checks,
    `accepted; logged ${what} ${entry.address} port ${entry.port} (${r.what})`,
    r.known,
  );
}

/**
 * A {@linkcode ReceiverTarget} over a logging receiver: sends every case with
 * its own marker, waits until the log shows them all (at most
 * {@linkcode LOG_WAIT_MS}), and judges each entry.
 */
export function loggedTarget(r: LoggedReceiver): ReceiverTarget {
  return {
    column: r.column,
    payload: r.payload,
    async run(cases): Promise<ReceiverOutcome[]> {
      // Entries already there (readiness probes) belong to no case.
      const before = r.entries(r.readLog()).length;
      const sent: { marker: string; ex: Exchange }[] = [];
      for (const s of cases) {
        const marker = `ppcat-conformance-${s.id}`;
        const ex = await exchange("127.0.0.1", r.port, [s.header, r.request(marker)]);
        sent.push({ marker, ex });
      }
      let entries: LoggedEntry[] = [];
      const started = performance.now();
      for (;;) {
        r.flush?.();
        entries = r.entries(r.readLog()).slice(before);
        const all = r.match === "order"
          ? entries.length >= cases.length
          : sent.every((x) => entries.some((e) => e.marker === x.marker));
        if (all || performance.now() - started > LOG_WAIT_MS) break;
        await sleep(r.flush ? 250 : 100);
      }
      return cases.map((s, i) => {
        const x = sent[i] as { marker: string; ex: Exchange };
        const entry = findEntry(r, entries, i, x.marker);
        return {
          cell: loggedCell(r, s, x.ex, entry),
          observed: {
            client: x.ex.local,
            reply: x.ex.reply.split("\r\n")[0] ?? "",
            end: x.ex.end,
            logged: entry?.line ?? null,
          },
        };
      });
    },
  };
}
