/**
 * The flags that describe a PROXY protocol header, declared once for every
 * subcommand that builds one (`encode` now; `send`, `fuzz` and `bench` later),
 * and {@linkcode headerFromFlags} turning their values into a
 * {@linkcode HeaderInit}.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import { fail, type Result } from "../lib/errors.ts";
import type { Endpoint, HeaderInit, Protocol, Tlv } from "../lib/header.ts";
import {
  alpnTlv,
  authorityTlv,
  awsVpceTlv,
  azureLinkIdTlv,
  gcpPscTlv,
  netnsTlv,
  noopTlv,
  rawTlv,
  SslClient,
  type SslInit,
  sslTlv,
  TLV_VALUE_MAX,
  UNIQUE_ID_MAX_LENGTH,
  uniqueIdTlv,
} from "../lib/tlv.ts";
import { flagHelp, type FlagValues, optionsOf } from "./args.ts";
import { parseHex } from "./hex.ts";
import { readFile } from "./io.ts";

/** Flags for the version, command, protocol and addresses. */
export const ADDRESS_FLAGS = {
  v1: { type: "boolean", help: "version 1, the text header (§2.1)" },
  v2: { type: "boolean", help: "version 2, the binary header (§2.2); the default" },
  local: { type: "boolean", help: "LOCAL command (v2 only): no addresses unless --src/--dst" },
  unknown: { type: "boolean", help: "v1 UNKNOWN / v2 UNSPEC: the proxy has no addresses to give" },
  protocol: {
    type: "string",
    arg: "PROTO",
    help: "TCP4 TCP6 UDP4 UDP6 UNIX_STREAM UNIX_DGRAM UNSPEC (default: TCP)",
  },
  src: {
    type: "string",
    arg: "ADDR:PORT",
    help: "source: 192.0.2.1:56324, [2001:db8::1]:56324, or a UNIX path",
  },
  dst: { type: "string", arg: "ADDR:PORT", help: "destination, same form and family as --src" },
} as const;

/** Flags that add TLVs (version 2 only). */
export const TLV_FLAGS = {
  alpn: { type: "string", arg: "S", help: "PP2_TYPE_ALPN (§2.2.1), e.g. h2" },
  authority: { type: "string", arg: "HOST", help: "PP2_TYPE_AUTHORITY (§2.2.2), the SNI" },
  "unique-id": { type: "string", arg: "ID", help: "PP2_TYPE_UNIQUE_ID (§2.2.5), ≤ 128 bytes" },
  netns: { type: "string", arg: "NAME", help: "PP2_TYPE_NETNS (§2.2.7)" },
  noop: { type: "string", arg: "N", help: "PP2_TYPE_NOOP (§2.2.4) with N zero bytes" },
  "ssl-version": {
    type: "string",
    arg: "S",
    help: "SSL (§2.2.6) PP2_SUBTYPE_SSL_VERSION, e.g. TLSv1.3",
  },
  "ssl-cn": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_CN, client certificate CN" },
  "ssl-cipher": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_CIPHER" },
  "ssl-sig-alg": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_SIG_ALG" },
  "ssl-key-alg": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_KEY_ALG" },
  "ssl-group": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_GROUP" },
  "ssl-sig-scheme": { type: "string", arg: "S", help: "SSL PP2_SUBTYPE_SSL_SIG_SCHEME" },
  "ssl-client-cert": { type: "string", arg: "FILE", help: "SSL PP2_SUBTYPE_SSL_CLIENT_CERT (DER)" },
  "ssl-verify": {
    type: "string",
    arg: "N",
    help: "SSL verify field, uint32 (default 0: verified)",
  },
  "ssl-client": {
    type: "string",
    arg: "N",
    help: "SSL client bits: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1)",
  },
  "aws-vpce": { type: "string", arg: "ID", help: "AWS (0xEA) VPC endpoint ID, e.g. vpce-0abc" },
  "azure-linkid": { type: "string", arg: "N", help: "Azure (0xEE) private link ID, uint32" },
  "gcp-psc": { type: "string", arg: "N", help: "GCP (0xE0) PSC connection ID, uint64 decimal" },
  tlv: {
    type: "string",
    multiple: true,
    arg: "TYPE=VALUE",
    help: "any TLV; TYPE 0-255 or 0xNN, VALUE text or 0x-prefixed hex",
  },
  crc32c: { type: "boolean", help: "append a PP2_TYPE_CRC32C checksum (§2.2.3)" },
} as const;

