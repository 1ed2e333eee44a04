/**
 * Fuzz cases for version 1 (§2.1): valid lines a receiver must accept, and
 * lines it must reject, one rule each.
 *
 * @module
 */

import { build, DST4, FFFF6, latin1, R, SRC4, tcp4, tcp6, v1Bad, v1Good } from "./_build.ts";
import type { FuzzCase } from "./case.ts";

// ---------------------------------------------------------------------------
// §2.1: version 1.

export function v1Cases(): FuzzCase[] {
  const line = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n";
  const with4 = (src: string, dst: string, sport: string, dport: string, protocol = "TCP4") =>
    `PROXY ${protocol} ${src} ${dst} ${sport} ${dport}\r\n`;
  const v6 = (src: string, dst: string) => with4(src, dst, "56324", "443", "TCP6");
  const lz = R.v1LeadingZero;
  const max4 = { address: "255.255.255.255", port: 65535 };
  const max6 = { address: FFFF6, port: 65535 };
  const out: FuzzCase[] = [
    // Valid lines.
    v1Good("v1-tcp4", tcp4(1), "The spec's TCP4 line shape: must be accepted.", R.v1Implement),
    v1Good("v1-tcp6", tcp6(1), "A TCP6 line with compressed addresses.", R.v1Implement),
    v1Good(
      "v1-tcp4-max-length",
      tcp4(1, { source: max4, destination: max4 }),
      "The longest TCP4 line (56 bytes), which the receiver must support.",
      R.v1MaxLength,
    ),
    v1Good(
      "v1-tcp6-max-length",
      tcp6(1, { source: max6, destination: max6 }),
      "The longest TCP6 line (104 bytes), which the receiver must support.",
      R.v1MaxLength,
    ),
    v1Good(
      "v1-tcp4-zero-addresses-and-ports",
      latin1(with4("0.0.0.0", "0.0.0.0", "0", "0")),
      "All-zero addresses and port 0: single zeros are not heading zeroes.",
      R.v1LeadingZero,
    ),
    v1Good(
      "v1-tcp6-full-form",
      latin1(
        v6("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:0db8:0000:0000:0000:0000:0000:0002"),
      ),
      "IPv6 written as eight sets of 4 hexadecimal digits, the spec's own form.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-uppercase-hex",
      latin1(v6("2001:DB8::A", "2001:DB8::B")),
      "Upper-case hexadecimal digits are allowed.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-all-zero",
      latin1(v6("::", "::")),
      "The unspecified address '::': one double colon for all 128 bits.",
      R.v1Ipv6,
    ),
    v1Good(
      "v1-tcp6-ipv4-mapped",
      latin1(v6("::ffff:192.0.2.1", "::ffff:198.51.100.7")),
      "IPv4-mapped IPv6 in dotted form (RFC 4291 §2.2 form 3), which the spec does not mention: " +
        "accepting passes, rejecting is a note.",
      R.v1Ipv6,
      "MAY",
      "either",
    ),
    v1Good(
      "v1-unknown-short",
      latin1("PROXY UNKNOWN\r\n"),
      "The short UNKNOWN form (15 bytes).",
      R.v1Unknown,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-with-fields",
      build({ version: 1, protocol: "UNKNOWN", source: SRC4, destination: DST4 }),
      "UNKNOWN followed by addresses and ports, which the receiver ignores.",
      R.v1Unknown,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-garbage-fields",
      latin1("PROXY UNKNOWN not-an-address 1.2.3.999 99999 -1\r\n"),
      "UNKNOWN followed by invalid fields: anything before the CRLF is ignored.",
      R.v1UnknownIgnore,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-worst-case-107",
      latin1(`PROXY UNKNOWN ${FFFF6} ${FFFF6} 65535 65535\r\n`),
      "The spec's worst case: a 107-byte UNKNOWN line, the longest a receiver must support.",
      R.v1MaxLength,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-nul-bytes",
      latin1("PROXY UNKNOWN \x00\x00\x00\x00\r\n"),
      "NUL bytes in the ignored part of an UNKNOWN line (C-string parsers stop there).",
      R.v1UnknownIgnore,
      "SHOULD",
    ),
    v1Good(
      "v1-unknown-trailing-space",
      latin1("PROXY UNKNOWN \r\n"),
      "UNKNOWN with a trailing space: the ignored rest of the line is a lone space.",
      R.v1UnknownIgnore,
      "SHOULD",
    ),

    // Spaces.
    v1Bad(
      "v1-no-space-after-proxy",
      "PROXYTCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "No space between PROXY and the protocol.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-after-proxy",
      "PROXY  TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "Two spaces after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-between-addresses",
      "PROXY TCP4 192.0.2.1  198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "Two spaces between the addresses.",
      R.v1Space,
    ),
    v1Bad(
      "v1-double-space-between-ports",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324  443\r\n",
      "V1_BAD_SPACE",
      "Two spaces between the ports.",
      R.v1Space,
    ),
    v1Bad(
      "v1-tab-after-proxy",
      "PROXY\tTCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "A tab instead of the space after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-tab-between-addresses",
      "PROXY TCP4 192.0.2.1\t198.51.100.7 56324 443\r\n",
      "V1_BAD_ADDRESS",
      "A tab instead of a space: the source field runs into the destination.",
      R.v1Space,
    ),
    v1Bad(
      "v1-trailing-space",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443 \r\n",
      "V1_BAD_SPACE",
      "A space between the destination port and the CRLF.",
      R.v1Space,
    ),
    v1Bad(
      "v1-leading-space",
      " PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "A space before PROXY.",
    ),
    v1Bad(
      "v1-space-then-crlf",
      "PROXY \r\n",
      "V1_BAD_SPACE",
      "PROXY, a space, then the end of the line.",
      R.v1Space,
    ),

    // Case and protocol names.
    v1Bad(
      "v1-lowercase-proxy",
      "proxy TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "'proxy' in lower case.",
    ),
    v1Bad(
      "v1-lowercase-tcp4",
      "PROXY tcp4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "'tcp4' in lower case.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-mixed-case-unknown",
      "PROXY Unknown\r\n",
      "V1_BAD_PROTOCOL",
      "'Unknown' in mixed case.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-udp4",
      "PROXY UDP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "UDP4, which version 1 does not have.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-tcp46",
      "PROXY TCP46 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_PROTOCOL",
      "A protocol name with TCP4 as a prefix.",
      R.v1Protocol,
    ),
    v1Bad(
      "v1-protocol-unknown-glued",
      "PROXY UNKNOWNX\r\n",
      "V1_BAD_PROTOCOL",
      "UNKNOWN with a byte glued to it: not the UNKNOWN keyword.",
      R.v1Protocol,
    ),

    // Heading zeroes.
    v1Bad(
      "v1-ipv4-leading-zero-source",
      with4("192.0.2.01", "198.51.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "A heading zero in the source address's last octet.",
      lz,
    ),
    v1Bad(
      "v1-ipv4-leading-zero-destination",
      with4("192.0.2.1", "198.051.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "A heading zero in a destination octet (octal 051 would be 41).",
      lz,
    ),
    v1Bad(
      "v1-ipv4-leading-zero-first-octet",
      with4("010.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_LEADING_ZERO",
      "An octal-looking first octet '010'.",
      lz,
    ),
    v1Bad(
      "v1-port-leading-zero-source",
      with4("192.0.2.1", "198.51.100.7", "080", "443"),
      "V1_LEADING_ZERO",
      "Source port '080' (octal-looking).",
      lz,
    ),
    v1Bad(
      "v1-port-leading-zero-destination",
      with4("192.0.2.1", "198.51.100.7", "56324", "0443"),
      "V1_LEADING_ZERO",
      "Destination port '0443'.",
      lz,
    ),
    v1Bad(
      "v1-port-double-zero",
      with4("192.0.2.1", "198.51.100.7", "00", "443"),
      "V1_LEADING_ZERO",
      "Source port '00': a zero with a heading zero.",
      lz,
    ),
    v1Bad(
      "v1-ipv6-ipv4-tail-leading-zero",
      v6("::ffff:192.0.2.01", "::ffff:198.51.100.7"),
      "V1_LEADING_ZERO",
      "A heading zero in the dotted tail of an IPv6 address.",
      lz,
    ),

    // Ranges.
    v1Bad(
      "v1-ipv4-octet-256",
      with4("192.0.2.256", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source octet of 256, above 255.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-octet-999-destination",
      with4("192.0.2.1", "198.51.100.999", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A destination octet of 999.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-port-65536",
      with4("192.0.2.1", "198.51.100.7", "65536", "443"),
      "V1_BAD_PORT",
      "Source port 65536, one past the range.",
      R.v1Port,
    ),
    v1Bad(
      "v1-dport-99999",
      with4("192.0.2.1", "198.51.100.7", "56324", "99999"),
      "V1_BAD_PORT",
      "Destination port 99999.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-negative",
      with4("192.0.2.1", "198.51.100.7", "-1", "443"),
      "V1_BAD_PORT",
      "Source port -1: a sign is not a decimal digit.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-plus-sign",
      with4("192.0.2.1", "198.51.100.7", "+56324", "443"),
      "V1_BAD_PORT",
      "A plus sign before the source port.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-hex",
      with4("192.0.2.1", "198.51.100.7", "56324", "0x1bb"),
      "V1_BAD_PORT",
      "Destination port in hexadecimal.",
      R.v1Port,
    ),
    v1Bad(
      "v1-port-six-digits",
      with4("192.0.2.1", "198.51.100.7", "100000", "443"),
      "V1_BAD_PORT",
      "A six-digit source port.",
      R.v1Port,
    ),

    // Octet counts and IPv4 shapes.
    v1Bad(
      "v1-ipv4-three-octets",
      with4("192.0.2", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source address with three octets.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-five-octets",
      with4("192.0.2.1.5", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A source address with five octets.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-empty-octet",
      with4("192.0..1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "Two dots in a row: an empty octet.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-trailing-dot",
      with4("192.0.2.1.", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A dot after the last octet.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-single-integer",
      with4("3221225985", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "The address as one 32-bit integer (inet_aton accepts it).",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-with-port",
      with4("192.0.2.1:56324", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "An address with a ':port' suffix.",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-ipv4-hex-octet",
      with4("0xc0.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A hexadecimal octet '0xc0' (inet_aton accepts it).",
      R.v1Ipv4,
    ),

    // IPv6 forms.
    v1Bad(
      "v1-ipv6-two-double-colons",
      v6("2001::db8::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Two '::' sequences: ambiguous, so not 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-triple-colon",
      v6("2001:::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Three colons in a row (':::').",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-five-digit-group",
      v6("2001:00db8::1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "A group of five hex digits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-nine-groups",
      v6("1:2:3:4:5:6:7:8:9", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Nine groups: more than 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-seven-groups",
      v6("1:2:3:4:5:6:7", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "Seven groups without '::': fewer than 128 bits.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-zone-id",
      v6("fe80::1%eth0", "fe80::2"),
      "V1_BAD_ADDRESS",
      "A link-local address with a zone id '%eth0'.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-brackets",
      v6("[2001:db8::1]", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "An address in URL brackets.",
      R.v1Ipv6,
    ),
    v1Bad(
      "v1-ipv6-non-hex-digit",
      v6("2001:db8::g1", "2001:db8::2"),
      "V1_BAD_ADDRESS",
      "A group with the non-hex digit 'g'.",
      R.v1Ipv6,
    ),

    // Family versus address.
    v1Bad(
      "v1-tcp4-with-ipv6-addresses",
      with4("2001:db8::1", "2001:db8::2", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 announcing IPv6 addresses.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp4-with-ipv6-destination",
      with4("192.0.2.1", "2001:db8::2", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 with an IPv6 destination.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp6-with-ipv4-addresses",
      v6("192.0.2.1", "198.51.100.7"),
      "V1_BAD_ADDRESS",
      "TCP6 announcing IPv4 addresses.",
      R.v1Family,
    ),
    v1Bad(
      "v1-tcp4-with-ipv4-mapped",
      with4("::ffff:192.0.2.1", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "TCP4 with an IPv4-mapped IPv6 source.",
      R.v1Family,
    ),

    // Extra and missing tokens.
    v1Bad(
      "v1-extra-field",
      with4("192.0.2.1", "198.51.100.7", "56324", "443 80"),
      "V1_FIELD_COUNT",
      "A fifth field after the destination port.",
    ),
    v1Bad(
      "v1-missing-dport",
      "PROXY TCP4 192.0.2.1 198.51.100.7 56324\r\n",
      "V1_FIELD_COUNT",
      "A TCP4 line without its destination port.",
    ),
    v1Bad(
      "v1-missing-ports",
      "PROXY TCP4 192.0.2.1 198.51.100.7\r\n",
      "V1_FIELD_COUNT",
      "A TCP4 line without either port.",
    ),
    v1Bad("v1-tcp4-no-fields", "PROXY TCP4\r\n", "V1_FIELD_COUNT", "TCP4 without any field."),
    v1Bad("v1-proxy-only", "PROXY\r\n", "V1_FIELD_COUNT", "PROXY alone on the line."),

    // CR and LF.
    v1Bad(
      "v1-lone-lf",
      line.replace("\r\n", "\n"),
      "V1_BAD_CRLF",
      "LF alone ends the line.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr",
      line.replace("\r\n", "\rX"),
      "V1_BAD_CRLF",
      "CR alone ends the line, followed by a payload byte.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-cr-cr-lf",
      line.replace("\r\n", "\r\r\n"),
      "V1_BAD_CRLF",
      "The line ends with CR CR LF: the first CR is alone.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lf-cr",
      line.replace("\r\n", "\n\r"),
      "V1_BAD_CRLF",
      "The line ends with LF CR, reversed.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-lf-inside-line",
      "PROXY TCP4 192.0.2.1\n198.51.100.7 56324 443\r\n",
      "V1_BAD_CRLF",
      "A lone LF in place of a separator.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr-inside-line",
      "PROXY TCP4 192.0.2.1\r198.51.100.7 56324 443\r\n",
      "V1_BAD_CRLF",
      "A lone CR in place of a separator.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-cr-inside-unknown",
      "PROXY UNKNOWN a\rb\r\n",
      "V1_BAD_CRLF",
      "A lone CR inside the ignored part of an UNKNOWN line.",
      R.v1Crlf,
    ),
    v1Bad(
      "v1-lone-lf-inside-unknown",
      "PROXY UNKNOWN\nGET / HTTP/1.1\r\n",
      "V1_BAD_CRLF",
      "UNKNOWN ended by a lone LF: a lenient receiver swallows the next request line.",
      R.v1Crlf,
    ),

    // No CRLF within 107 bytes.
    v1Bad(
      "v1-unknown-108-bytes",
      `PROXY UNKNOWN ${"a".repeat(92)}\r\n`,
      "V1_TOO_LONG",
      "An UNKNOWN line whose CRLF ends at byte 108, one past the limit.",
      R.v1TooLong,
      "SHOULD",
    ),
    v1Bad(
      "v1-unknown-no-crlf-within-107",
      `PROXY UNKNOWN ${"a".repeat(200)}\r\n`,
      "V1_TOO_LONG",
      "An UNKNOWN line of 216 bytes.",
      R.v1TooLong,
      "SHOULD",
    ),
    v1Bad(
      "v1-tcp4-overlong-address",
      `PROXY TCP4 ${"1".repeat(120)} 198.51.100.7 56324 443\r\n`,
      "V1_TOO_LONG",
      "A 120-digit source address: past 107 bytes, and no valid TCP4 line at any length.",
      R.v1Ipv4,
    ),

    // NUL bytes.
    v1Bad(
      "v1-nul-in-source-address",
      with4("192.0.2.1\x00", "198.51.100.7", "56324", "443"),
      "V1_BAD_ADDRESS",
      "A NUL after the source address (C-string parsers stop there).",
      R.v1Ipv4,
    ),
    v1Bad(
      "v1-nul-after-dport",
      with4("192.0.2.1", "198.51.100.7", "56324", "443\x00"),
      "V1_BAD_PORT",
      "A NUL between the destination port and the CRLF (strtol stops there).",
      R.v1Port,
    ),
    v1Bad(
      "v1-nul-after-proxy",
      "PROXY\x00TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "V1_BAD_SPACE",
      "A NUL instead of the space after PROXY.",
      R.v1Space,
    ),
    v1Bad(
      "v1-nul-in-proxy",
      "PRO\x00Y TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
      "NOT_PROXY",
      "A NUL inside the PROXY keyword.",
    ),
  ];
  return out;
}
