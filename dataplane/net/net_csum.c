/* SPDX-License-Identifier: BSD-3-Clause */
#include "net.h"

#include <string.h>

/*
 * RFC 1071's sum does not depend on byte order or word width (section 2):
 * add 32-bit native words into a 64-bit accumulator (no carry can be lost in
 * fewer than 2^32 additions), fold, and on a little-endian host swap the
 * folded result into the network-order value the callers work with.
 */
uint32_t net_csum_partial(const void *data, uint32_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint32_t folded;

	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		acc += (v & 0xffffffffu) + (v >> 32);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		acc += v;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the high half of a network-order word. */
		uint8_t last[2] = {p[0], 0};
		uint16_t v;
		memcpy(&v, last, 2);
		acc += v;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	folded = (uint32_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = (uint32_t)(((folded & 0xff) << 8) | (folded >> 8));
#endif
	sum += folded;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t net_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