/** Every header flag: {@linkcode ADDRESS_FLAGS} and {@linkcode TLV_FLAGS}. */
export const HEADER_FLAGS = { ...ADDRESS_FLAGS, ...TLV_FLAGS } as const;

/** The parseArgs option table for {@linkcode HEADER_FLAGS}. */
export const HEADER_OPTIONS = optionsOf(HEADER_FLAGS);

/** What parseArgs yields for {@linkcode HEADER_OPTIONS}. */
export type HeaderFlagValues = FlagValues<typeof HEADER_OPTIONS>;

/** Width of the flag column in help texts that include the header flags. */
export const HELP_WIDTH = 22;

/**
 * The help sections for the header flags, ready to paste into a subcommand's help.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEADER_FLAGS_HELP } from "./header_flags.ts";
 * assert.match(HEADER_FLAGS_HELP, /^  --src ADDR:PORT +source/m);
 * assert.match(HEADER_FLAGS_HELP, /^  --tlv TYPE=VALUE +any TLV.*\(repeatable\)$/m);
 * ```
 */
export const HEADER_FLAGS_HELP: string = `HEADER FLAGS
${flagHelp(ADDRESS_FLAGS, HELP_WIDTH)}
TLV FLAGS (version 2 only)
${flagHelp(TLV_FLAGS, HELP_WIDTH)}`;

const PROTOCOLS: readonly Protocol[] = [
  "TCP4",
  "TCP6",
  "UDP4",
  "UDP6",
  "UNIX_STREAM",
  "UNIX_DGRAM",
  "UNSPEC",
  "UNKNOWN",
];

const UINT8_MAX = 0xff;
const UINT32_MAX = 0xffffffff;
const UINT64_MAX = 0xffffffffffffffffn;
const PORT_MAX = 0xffff;
const utf8 = new TextEncoder();

type Failure = { ok: false; error: ReturnType<typeof fail>["error"] };

function badValue(message: string): Failure {
  return fail("ENCODE_UNSUPPORTED", message, 0);
}

function tooLarge(message: string): Failure {
  return fail("ENCODE_TOO_LARGE", message, 0);
}

/**
 * Parses an unsigned integer flag value: decimal, or hex after "0x".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUint } from "./header_flags.ts";
 * assert.equal(parseUint("0x1f", 255), 31);
 * assert.equal(parseUint("256", 255), null);
 * assert.equal(parseUint("-1", 255), null);
 * ```
 */
export function parseUint(text: string, max: number): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]{1,16}$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^[0-9]{1,20}$/.test(text)) n = Number(text);
  else return null;
  return Number.isSafeInteger(n) && n <= max ? n : null;
}

function uintFlag(flag: string, text: string, max: number): Result<number> {
  const n = parseUint(text, max);
  if (n !== null) return { ok: true, value: n };
  return /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)
    ? tooLarge(`--${flag}: ${text} is larger than ${max}`)
    : badValue(`--${flag}: ${JSON.stringify(text)} is not an unsigned integer`);
}

function uint64Flag(flag: string, text: string): Result<bigint> {
  if (!/^([0-9]{1,20}|0[xX][0-9a-fA-F]{1,16})$/.test(text)) {
    return badValue(`--${flag}: ${JSON.stringify(text)} is not an unsigned 64-bit integer`);
  }
  const n = BigInt(text);
  return n > UINT64_MAX
    ? tooLarge(`--${flag}: ${text} is larger than ${UINT64_MAX}`)
    : { ok: true, value: n };
}

