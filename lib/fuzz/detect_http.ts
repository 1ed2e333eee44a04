/**
 * `http` mode: an HTTP request written after the header gets a response.
 * Statuses that say the request did not parse are refusals; any other is
 * acceptance.
 *
 * @module
 */

import { ascii, type Detector, type DetectorContext, latin1, LINE_MAX } from "./detector.ts";

/**
 * HTTP statuses that say the server could not parse what it received as a
 * request (the PROXY header, or bytes around it), rather than answer it:
 * 400 Bad Request, 405 Method Not Allowed ("PROXY" read as a method), 408
 * Request Timeout, 413, 414, 431 (size limits), 501 Not Implemented (unknown
 * method), 505 HTTP Version Not Supported. Any other status means the request
 * was parsed and answered: accepted (404 and 500 included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HTTP_ERROR_STATUSES } from "./detect_http.ts";
 * assert.ok(HTTP_ERROR_STATUSES.has(400));
 * assert.ok(!HTTP_ERROR_STATUSES.has(404));
 * ```
 */
export const HTTP_ERROR_STATUSES: ReadonlySet<number> = new Set([
  400,
  405,
  408,
  413,
  414,
  431,
  501,
  505,
]);

/**
 * The request `http` mode sends after the header: `GET /` with a Host header
 * and `Connection: close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpRequest } from "./detect_http.ts";
 * const text = new TextDecoder().decode(httpRequest("example.com"));
 * assert.ok(text.startsWith("GET / HTTP/1.1\r\nHost: example.com\r\n"));
 * assert.ok(text.endsWith("\r\n\r\n"));
 * ```
 */
export function httpRequest(host: string): Uint8Array {
  return ascii(
    `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ppcat-fuzz\r\nAccept: */*\r\n` +
      "Connection: close\r\n\r\n",
  );
}

/**
 * The status code of an HTTP response's status line at the start of
 * `bytes` (`HTTP/1.1 200 OK`), or null when the bytes do not start one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpStatus } from "./detect_http.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assert.equal(httpStatus(bytes("HTTP/1.1 400 Bad Request\r\n")), 400);
 * assert.equal(httpStatus(bytes("HTTP/2 204\r\n")), 204);
 * assert.equal(httpStatus(bytes("220 smtp.example ESMTP\r\n")), null);
 * ```
 */
export function httpStatus(bytes: Uint8Array): number | null {
  const head = latin1(bytes.subarray(0, 32));
  const m = /^HTTP\/\d(?:\.\d)? ([1-5]\d\d)(?:[ \r\n]|$)/.exec(head);
  return m === null ? null : Number(m[1]);
}

/**
 * The http detector for one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ascii } from "./detector.ts";
 * import { httpDetector } from "./detect_http.ts";
 * const d = httpDetector({
 *   afterHeader: new Uint8Array(0), sendsProbe: true, httpHost: "x", sent: () => new Uint8Array(0),
 * });
 * assert.equal(d.afterHeader(ascii("HTTP/1.1 404 Not Found\r\n"), "data").kind, "accepted");
 * assert.equal(d.afterHeader(ascii("HTTP/1.1 400 Bad Request\r\n"), "data").kind, "refused");
 * assert.equal(d.beforeHeader(ascii("HTTP/1.1 408 Request Timeout\r\n"), "data"), "refused");
 * ```
 */
export function httpDetector(ctx: DetectorContext): Detector {
  const lineDone = (bytes: Uint8Array, end: string) =>
    bytes.includes(0x0a) || bytes.length >= LINE_MAX || end !== "data";
  return {
    probe: httpRequest(ctx.httpHost),
    afterHeader(bytes, end) {
      if (!lineDone(bytes, end)) return { kind: "wait" };
      const status = httpStatus(bytes);
      if (status === null) return { kind: "refused" };
      const refused = HTTP_ERROR_STATUSES.has(status);
      if (ctx.afterHeader.length > 0) {
        // The bytes after the header are not HTTP: a server that saw them refuses the request;
        // one that answers it never saw them (the receiver swallowed them as header).
        return { kind: "accepted", payloadIntact: refused };
      }
      return refused ? { kind: "refused" } : { kind: "accepted" };
    },
    beforeHeader(bytes, end) {
      if (!lineDone(bytes, end)) return "wait";
      const status = httpStatus(bytes);
      if (status === null) return "unknown";
      return HTTP_ERROR_STATUSES.has(status) ? "refused" : "spoke";
    },
  };
}
