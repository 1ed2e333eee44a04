/**
 * The flags that describe a PROXY protocol header, declared once for every subcommand that
 * builds one (`encode`, `send`, `bench`), and {@linkcode parseHeaderFlags} turning their values
 * into a {@linkcode HeaderTemplate} at parse time: everything checked, files read, endpoints as
 * values. cli/header_template.ts completes a template into a header.
 *
 * @module
 */

import { canonicalAddress } from "../lib/address.ts";
import type { Protocol, Tlv } from "../lib/header.ts";
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
import { flag, flagHelp, type FlagValues, optionsOf } from "./args.ts";
import {
  describeFamily,
  type Family,
  type FamilyEndpoint,
  type HeaderTemplate,
  protocolFamily,
} from "./header_template.ts";
import { parseHex } from "./hex.ts";
import { readFile } from "./io.ts";
import { bad, ok, type Parsed } from "./parsed.ts";
import { parseInteger, parseUint64, portNumber } from "./values.ts";

/** Flags for the version, command, protocol and addresses. */
export const ADDRESS_FLAGS = {
  v1: flag.boolean("version 1, the text header (§2.1)"),
  v2: flag.boolean("version 2, the binary header (§2.2); the default"),
  local: flag.boolean("LOCAL command (v2 only): no addresses unless --src/--dst"),
  unknown: flag.boolean("v1 UNKNOWN / v2 UNSPEC: the proxy has no addresses to give"),
  protocol: flag.string(
    "PROTO",
    "TCP4 TCP6 UDP4 UDP6 UNIX_STREAM UNIX_DGRAM UNSPEC (default: TCP)",
  ),
  src: flag.string("ADDR:PORT", "source: 192.0.2.1:56324, [2001:db8::1]:56324, or a UNIX path"),
  dst: flag.string("ADDR:PORT", "destination, same form and family as --src"),
} as const;

/** Flags that add TLVs (version 2 only). */
export const TLV_FLAGS = {
  alpn: flag.string("S", "PP2_TYPE_ALPN (§2.2.1), e.g. h2"),
  authority: flag.string("HOST", "PP2_TYPE_AUTHORITY (§2.2.2), the SNI"),
  "unique-id": flag.string("ID", "PP2_TYPE_UNIQUE_ID (§2.2.5), ≤ 128 bytes"),
  netns: flag.string("NAME", "PP2_TYPE_NETNS (§2.2.7)"),
  noop: flag.string("N", "PP2_TYPE_NOOP (§2.2.4) with N zero bytes"),
  "ssl-version": flag.string("S", "SSL (§2.2.6) PP2_SUBTYPE_SSL_VERSION, e.g. TLSv1.3"),
  "ssl-cn": flag.string("S", "SSL PP2_SUBTYPE_SSL_CN, client certificate CN"),
  "ssl-cipher": flag.string("S", "SSL PP2_SUBTYPE_SSL_CIPHER"),
  "ssl-sig-alg": flag.string("S", "SSL PP2_SUBTYPE_SSL_SIG_ALG"),
  "ssl-key-alg": flag.string("S", "SSL PP2_SUBTYPE_SSL_KEY_ALG"),
  "ssl-group": flag.string("S", "SSL PP2_SUBTYPE_SSL_GROUP"),
  "ssl-sig-scheme": flag.string("S", "SSL PP2_SUBTYPE_SSL_SIG_SCHEME"),
  "ssl-client-cert": flag.string("FILE", "SSL PP2_SUBTYPE_SSL_CLIENT_CERT (DER)"),
  "ssl-verify": flag.string("N", "SSL verify field, uint32 (default 0: verified)"),
  "ssl-client": flag.string("N", "SSL client bits: 1 SSL, 2 CERT_CONN, 4 CERT_SESS (default 1)"),
  "aws-vpce": flag.string("ID", "AWS (0xEA) VPC endpoint ID, e.g. vpce-0abc"),
  "azure-linkid": flag.string("N", "Azure (0xEE) private link ID, uint32"),
  "gcp-psc": flag.string("N", "GCP (0xE0) PSC connection ID, uint64 decimal"),
  tlv: flag.string("TYPE=VALUE", "any TLV; TYPE 0-255 or 0xNN, VALUE text or 0x-prefixed hex", {
    multiple: true,
  }),
  crc32c: flag.boolean("append a PP2_TYPE_CRC32C checksum (§2.2.3)"),
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
const utf8 = new TextEncoder();

function inetEndpoint(flag: string, text: string): Parsed<FamilyEndpoint> {
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      return bad(`--${flag}: expected [IPV6]:PORT, got ${JSON.stringify(text)}`);
    }
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) {
      return bad(`--${flag}: ${JSON.stringify(text)} has no port (expected ADDR:PORT)`);
    }
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(":")) return bad(`--${flag}: write IPv6 in brackets, e.g. [2001:db8::1]:443`);
  }
  const address = canonicalAddress(host);
  if (address === null) {
    return bad(`--${flag}: ${JSON.stringify(host)} is not an IPv4 or IPv6 address`);
  }
  if (text.startsWith("[") && address.family === 4) {
    return bad(`--${flag}: brackets are for IPv6, write ${host}:${port}`);
  }
  const n = portNumber(port);
  if (n === null) return bad(`--${flag}: port ${JSON.stringify(port)} is not in 0..65535`);
  return ok({ family: address.family, endpoint: { address: address.address, port: n } });
}

