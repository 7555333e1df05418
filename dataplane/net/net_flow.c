/* SPDX-License-Identifier: BSD-3-Clause */
#include "net.h"

#include <string.h>

#define FLOW_ETHERTYPE_IPV4 0x0800
#define FLOW_ETHERTYPE_IPV6 0x86dd
#define FLOW_PROTO_TCP	    6

static inline uint64_t flow_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

static inline uint64_t flow_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * One endpoint is (address, port); the pair is put in a fixed order (the
 * smaller first) so both directions of a flow give the same words.
 */
static uint32_t flow_hash_pair(const uint8_t *a, const uint8_t *b, unsigned alen,
			       const uint8_t *ports, uint64_t seed)
{
	uint16_t pa = (uint16_t)(ports[0] << 8 | ports[1]);
	uint16_t pb = (uint16_t)(ports[2] << 8 | ports[3]);
	int c = memcmp(a, b, alen);
	const uint8_t *lo = a, *hi = b;
	uint8_t buf[2][16] = {{0}};
	uint64_t h = seed;

	if (c > 0 || (c == 0 && pa > pb)) {
		uint16_t t = pa;
		lo = b;
		hi = a;
		pa = pb;
		pb = t;
	}
	memcpy(buf[0], lo, alen);
	memcpy(buf[1], hi, alen);
	h = flow_mix(h, flow_load64(buf[0]));
	h = flow_mix(h, flow_load64(buf[0] + 8));
	h = flow_mix(h, flow_load64(buf[1]));
	h = flow_mix(h, flow_load64(buf[1] + 8));
	h = flow_mix(h, (uint64_t)pa << 16 | pb);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

bool net_flow_hash(const uint8_t *frame, uint16_t len, uint64_t seed, uint32_t *hash)
{
	uint16_t type;

	if (len < 14)
		return false;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == FLOW_ETHERTYPE_IPV4) {
		const uint8_t *ip = frame + 14;
		unsigned ihl;

		if (len < 14 + 20 || (ip[0] >> 4) != 4 || ip[9] != FLOW_PROTO_TCP)
			return false;
		/* Fragments are dropped by the IP layer wherever they land. */
		if ((ip[6] << 8 | ip[7]) & 0x3fff)
			return false;
		ihl = (unsigned)(ip[0] & 0x0f) * 4u;
		if (ihl < 20 || len < 14 + ihl + 4)
			return false;
		*hash = flow_hash_pair(ip + 12, ip + 16, 4, ip + ihl, seed);
		return true;
	}
	if (type == FLOW_ETHERTYPE_IPV6) {
		const uint8_t *ip = frame + 14;

		/* TCP right after the fixed header; anything else the IPv6 layer handles locally.
		 */
		if (len < 14 + 40 + 4 || (ip[0] >> 4) != 6 || ip[6] != FLOW_PROTO_TCP)
			return false;
		*hash = flow_hash_pair(ip + 8, ip + 24, 16, ip + 40, seed);
		return true;
	}
	return false;
}
