/* SPDX-License-Identifier: BSD-3-Clause */
/* Initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987). */
#include "tcp_pvt.h"

/* The MSS values a cookie can carry (2 bits), the largest not above the peer's is used. */
const uint16_t tcp_cookie_mss[4] = {536, 1220, 1440, 1460};

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = rotl64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = rotl64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = rotl64(v2, 32);                                                               \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* SipHash-2-4: a keyed PRF, so cookies and ISNs cannot be predicted. */
uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *data, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(data + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)data[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (unsigned r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The 4-tuple and up to two extra words, as hashed. */
static size_t tuple_bytes(const struct tcp_seg *s, uint32_t x, uint32_t y, uint8_t out[48])
{
	size_t n = s->family == 4 ? 4 : 16;

	out[0] = s->family;
	memcpy(out + 1, s->src_addr, n);
	memcpy(out + 1 + n, s->dst_addr, n);
	memcpy(out + 1 + 2 * n, &s->sport, 2);
	memcpy(out + 3 + 2 * n, &s->dport, 2);
	memcpy(out + 5 + 2 * n, &x, 4);
	memcpy(out + 9 + 2 * n, &y, 4);
	return 13 + 2 * n;
}

uint32_t tcp_isn(const struct tcp_ctx *ctx, const struct tcp_seg *seg, uint64_t now_us)
{
	uint8_t buf[48];
	size_t n = tuple_bytes(seg, 0x49534e00u, 0, buf);

	/* RFC 6528: a 4-microsecond clock plus a keyed hash of the connection. */
	return (uint32_t)(now_us / 4) + (uint32_t)tcp_siphash(ctx->cfg.secret, buf, n);
}

static uint32_t cookie_hash(const struct tcp_ctx *ctx, const struct tcp_seg *s, uint32_t peer_isn,
			    uint32_t counter)
{
	uint8_t buf[48];
	size_t n = tuple_bytes(s, peer_isn, counter, buf);

	return (uint32_t)tcp_siphash(ctx->cfg.secret, buf, n);
}

/*
 * The cookie: 25 bits of hash over the 4-tuple, the peer's ISN and the
 * 64-second counter; 5 bits of the counter; 2 bits of MSS index. Window
 * scale and SACK-permitted ride in the low bits of our SYN-ACK's TSval and
 * come back in the ACK's TSecr (without timestamps, neither is used).
 */
uint32_t tcp_cookie_make(const struct tcp_ctx *ctx, const struct tcp_seg *syn, uint32_t counter,
			 unsigned mss_idx)
{
	return (cookie_hash(ctx, syn, syn->seq, counter) & ~0x7fu) | (counter & 0x1f) << 2 |
	       (mss_idx & 3);
}

int tcp_cookie_check(const struct tcp_ctx *ctx, const struct tcp_seg *ack)
{
	uint32_t cookie = ack->ack - 1, now = ctx->now_ms / TCP_COOKIE_PERIOD;
	uint32_t lo = (cookie >> 2) & 0x1f;

	/* Valid for the current period and the one before (64 to 128 s). */
	for (uint32_t back = 0; back < 2; back++) {
		uint32_t counter = now - back;
		if ((counter & 0x1f) != lo)
			continue;
		if (((cookie_hash(ctx, ack, ack->seq - 1, counter) ^ cookie) & ~0x7fu) == 0)
			return (int)(cookie & 3);
	}
	return -1;
}