function looksLikePath(text: string): boolean {
  return text.startsWith("/") || text.startsWith("@") || text.startsWith(".");
}

/** `--src`/`--dst`: a UNIX path for a UNIX protocol (or a path-like value), else ADDR:PORT. */
function endpointFlag(flag: string, text: string, family: Family | null): Parsed<FamilyEndpoint> {
  if (family === "unix" || (family === null && looksLikePath(text))) {
    if (text === "" || text === "@") return bad(`--${flag}: a UNIX socket path cannot be empty`);
    return ok({ family: "unix", endpoint: { path: text } });
  }
  return inetEndpoint(flag, text);
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

/** The header flags this module reads, as parseArgs yields them (all optional). */
export type HeaderFlagInput = { readonly [K in keyof HeaderFlagValues]?: HeaderFlagValues[K] };

function given(v: unknown): boolean {
  return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
}

/** The TLV flags present in `values`, in declaration order (`--crc32c` included). */
function tlvFlagsGiven(values: HeaderFlagInput): string[] {
  return (Object.keys(TLV_FLAGS) as (keyof typeof TLV_FLAGS)[]).filter((n) => given(values[n]));
}

function buildSsl(values: HeaderFlagInput): Parsed<Tlv | null> {
  if (!SSL_FLAGS.some((name) => values[name] !== undefined)) return ok(null);
  const init: {
    -readonly [K in keyof SslInit]: SslInit[K];
  } = { client: SslClient.SSL, verify: 0 };
  if (values["ssl-client"] !== undefined) {
    const n = parseInteger("ssl-client", values["ssl-client"], { max: UINT8_MAX });
    if (!n.ok) return n;
    init.client = n.value;
  }
  if (values["ssl-verify"] !== undefined) {
    const n = parseInteger("ssl-verify", values["ssl-verify"], { max: UINT32_MAX });
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
      return bad(`--ssl-client-cert: cannot read ${JSON.stringify(certPath)}: ${file.reason}`);
    }
    init.clientCert = file.bytes;
  }
  return ok(sslTlv(init));
}

function rawFromFlag(text: string): Parsed<Tlv> {
  const eq = text.indexOf("=");
  if (eq < 0) return bad(`--tlv: expected TYPE=VALUE, got ${JSON.stringify(text)}`);
  const type = parseInteger("tlv", text.slice(0, eq), { max: UINT8_MAX });
  if (!type.ok) {
    return bad(`--tlv: TYPE ${JSON.stringify(text.slice(0, eq))} is not in 0..255 or 0x00..0xff`);
  }
  const valueText = text.slice(eq + 1);
  let value: Uint8Array;
  if (valueText.startsWith("0x") || valueText.startsWith("0X")) {
    const hex = parseHex(valueText.slice(2));
    if (!hex.ok) return bad(`--tlv: VALUE: ${hex.message}`);
    value = hex.bytes;
  } else {
    value = utf8.encode(valueText);
  }
  if (value.length > TLV_VALUE_MAX) {
    return bad(`--tlv: VALUE is ${value.length} bytes, the limit is ${TLV_VALUE_MAX}`);
  }
  return ok(rawTlv(type.value, value));
}