interface Parsed {
  readonly family: 4 | 6 | "unix";
  readonly endpoint: Endpoint;
}

function inetEndpoint(flag: string, text: string): Result<Parsed> {
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      return fail(
        "ENCODE_BAD_ADDRESS",
        `--${flag}: expected [IPV6]:PORT, got ${JSON.stringify(text)}`,
        0,
      );
    }
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) {
      return fail(
        "ENCODE_BAD_ADDRESS",
        `--${flag}: ${JSON.stringify(text)} has no port (expected ADDR:PORT)`,
        0,
      );
    }
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(":")) {
      return fail(
        "ENCODE_BAD_ADDRESS",
        `--${flag}: write IPv6 in brackets, e.g. [2001:db8::1]:443`,
        0,
      );
    }
  }
  const address = canonicalAddress(host);
  if (address === null) {
    return fail(
      "ENCODE_BAD_ADDRESS",
      `--${flag}: ${JSON.stringify(host)} is not an IPv4 or IPv6 address`,
      0,
    );
  }
  if (text.startsWith("[") && address.family === 4) {
    return fail("ENCODE_BAD_ADDRESS", `--${flag}: brackets are for IPv6, write ${host}:${port}`, 0);
  }
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > PORT_MAX) {
    return fail(
      "ENCODE_BAD_PORT",
      `--${flag}: port ${JSON.stringify(port)} is not in [0..65535]`,
      0,
    );
  }
  return {
    ok: true,
    value: { family: address.family, endpoint: { address: address.address, port: Number(port) } },
  };
}

function isUnixProtocol(p: Protocol | undefined): boolean {
  return p === "UNIX_STREAM" || p === "UNIX_DGRAM";
}

function looksLikePath(text: string): boolean {
  return text.startsWith("/") || text.startsWith("@") || text.startsWith(".");
}

function endpointFor(flag: string, text: string, protocol: Protocol | undefined): Result<Parsed> {
  if (isUnixProtocol(protocol) || (protocol === undefined && looksLikePath(text))) {
    if (text === "" || text === "@") {
      return fail("ENCODE_BAD_ADDRESS", `--${flag}: a UNIX socket path cannot be empty`, 0);
    }
    return { ok: true, value: { family: "unix", endpoint: { path: text } } };
  }
  return inetEndpoint(flag, text);
}

function familyOf(protocol: Protocol): 4 | 6 | "unix" | null {
  switch (protocol) {
    case "TCP4":
    case "UDP4":
      return 4;
    case "TCP6":
    case "UDP6":
      return 6;
    case "UNIX_STREAM":
    case "UNIX_DGRAM":
      return "unix";
    default:
      return null;
  }
}

function describeFamily(family: 4 | 6 | "unix"): string {
  return family === "unix" ? "a UNIX path" : `IPv${family}`;
}

const SSL_FLAGS = [
  "ssl-version",
  "ssl-cn",
  "ssl-cipher",
  "ssl-sig-alg",
  "ssl-key-alg",
  "ssl-group",
  "ssl-sig-scheme",
  "ssl-client-cert",
  "ssl-verify",
  "ssl-client",
] as const;

/** The TLV flags present in `values`, in declaration order (`--crc32c` included). */
function tlvFlagsGiven(values: HeaderFlagValues): string[] {
  const given: string[] = [];
  for (const name of Object.keys(TLV_FLAGS) as (keyof typeof TLV_FLAGS)[]) {
    const v = values[name];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) given.push(name);
  }
  return given;
}

