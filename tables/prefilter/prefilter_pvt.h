/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the prefilter table: its log macro and 128-bit helpers. */
#ifndef POP_PREFILTER_PVT_H
#define POP_PREFILTER_PVT_H

#include "prefilter.h"

#include "base.h"

#define PREFILTER_LOG(level, ...) POP_LOG("tables", level, __VA_ARGS__)

typedef unsigned __int128 prefilter_u128;

/* A network-order IPv6 address as one host-order number. */
static inline prefilter_u128 prefilter_addr6_value(const uint8_t a[16])
{
	prefilter_u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

#endif