/**
 * Builds the TLV list in type order (ALPN, AUTHORITY, NOOP, UNIQUE_ID, SSL, NETNS, GCP, AWS,
 * AZURE), then each --tlv as given. The encoder appends the CRC32C TLV last.
 */
function buildTlvs(values: HeaderFlagInput): Parsed<Tlv[]> {
  const tlvs: Tlv[] = [];
  if (values.alpn !== undefined) tlvs.push(alpnTlv(values.alpn));
  if (values.authority !== undefined) tlvs.push(authorityTlv(values.authority));
  if (values.noop !== undefined) {
    const n = parseInteger("noop", values.noop, { max: TLV_VALUE_MAX });
    if (!n.ok) return n;
    tlvs.push(noopTlv(n.value));
  }
  if (values["unique-id"] !== undefined) {
    const length = utf8.encode(values["unique-id"]).length;
    if (length > UNIQUE_ID_MAX_LENGTH) {
      // §2.2.5: "an opaque byte sequence of up to 128 bytes".
      return bad(`--unique-id: ${length} bytes, the limit is ${UNIQUE_ID_MAX_LENGTH} (§2.2.5)`);
    }
    tlvs.push(uniqueIdTlv(values["unique-id"]));
  }
  const ssl = buildSsl(values);
  if (!ssl.ok) return ssl;
  if (ssl.value !== null) tlvs.push(ssl.value);
  if (values.netns !== undefined) tlvs.push(netnsTlv(values.netns));
  if (values["gcp-psc"] !== undefined) {
    const n = parseUint64("gcp-psc", values["gcp-psc"]);
    if (!n.ok) return n;
    tlvs.push(gcpPscTlv(n.value));
  }
  if (values["aws-vpce"] !== undefined) tlvs.push(awsVpceTlv(values["aws-vpce"]));
  if (values["azure-linkid"] !== undefined) {
    const n = parseInteger("azure-linkid", values["azure-linkid"], { max: UINT32_MAX });
    if (!n.ok) return n;
    tlvs.push(azureLinkIdTlv(n.value));
  }
  for (const text of values.tlv ?? []) {
    const t = rawFromFlag(text);
    if (!t.ok) return t;
    tlvs.push(t.value);
  }
  return ok(tlvs);
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
  return Object.keys(HEADER_FLAGS).filter((name) => given(values[name]));
}

/**
 * Parses the header flags once, at parse time, into a {@linkcode HeaderTemplate}: version,
 * command, protocol, the `--src`/`--dst` endpoints given (as values), and the TLVs built (the
 * `--ssl-client-cert` file read here, once). Errors are one line naming the flag at fault.
 * `--src`/`--dst` left out are filled in later by {@linkcode completeHeader}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeaderFlags } from "./header_flags.ts";
 * import { completeHeader } from "./header_template.ts";
 * const t = parseHeaderFlags({ src: "[2001:db8::1]:56324", dst: "[2001:db8::2]:443", alpn: "h2" });
 * assert.ok(t.ok);
 * const h = completeHeader(t.value);
 * assert.ok(h.ok);
 * assert.equal(h.value.protocol, "TCP6");
 * assert.deepEqual(h.value.source, { address: "2001:db8::1", port: 56324 });
 * assert.deepEqual(h.value.tlvs, [{ type: 1, value: new TextEncoder().encode("h2") }]);
 * assert.deepEqual(parseHeaderFlags({ v1: true, alpn: "h2" }), {
 *   ok: false,
 *   message: "--alpn: version 1 cannot carry TLVs (§2.1); use --v2",
 * });
 * ```
 */