function buildSsl(values: HeaderFlagValues): Result<Tlv | null> {
  if (!SSL_FLAGS.some((name) => values[name] !== undefined)) return { ok: true, value: null };
  const init: {
    -readonly [K in keyof SslInit]: SslInit[K];
  } = { client: SslClient.SSL, verify: 0 };
  if (values["ssl-client"] !== undefined) {
    const n = uintFlag("ssl-client", values["ssl-client"], UINT8_MAX);
    if (!n.ok) return n;
    init.client = n.value;
  }
  if (values["ssl-verify"] !== undefined) {
    const n = uintFlag("ssl-verify", values["ssl-verify"], UINT32_MAX);
    if (!n.ok) return n;
    init.verify = n.value;
  }
  if (values["ssl-version"] !== undefined) init.version = values["ssl-version"];
  if (values["ssl-cn"] !== undefined) init.cn = values["ssl-cn"];
  if (values["ssl-cipher"] !== undefined) init.cipher = values["ssl-cipher"];
  if (values["ssl-sig-alg"] !== undefined) init.sigAlg = values["ssl-sig-alg"];
  if (values["ssl-key-alg"] !== undefined) init.keyAlg = values["ssl-key-alg"];
  if (values["ssl-group"] !== undefined) init.group = values["ssl-group"];
  if (values["ssl-sig-scheme"] !== undefined) init.sigScheme = values["ssl-sig-scheme"];
  const certPath = values["ssl-client-cert"];
  if (certPath !== undefined) {
    const file = readFile(certPath);
    if (!file.ok) {
      return badValue(`--ssl-client-cert: cannot read ${JSON.stringify(certPath)}: ${file.reason}`);
    }
    init.clientCert = file.bytes;
  }
  return { ok: true, value: sslTlv(init) };
}

function rawFromFlag(text: string): Result<Tlv> {
  const eq = text.indexOf("=");
  if (eq < 0) return badValue(`--tlv: expected TYPE=VALUE, got ${JSON.stringify(text)}`);
  const type = uintFlag("tlv", text.slice(0, eq), UINT8_MAX);
  if (!type.ok) {
    return badValue(
      `--tlv: TYPE ${JSON.stringify(text.slice(0, eq))} is not in 0..255 or 0x00..0xff`,
    );
  }
  const valueText = text.slice(eq + 1);
  let value: Uint8Array;
  if (valueText.startsWith("0x") || valueText.startsWith("0X")) {
    const hex = parseHex(valueText.slice(2));
    if (!hex.ok) return badValue(`--tlv: VALUE: ${hex.message}`);
    value = hex.bytes;
  } else {
    value = utf8.encode(valueText);
  }
  if (value.length > TLV_VALUE_MAX) {
    return tooLarge(`--tlv: VALUE is ${value.length} bytes, the limit is ${TLV_VALUE_MAX}`);
  }
  return { ok: true, value: rawTlv(type.value, value) };
}

/**
 * Builds the TLV list in type order (ALPN, AUTHORITY, NOOP, UNIQUE_ID, SSL, NETNS, GCP, AWS,
 * AZURE), then each --tlv as given. The encoder appends the CRC32C TLV last.
 */
