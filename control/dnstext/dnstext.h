/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dns.h
 * DNS names and record data between their text forms and wire format, for
 * popd's route53 module and the zone-file parser. Pure functions: no I/O, no
 * allocation, no global state; any thread.
 *
 * # Names
 * Wire names are uncompressed label sequences ending with the root label,
 * with ASCII letters lowercased ("\x03www\x07example\x03com\x00"), at most
 * DNS_NAME_MAX_BYTES bytes and labels of at most DNS_LABEL_MAX_BYTES: the
 * form the zones table keys on.
 *
 * Two text dialects differ only in their escapes:
 * - RFC 1035 (zone files, flags 0): `\DDD` is a *decimal* byte value and
 *   `\X` the character X (so `\.` is a dot inside a label).
 * - Route 53 (flag DNS_TEXT_OCTAL): `\ooo` is an *octal* byte value, as
 *   Route 53 reads and prints names ("\052.example.com." is the wildcard);
 *   `\X` for a non-digit X is still the character X.
 * A name without a trailing dot is relative to the origin when one is given,
 * and absolute otherwise (Route 53 treats "www.example.com" and
 * "www.example.com." alike). "@" alone is the origin. A leftmost label "*" is
 * the wildcard label; a "*" anywhere else is an ordinary character.
 *
 * # Record data
 * The text forms are what Route 53 accepts in `ResourceRecords[].Value` and
 * what zone files carry after the type:
 *
 * | type  | text                                             |
 * |-------|--------------------------------------------------|
 * | A     | `192.0.2.1`                                      |
 * | AAAA  | `2001:db8::1`                                    |
 * | CNAME, NS, PTR | `host.example.com`                      |
 * | MX    | `10 mail.example.com`                            |
 * | TXT, SPF | `"v=spf1 -all"` (one or more strings, each at most 255 bytes) |
 * | SOA   | `ns.example.com. hostmaster.example.com. 1 7200 900 1209600 86400` |
 * | SRV   | `10 5 5060 sip.example.com`                      |
 * | CAA   | `0 issue "amazon.com"`                           |
 * | DS    | `12345 13 2 <hex digest>`                        |
 * | NAPTR | `100 10 "U" "E2U+sip" "!^.*$!sip:x@example.com!" .` |
 *
 * Fields are separated by spaces or tabs. A character string is quoted
 * ("...", with `\"` and `\\` and the dialect's numeric escapes) or a bare
 * run of non-blank characters. Names in rdata follow the name rules above.
 * SOA timers may carry TTL units (`1h30m`) as BIND allows.
 *
 * # Errors
 * Functions that fail write a message of the form Route 53 uses for bad
 * values, a problem code and its description, e.g.
 * `ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)`; callers
 * add where ("encountered with '...'", "line 12: ...").
 */
#ifndef POP_DNSTEXT_H
#define POP_DNSTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX_BYTES   255
#define DNS_LABEL_MAX_BYTES  63
#define DNS_STRING_MAX_BYTES 255   /**< one character-string */
#define DNS_RDATA_MAX_BYTES  65535 /**< one record's data */
/** Longest name text dnstext_name_to_text() can produce, NUL included. */
#define DNS_NAME_TEXT_MAX (DNS_NAME_MAX_BYTES * 4 + 2)
/** A buffer for the error messages of this module. */
#define DNS_ERR_MAX 160

/** Text dialect: `\ooo` escapes are octal (Route 53), not decimal (RFC 1035). */
#define DNS_TEXT_OCTAL 0x1u

/** The record types pop serves (codes from the IANA registry). */
enum dnstext_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_NAPTR = 35,
	DNS_TYPE_DS = 43,
	DNS_TYPE_SPF = 99,
	DNS_TYPE_CAA = 257,
};

/** The mnemonic of a supported type ("AAAA"), or NULL. */
const char *dnstext_type_name(uint16_t type);

/**
 * The code of a supported type's mnemonic, case-insensitively; @p len bytes
 * of @p text (need not be NUL-terminated).
 * @return the code, or -EINVAL for an unknown or unsupported mnemonic.
 */
