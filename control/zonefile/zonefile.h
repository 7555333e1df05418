/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file zonefile.h
 * RFC 1035 master files ("zone files"): a parser for import and a writer for
 * export. Pure: no I/O; any thread on its own objects.
 *
 * # What the parser reads
 * - `$ORIGIN name` (relative to the origin before it) and `$TTL ttl`;
 *   `$INCLUDE` is refused (a zone is one file), as is any other directive.
 * - Records `[owner] [ttl] [class] type rdata` with ttl and class in either
 *   order, both optional. A line that starts with a blank takes the previous
 *   record's owner; `@` is the origin; a name without a trailing dot is
 *   relative to the origin. The class, when given, must be IN.
 * - TTLs in seconds or with units (`1h30m`, `2d`, `1w`). A record without a
 *   TTL takes `$TTL`, else the previous record's TTL, else (an SOA) its own
 *   MINIMUM field; anything else is an error.
 * - Parentheses join lines; `;` starts a comment except inside a quoted
 *   string; `\X` and `\DDD` (decimal) escapes; record data as dns.h reads it
 *   (the types dns.h supports; any other type is an error).
 * - Bounds: at most `max_bytes` of text and `max_records` records.
 *
 * Errors name the line: `line 12: ARRDATAIllegalIPv4Address (Value is not a
 * valid IPv4 address) encountered with '1.2.3'`. The first error stops the
 * parse and nothing is returned.
 *
 * # What the writer writes
 * A canonical form: an `$ORIGIN` line, then one record per line as
 * `owner<TAB>ttl<TAB>IN<TAB>TYPE<TAB>rdata` with absolute names; SOA first,
 * then owners in DNSSEC canonical order, NS before the other types of an
 * owner and the rest by type code, records of one set in the order given.
 * Parsing what it wrote gives the same records in that order, and writing
 * them again gives the same bytes.
 */
#ifndef POP_ZONEFILE_H
#define POP_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>

/** Default bound on the text parsed, in bytes. */
#define ZONEFILE_MAX_BYTES_DEFAULT (64u * 1024u * 1024u)
/** Default bound on the records parsed. */
#define ZONEFILE_MAX_RECORDS_DEFAULT 1000000u

/** One record; names and data are lowercase wire form (see dns.h). */
struct zonefile_record {
	const uint8_t *owner;
	size_t owner_len;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	size_t rdata_len;
	unsigned line; /**< where the record starts in the text (parser), else 0 */
};

/** How to parse. */
struct zonefile_options {
	const uint8_t
	    *origin; /**< the initial origin (wire), or NULL: $ORIGIN before relative names */
	size_t origin_len;
	size_t max_bytes;   /**< 0: ZONEFILE_MAX_BYTES_DEFAULT */
	size_t max_records; /**< 0: ZONEFILE_MAX_RECORDS_DEFAULT */
};

/** A parsed file: its records, in file order. Opaque. */
struct zonefile;

/**
 * Parse a zone file.
 * @param text, len the file (need not be NUL-terminated).
 * @param opt options; NULL for the defaults with no origin.
 * @param out the records, on success; free with zonefile_free().
 * @param err, err_len "line N: what is wrong" on failure.
 * @return 0; -EINVAL for bad text; -EFBIG (over max_bytes) or -POP_ELIMIT
 *   (over max_records), each with a message; -ENOMEM.
 */
int zonefile_parse(const char *text, size_t len, const struct zonefile_options *opt,
		   struct zonefile **out, char *err, size_t err_len);

/** Number of records parsed. */
size_t zonefile_count(const struct zonefile *zf);

/** Record @p i (valid until zonefile_free()), or NULL when out of range. */
const struct zonefile_record *zonefile_record(const struct zonefile *zf, size_t i);

/** Free a parse. NULL is ignored. */
void zonefile_free(struct zonefile *zf);

/**
 * Write records in the canonical form.
 * @param records, n the records (not changed; their order within a set is kept).
 * @param origin, origin_len the zone apex for the `$ORIGIN` line (wire).
 * @param out receives a malloc'd NUL-terminated text; out_len its length.
 * @return 0, -EINVAL for a record this module cannot write (with nothing
 *   written), -ENOMEM.
 */
int zonefile_write(const struct zonefile_record *records, size_t n, const uint8_t *origin,
		   size_t origin_len, char **out, size_t *out_len);

#endif /* POP_ZONEFILE_H */
