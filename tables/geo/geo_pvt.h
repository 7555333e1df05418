/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to tables/geo: what the builder and the reader both check. */
#ifndef POP_GEO_PVT_H
#define POP_GEO_PVT_H

#include "base.h"
#include "geo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEO_LOG(level, ...) POP_LOG("tables", level, __VA_ARGS__)

/* The record layouts are the snapshot format: any change is a format version. */
_Static_assert(sizeof(struct geo_v4_range) == 8, "geo_v4_range layout");
_Static_assert(sizeof(struct geo_v6_range) == 24, "geo_v6_range layout");
_Static_assert(sizeof(struct geo_family_rec) == 32, "geo_family_rec layout");
_Static_assert(sizeof(struct geo_top) == 112, "geo_top layout");
_Static_assert(sizeof(struct geo_record) == 20, "geo_record layout");
_Static_assert(sizeof(struct geo_region) == GEO_REGION_MAX + 1, "geo_region layout");

/* Both families' addresses as one integer type: IPv4 in the low 32 bits. */
typedef unsigned __int128 geo_u128;

#define GEO_LAT_MAX_E4 900000
#define GEO_LON_MAX_E4 1800000

/* Bit counts of a nonzero 128-bit value. */
static inline unsigned geo_clz128(geo_u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);

	return hi != 0 ? (unsigned)__builtin_clzll(hi)
		       : 64u + (unsigned)__builtin_clzll((uint64_t)x);
}

static inline unsigned geo_ctz128(geo_u128 x)
{
	uint64_t lo = (uint64_t)x;

	return lo != 0 ? (unsigned)__builtin_ctzll(lo)
		       : 64u + (unsigned)__builtin_ctzll((uint64_t)(x >> 64));
}

/* Bits of a family's addresses: 32 or 128. */
static inline unsigned geo_family_bits(uint8_t family)
{
	return family == 4 ? 32u : 128u;
}

/* The host bits of a prefix of @p len in a space of @p bits: all ones below it. */
static inline geo_u128 geo_host_mask(unsigned bits, unsigned len)
{
	unsigned host = bits - len;

	return host >= 128 ? ~(geo_u128)0 : (((geo_u128)1 << host) - 1);
}

/*
 * Is the fixed-size, NUL-padded code @p c of @p size bytes empty, or 1 to
 * @p size characters of A-Z (and 0-9 when @p digits) followed only by NULs,
 * at least @p min of them?
 */
static inline bool geo_code_ok(const char *c, size_t size, size_t min, bool digits)
{
	size_t n = 0;

	while (n < size && c[n] != '\0') {
		char ch = c[n];
		if (!((ch >= 'A' && ch <= 'Z') || (digits && ch >= '0' && ch <= '9')))
			return false;
		n++;
	}
	for (size_t i = n; i < size; i++)
		if (c[i] != '\0')
			return false;
	return n == 0 || n >= min;
}

/* Is @p name (within @p size bytes) 1 to GEO_REGION_MAX of a-z 0-9 '-', then NULs? */
static inline bool geo_region_ok(const char *name, size_t size)
{
	size_t n = 0;

	while (n < size && name[n] != '\0') {
		char ch = name[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
		n++;
	}
	if (n == 0 || n > GEO_REGION_MAX || n == size)
		return false;
	for (size_t i = n; i < size; i++)
		if (name[i] != '\0')
			return false;
	return true;
}

#endif /* POP_GEO_PVT_H */