export function parseHeaderFlags(values: HeaderFlagInput): Parsed<HeaderTemplate> {
  if (values.v1 && values.v2) return bad("--v1 and --v2 exclude each other");
  const version = values.v1 ? 1 : 2;
  const command = values.local ? "LOCAL" : "PROXY";

  if (version === 1) {
    if (values.local) {
      return bad("--local: version 1 has no LOCAL command (§2.1); use --unknown, or --v2");
    }
    const tlvGiven = tlvFlagsGiven(values);
    if (tlvGiven.length > 0) {
      return bad(`--${tlvGiven[0]}: version 1 cannot carry TLVs (§2.1); use --v2`);
    }
  }

  let protocol: Protocol | null = null;
  if (values.protocol !== undefined) {
    protocol = parseProtocol(values.protocol);
    if (protocol === null) {
      return bad(
        `--protocol: unknown protocol ${JSON.stringify(values.protocol)} ` +
          "(expected TCP4, TCP6, UDP4, UDP6, UNIX_STREAM, UNIX_DGRAM or UNSPEC)",
      );
    }
  }
  const unspec = version === 1 ? "UNKNOWN" : "UNSPEC";
  if (protocol === "UNSPEC" || protocol === "UNKNOWN") protocol = unspec;
  if (values.unknown) {
    if (protocol !== null && protocol !== unspec) {
      return bad(`--unknown conflicts with --protocol ${protocol}`);
    }
    protocol = unspec;
  }
  if (
    version === 1 && protocol !== null && protocol !== "TCP4" && protocol !== "TCP6" &&
    protocol !== "UNKNOWN"
  ) {
    return bad(
      `--protocol: version 1 carries only TCP4, TCP6 and UNKNOWN (§2.1), not ${protocol}; ` +
        "use --v2",
    );
  }

  const family = protocol === null ? null : protocolFamily(protocol);
  let source: FamilyEndpoint | null = null;
  let destination: FamilyEndpoint | null = null;
  if (values.src !== undefined) {
    const src = endpointFlag("src", values.src, family);
    if (!src.ok) return src;
    source = src.value;
  }
  if (values.dst !== undefined) {
    const dst = endpointFlag(
      "dst",
      values.dst,
      family ?? (source?.family === "unix" ? "unix" : null),
    );
    if (!dst.ok) return dst;
    destination = dst.value;
  }
  if (protocol === "UNSPEC" && (source !== null || destination !== null)) {
    return bad("--src/--dst: version 2 UNSPEC carries no addresses (§2.2)");
  }
  for (const [flag, e] of [["src", source], ["dst", destination]] as const) {
    if (e === null) continue;
    if (version === 1 && e.family === "unix") {
      return bad(
        `--${flag}: version 1 carries only TCP4, TCP6 and UNKNOWN (§2.1), not UNIX; use --v2`,
      );
    }
    if (family !== null && e.family !== family) {
      return bad(`--${flag}: ${protocol} needs ${describeFamily(family)}`);
    }
  }
  if (source !== null && destination !== null && source.family !== destination.family) {
    return bad(
      `--dst: ${describeFamily(destination.family)} does not match --src, ${
        describeFamily(source.family)
      }`,
    );
  }
  // LOCAL and UNKNOWN carry addresses only when both are given; nothing is filled in.
  let addresses = protocol !== "UNSPEC";
  if (values.local || protocol === "UNKNOWN") {
    if (source !== null && destination === null) return bad("--src needs --dst");
    if (destination !== null && source === null) return bad("--dst needs --src");
    addresses = source !== null;
    if (!addresses && protocol !== null && protocol !== unspec) {
      return bad(`--protocol ${protocol} needs --src and --dst`);
    }
  }

  let tlvs: Parsed<Tlv[]>;
  try {
    tlvs = buildTlvs(values);
  } catch (error) {
    // The builders throw RangeError for values no TLV length field can carry.
    if (!(error instanceof RangeError)) throw error;
    return bad(error.message);
  }
  if (!tlvs.ok) return tlvs;
  return ok({
    version,
    command,
    protocol,
    addresses,
    source,
    destination,
    tlvs: tlvs.value,
    crc32c: values.crc32c ?? false,
  });
}
