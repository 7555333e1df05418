/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to tables/zones: wire-name and rdata checks shared by builder and reader. */
#ifndef POP_ZONES_PVT_H
#define POP_ZONES_PVT_H

#include "base.h"
#include "zones.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZONES_LOG(level, ...) POP_LOG("tables", level, __VA_ARGS__)

/* The record layouts are the snapshot format: any change is a format version. */
_Static_assert(sizeof(struct zones_top) == 48, "zones_top layout");
_Static_assert(sizeof(struct zones_zone_rec) == 64, "zones_zone_rec layout");
_Static_assert(sizeof(struct zones_node_rec) == 32, "zones_node_rec layout");
_Static_assert(sizeof(struct zones_rrset_rec) == 88, "zones_rrset_rec layout");
_Static_assert(sizeof(struct zones_prefix) == 18, "zones_prefix layout");

#define ZONES_STRING_MAX 255u /* zone ids, set identifiers, region names */

#define ZONES_TYPE_A	 1
#define ZONES_TYPE_NS	 2
#define ZONES_TYPE_CNAME 5
#define ZONES_TYPE_SOA	 6
#define ZONES_TYPE_PTR	 12
#define ZONES_TYPE_MX	 15
#define ZONES_TYPE_TXT	 16
#define ZONES_TYPE_AAAA	 28
#define ZONES_TYPE_SRV	 33
#define ZONES_TYPE_DNAME 39
#define ZONES_TYPE_DS	 43
#define ZONES_TYPE_CAA	 257

/*
 * Labels (the root not counted) of a wire name of exactly @p len bytes, or -1
 * when it is not well formed (label over 63, a compression pointer, a zero
 * label before the end, past 255 bytes) or, with @p lowercase, holds A-Z.
 */
int zones_name_labels(const uint8_t *name, size_t len, bool lowercase);

/* Bytes of the well-formed name at @p p within @p avail bytes, or 0. */
size_t zones_name_span(const uint8_t *p, size_t avail);

/*
 * Check a record set's rdata: exactly @p count entries {len16, bytes} filling
 * @p len, each the right shape for @p type where pop knows it (addresses, the
 * names inside NS, CNAME, PTR, DNAME, MX, SRV, SOA; TXT strings; CAA tags).
 * @return 0 or -1.
 */
int zones_rdata_check(uint16_t type, const uint8_t *rdata, size_t len, uint32_t count);

/* Is @p name (of @p labels labels) @p apex (of @p apex_labels) or under it? */
bool zones_name_under(const uint8_t *name, size_t len, int labels, const uint8_t *apex,
		      size_t apex_len, int apex_labels);

#endif /* POP_ZONES_PVT_H */