function buildTlvs(values: HeaderFlagValues): Result<Tlv[]> {
  const tlvs: Tlv[] = [];
  if (values.alpn !== undefined) tlvs.push(alpnTlv(values.alpn));
  if (values.authority !== undefined) tlvs.push(authorityTlv(values.authority));
  if (values.noop !== undefined) {
    const n = uintFlag("noop", values.noop, TLV_VALUE_MAX);
    if (!n.ok) return n;
    tlvs.push(noopTlv(n.value));
  }
  if (values["unique-id"] !== undefined) {
    const length = utf8.encode(values["unique-id"]).length;
    if (length > UNIQUE_ID_MAX_LENGTH) {
      // §2.2.5: "an opaque byte sequence of up to 128 bytes".
      return tooLarge(
        `--unique-id: ${length} bytes, the limit is ${UNIQUE_ID_MAX_LENGTH} (§2.2.5)`,
      );
    }
    tlvs.push(uniqueIdTlv(values["unique-id"]));
  }
  const ssl = buildSsl(values);
  if (!ssl.ok) return ssl;
  if (ssl.value !== null) tlvs.push(ssl.value);
  if (values.netns !== undefined) tlvs.push(netnsTlv(values.netns));
  if (values["gcp-psc"] !== undefined) {
    const n = uint64Flag("gcp-psc", values["gcp-psc"]);
    if (!n.ok) return n;
    tlvs.push(gcpPscTlv(n.value));
  }
  if (values["aws-vpce"] !== undefined) tlvs.push(awsVpceTlv(values["aws-vpce"]));
  if (values["azure-linkid"] !== undefined) {
    const n = uintFlag("azure-linkid", values["azure-linkid"], UINT32_MAX);
    if (!n.ok) return n;
    tlvs.push(azureLinkIdTlv(n.value));
  }
  for (const text of values.tlv ?? []) {
    const t = rawFromFlag(text);
    if (!t.ok) return t;
    tlvs.push(t.value);
  }
  return { ok: true, value: tlvs };
}

function parseProtocol(text: string): Protocol | null {
  const upper = text.toUpperCase().replace(/-/g, "_");
  return (PROTOCOLS as readonly string[]).includes(upper) ? upper as Protocol : null;
}

/**
 * The header flags present on the command line (booleans set, strings and lists given), so a
 * command can refuse them where they make no sense (raw header bytes, no header at all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headerFlagsGiven } from "./header_flags.ts";
 * assert.deepEqual(headerFlagsGiven({ v1: true, src: "192.0.2.1:1", alpn: [], crc32c: false }), [
 *   "v1",
 *   "src",
 * ]);
 * ```
 */
export function headerFlagsGiven(values: Record<string, unknown>): string[] {
  const given: string[] = [];
  for (const name of Object.keys(HEADER_FLAGS)) {
    const v = values[name];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) given.push(name);
  }
  return given;
}

/**
 * Turns header flag values into a {@linkcode HeaderInit}, or explains in one line
 * (prefixed with the flag at fault) why the flags do not describe a header. The
 * error codes are the encoder's: ENCODE_BAD_ADDRESS, ENCODE_BAD_PORT, ENCODE_TOO_LARGE,
 * and ENCODE_UNSUPPORTED for everything else. Reads the `--ssl-client-cert` file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headerFromFlags } from "./header_flags.ts";
 * const r = headerFromFlags({ src: "[2001:db8::1]:56324", dst: "[2001:db8::2]:443", alpn: "h2" });
 * assert.ok(r.ok);
 * assert.equal(r.value.version, 2);
 * assert.equal(r.value.protocol, "TCP6");
 * assert.deepEqual(r.value.source, { address: "2001:db8::1", port: 56324 });
 * assert.deepEqual(r.value.tlvs, [{ type: 1, value: new TextEncoder().encode("h2") }]);
 * const v1 = headerFromFlags({ v1: true, src: "192.0.2.1:1", dst: "192.0.2.2:2", alpn: "h2" });
 * assert.ok(!v1.ok && v1.error.message.includes("--alpn"));
 * ```
 */