int dnstext_type_from_name(const char *text, size_t len);

/**
 * Parse a name.
 * @param text, len the text (need not be NUL-terminated).
 * @param origin, origin_len the origin in wire form for relative names and
 *   "@"; NULL when names are absolute with an optional trailing dot.
 * @param flags 0 or DNS_TEXT_OCTAL.
 * @param out receives the lowercased wire name (DNS_NAME_MAX_BYTES bytes).
 * @param out_len its length.
 * @param err, err_len the problem on failure.
 * @return 0 or -EINVAL.
 */
int dnstext_name_from_text(const char *text, size_t len, const uint8_t *origin, size_t origin_len,
			   unsigned flags, uint8_t *out, size_t *out_len, char *err,
			   size_t err_len);

/**
 * Write a wire name as absolute text with its trailing dot ("." for the
 * root). Flags 0: RFC 1035 presentation (special characters `\X`,
 * non-printable bytes `\DDD`). DNS_TEXT_OCTAL: Route 53's form, where every
 * byte other than a-z 0-9 - _ is `\ooo` (so "*.example.com" prints as
 * "\052.example.com.").
 * @return the text's length, -ENOSPC when @p out is too small (DNS_NAME_TEXT_MAX
 *   always suffices), -EINVAL for a malformed wire name.
 */
int dnstext_name_to_text(const uint8_t *wire, size_t len, unsigned flags, char *out,
			 size_t out_len);

/**
 * Length of the well-formed wire name at @p wire within @p max bytes (labels
 * of 1..63 bytes, root label last, at most 255 bytes), or 0.
 */
size_t dnstext_name_wire_len(const uint8_t *wire, size_t max);

/** Number of labels of a wire name, the root not counted. */
unsigned dnstext_name_labels(const uint8_t *wire, size_t len);

/** Whether @p name is @p apex or under it (both lowercase wire). */
bool dnstext_name_is_under(const uint8_t *name, size_t len, const uint8_t *apex, size_t apex_len);

/** Whether the leftmost label of a wire name is the wildcard "*". */
bool dnstext_name_is_wildcard(const uint8_t *wire, size_t len);

/**
 * Compare two lowercase wire names in DNSSEC canonical order (RFC 4034
 * section 6.1: by labels from the root, each compared as bytes).
 * @return <0, 0 or >0.
 */
int dnstext_name_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/**
 * Parse a TTL: seconds ("3600") or BIND units ("1h30m", "1w", "2d", case
 * insensitive: w d h m s), at most 2147483647.
 * @return 0 and *ttl, or -EINVAL / -ERANGE.
 */
int dnstext_ttl_from_text(const char *text, size_t len, uint32_t *ttl);

/**
 * Parse a record's data.
 * @param type a supported type.
 * @param text, len the data text.
 * @param origin, origin_len, flags as for dnstext_name_from_text().
 * @param out, cap the output buffer (DNS_RDATA_MAX_BYTES suffices).
 * @param out_len the wire data's length.
 * @param err, err_len the problem on failure.
 * @return 0, -EINVAL (bad text), -ENOSPC (cap too small), -ENOTSUP (type).
 */
int dnstext_rdata_from_text(uint16_t type, const char *text, size_t len, const uint8_t *origin,
			    size_t origin_len, unsigned flags, uint8_t *out, size_t cap,
			    size_t *out_len, char *err, size_t err_len);

/**
 * Write a record's data as text: absolute names with trailing dots, strings
 * quoted, in the dialect of @p flags (names as dnstext_name_to_text(); strings
 * escape `"` and `\` with a backslash and bytes outside printable ASCII as
 * `\DDD` decimal, or `\ooo` octal with DNS_TEXT_OCTAL).
 * @return the text's length, -ENOSPC when @p out is too small, -EINVAL for
 *   malformed wire data, -ENOTSUP for a type not supported.
 */
int dnstext_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len, unsigned flags,
			  char *out, size_t out_len);

#endif /* POP_DNSTEXT_H */
