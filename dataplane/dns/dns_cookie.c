/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
 * version 1, three reserved bytes, a 32-bit Unix timestamp and a SipHash-2-4
 * of the client cookie, those eight bytes and the client's address, so every
 * pop sharing the secret accepts the cookies of the others.
 */
#include "dns_pvt.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t dns_siphash24(const uint8_t key[16], const uint8_t *data, size_t len)
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	size_t full = len & ~(size_t)7;
	uint64_t m, b = (uint64_t)len << 56;

	for (size_t i = 0; i < full; i += 8) {
		m = load_le64(data + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = full; i < len; i++)
		b |= (uint64_t)data[i] << (8 * (i - full));
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The hash of RFC 9018 4.4 over cookie | version | reserved | timestamp | address. */
static uint64_t server_hash(const uint8_t secret[16], const uint8_t *client_cookie,
			    const uint8_t head[8], const struct dns_query_meta *meta)
{
	uint8_t buf[8 + 8 + 16];
	size_t alen = meta->family == 6 ? 16 : 4;

	memcpy(buf, client_cookie, 8);
	memcpy(buf + 8, head, 8);
	memcpy(buf + 16, meta->src_addr, alen);
	return dns_siphash24(secret, buf, 16 + alen);
}

void dns_cookie_make(const uint8_t secret[16], const uint8_t *client_cookie,
		     const struct dns_query_meta *meta, uint32_t now_s, uint8_t out[16])
{
	uint64_t h;

	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	dns_put32(out + 4, now_s);
	h = server_hash(secret, client_cookie, out, meta);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (8 * i));
}

bool dns_cookie_valid(const uint8_t secret[16], const struct dns_query *q,
		      const struct dns_query_meta *meta, uint32_t now_s)
{
	const uint8_t *sc = q->cookie + DNS_COOKIE_CLIENT;
	uint64_t h, diff = 0;

	if (q->cookie_len != DNS_COOKIE_CLIENT + DNS_COOKIE_SERVER || sc[0] != 1 || sc[1] != 0 ||
	    sc[2] != 0 || sc[3] != 0)
		return false;
	/* RFC 9018 4.3: at most an hour old, at most five minutes ahead (serial arithmetic). */
	int32_t age = (int32_t)(now_s - dns_get32(sc + 4));
	if (age > 3600 || age < -300)
		return false;
	h = server_hash(secret, q->cookie, sc, meta);
	for (int i = 0; i < 8; i++)
		diff |= (uint64_t)(sc[8 + i] ^ (uint8_t)(h >> (8 * i)));
	return diff == 0;
}