export function headerFromFlags(values: HeaderFlagValues): Result<HeaderInit> {
  if (values.v1 && values.v2) return badValue("--v1 and --v2 exclude each other");
  const version = values.v1 ? 1 : 2;
  const command = values.local ? "LOCAL" : "PROXY";

  if (version === 1) {
    if (values.local) {
      return badValue("--local: version 1 has no LOCAL command (§2.1); use --unknown, or --v2");
    }
    const given = tlvFlagsGiven(values);
    if (given.length > 0) {
      return badValue(`--${given[0]}: version 1 cannot carry TLVs (§2.1); use --v2`);
    }
  }

  let protocol: Protocol | undefined;
  if (values.protocol !== undefined) {
    const p = parseProtocol(values.protocol);
    if (p === null) {
      return badValue(
        `--protocol: unknown protocol ${JSON.stringify(values.protocol)} ` +
          "(expected TCP4, TCP6, UDP4, UDP6, UNIX_STREAM, UNIX_DGRAM or UNSPEC)",
      );
    }
    protocol = p;
  }
  const unspec = version === 1 ? "UNKNOWN" : "UNSPEC";
  if (protocol === "UNSPEC" || protocol === "UNKNOWN") protocol = unspec;
  if (values.unknown) {
    if (protocol !== undefined && protocol !== unspec) {
      return badValue(`--unknown conflicts with --protocol ${protocol}`);
    }
    protocol = unspec;
  }
  if (
    version === 1 && protocol !== undefined && protocol !== "TCP4" && protocol !== "TCP6" &&
    protocol !== "UNKNOWN"
  ) {
    return badValue(
      `--protocol: version 1 carries only TCP4, TCP6 and UNKNOWN (§2.1), not ${protocol}; ` +
        "use --v2",
    );
  }

  if (values.src === undefined || values.dst === undefined) {
    if (values.src !== undefined) return fail("ENCODE_BAD_ADDRESS", "--src needs --dst", 0);
    if (values.dst !== undefined) return fail("ENCODE_BAD_ADDRESS", "--dst needs --src", 0);
    if (protocol === undefined) {
      if (!values.local) {
        return fail(
          "ENCODE_BAD_ADDRESS",
          "a PROXY header needs --src and --dst (or --local / --unknown for none)",
          0,
        );
      }
      protocol = "UNSPEC";
    } else if (protocol !== unspec) {
      return fail("ENCODE_BAD_ADDRESS", `--protocol ${protocol} needs --src and --dst`, 0);
    }
  }

  let source: Endpoint | null = null;
  let destination: Endpoint | null = null;
  if (values.src !== undefined && values.dst !== undefined) {
    if (protocol === "UNSPEC") {
      return badValue("--src/--dst: version 2 UNSPEC carries no addresses (§2.2)");
    }
    const src = endpointFor("src", values.src, protocol);
    if (!src.ok) return src;
    if (version === 1 && src.value.family === "unix") {
      return badValue(
        "--src: version 1 carries only TCP4, TCP6 and UNKNOWN (§2.1), not UNIX; use --v2",
      );
    }
    const expected = protocol === undefined || protocol === "UNKNOWN" ? null : familyOf(protocol);
    if (expected !== null && src.value.family !== expected) {
      return fail("ENCODE_BAD_ADDRESS", `--src: ${protocol} needs ${describeFamily(expected)}`, 0);
    }
    const dst = endpointFor(
      "dst",
      values.dst,
      src.value.family === "unix" ? "UNIX_STREAM" : protocol,
    );
    if (!dst.ok) return dst;
    if (dst.value.family !== src.value.family) {
      return fail(
        "ENCODE_BAD_ADDRESS",
        `--dst: ${describeFamily(dst.value.family)} does not match --src, ${
          describeFamily(src.value.family)
        }`,
        0,
      );
    }
    if (protocol === undefined) {
      protocol = src.value.family === 4 ? "TCP4" : src.value.family === 6 ? "TCP6" : "UNIX_STREAM";
    }
    source = src.value.endpoint;
    destination = dst.value.endpoint;
  }
  if (protocol === undefined) return badValue("cannot tell the protocol; give --protocol");

  let tlvs: Result<Tlv[]>;
  try {
    tlvs = buildTlvs(values);
  } catch (error) {
    // The builders throw RangeError for values no TLV length field can carry.
    if (!(error instanceof RangeError)) throw error;
    return tooLarge(error.message);
  }
  if (!tlvs.ok) return tlvs;
  return {
    ok: true,
    value: {
      version,
      command,
      protocol,
      source,
      destination,
      tlvs: tlvs.value,
      crc32c: values.crc32c ?? false,
    },
  };
}
