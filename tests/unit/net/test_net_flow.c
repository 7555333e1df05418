/* SPDX-License-Identifier: BSD-3-Clause */
#include "net.h"
#include "tap.h"

#include <string.h>

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TCP frame between (a, pa) and (b, pb); alen 4 or 16. */
static uint16_t tcp_frame(uint8_t *f, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
			  unsigned alen)
{
	uint8_t *ip = f + 14, *tcp;

	memset(f, 0, 128);
	wr16(f + 12, alen == 4 ? 0x0800 : 0x86dd);
	if (alen == 4) {
		ip[0] = 0x45;
		wr16(ip + 6, 0x4000); /* DF only */
		ip[9] = 6;
		memcpy(ip + 12, a, 4);
		memcpy(ip + 16, b, 4);
		tcp = ip + 20;
	} else {
		ip[0] = 0x60;
		ip[6] = 6;
		memcpy(ip + 8, a, 16);
		memcpy(ip + 24, b, 16);
		tcp = ip + 40;
	}
	wr16(tcp, pa);
	wr16(tcp + 2, pb);
	return (uint16_t)(tcp - f + 20);
}

static void rand_addr(uint8_t *a, unsigned alen)
{
	for (unsigned i = 0; i < alen; i++)
		a[i] = (uint8_t)rnd();
}

static void test_symmetric(void)
{
	uint8_t f[128], a[16], b[16];
	unsigned bad = 0;

	for (unsigned i = 0; i < 20000; i++) {
		unsigned alen = (i & 1) ? 16 : 4;
		uint16_t pa = (uint16_t)rnd(), pb = (uint16_t)((i % 7) == 0 ? pa : rnd());
		uint32_t h1 = 0, h2 = 1;
		uint16_t len;

		rand_addr(a, alen);
		if ((i % 5) == 0)
			memcpy(b, a, alen); /* same address both sides: ports decide the order */
		else
			rand_addr(b, alen);
		len = tcp_frame(f, a, pa, b, pb, alen);
		if (!net_flow_hash(f, len, 42, &h1))
			bad++;
		len = tcp_frame(f, b, pb, a, pa, alen);
		if (!net_flow_hash(f, len, 42, &h2) || h1 != h2)
			bad++;
	}
	CHECK_EQ(bad, 0u);
}

static void test_distribution(void)
{
	static const unsigned ns[] = {2, 3, 4, 8};
	uint8_t f[128], client[16], vip[4] = {198, 18, 0, 1};

	/* The realistic case: one VIP and port, many clients and source ports. */
	for (unsigned k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		unsigned count[8] = {0}, n = ns[k], flows = 40000, lo = flows, hi = 0;

		for (unsigned i = 0; i < flows; i++) {
			uint32_t h;
			uint16_t len;

			rand_addr(client, 4);
			if (i & 1) /* half from a single client: only the port varies */
				memcpy(client, (uint8_t[]){198, 18, 0, 2}, 4);
			len = tcp_frame(f, client, (uint16_t)(1024 + rnd() % 60000), vip, 53, 4);
			if (!net_flow_hash(f, len, 7, &h))
				continue;
			count[net_flow_owner(h, n)]++;
		}
		for (unsigned w = 0; w < n; w++) {
			if (count[w] < lo)
				lo = count[w];
			if (count[w] > hi)
				hi = count[w];
		}
		/* Each worker within 5 % of its fair share (the expected spread is ~1 %). */
		CHECK(lo >= flows / n * 95 / 100);
		CHECK(hi <= flows / n * 105 / 100);
	}
	CHECK_EQ(net_flow_owner(0, 4), 0u);
	CHECK_EQ(net_flow_owner(UINT32_MAX, 4), 3u);
	CHECK_EQ(net_flow_owner(UINT32_MAX, 1), 0u);
}

static void test_stable(void)
{
	uint8_t f[128], a[4] = {198, 18, 0, 2}, b[4] = {198, 18, 0, 1};
	uint16_t len = tcp_frame(f, a, 40000, b, 53, 4);
	uint32_t h1, h2, h3;
	unsigned differ = 0;

	CHECK(net_flow_hash(f, len, 1234, &h1));
	CHECK(net_flow_hash(f, len, 1234, &h2));
	CHECK_EQ(h1, h2);
	/* Payload, flags and sequence numbers do not move a flow. */
	f[len - 20 + 4] ^= 0xff;
	f[len - 20 + 13] = 0x12;
	CHECK(net_flow_hash(f, len, 1234, &h3));
	CHECK_EQ(h1, h3);
	/* Another seed places flows elsewhere. */
	for (uint16_t p = 1; p <= 256; p++) {
		len = tcp_frame(f, a, p, b, 53, 4);
		net_flow_hash(f, len, 1, &h1);
		net_flow_hash(f, len, 2, &h2);
		differ += net_flow_owner(h1, 2) != net_flow_owner(h2, 2);
	}
	CHECK(differ > 64 && differ < 192);
}

static void test_not_steered(void)
{
	uint8_t f[128], a[16] = {198, 18, 0, 2}, b[16] = {198, 18, 0, 1};
	uint32_t h = 0xdeadbeef;
	uint16_t len = tcp_frame(f, a, 1, b, 2, 4);

	f[14 + 9] = 17; /* UDP stays on the receiving core */
	CHECK(!net_flow_hash(f, len, 0, &h));
	f[14 + 9] = 6;
	wr16(f + 14 + 6, 0x2000); /* first fragment */
	CHECK(!net_flow_hash(f, len, 0, &h));
	wr16(f + 14 + 6, 0x0001); /* later fragment */
	CHECK(!net_flow_hash(f, len, 0, &h));
	wr16(f + 14 + 6, 0);
	CHECK(!net_flow_hash(f, 14 + 20 + 3, 0, &h)); /* ports cut off */
	f[14] = 0x44;				      /* IHL below 5 */
	CHECK(!net_flow_hash(f, len, 0, &h));
	f[14] = 0x4f; /* options longer than the frame */
	CHECK(!net_flow_hash(f, len, 0, &h));
	CHECK(!net_flow_hash(f, 13, 0, &h));
	wr16(f + 12, 0x0806); /* ARP */
	CHECK(!net_flow_hash(f, len, 0, &h));
	len = tcp_frame(f, a, 1, b, 2, 16);
	f[14 + 6] = 0; /* hop-by-hop options first */
	CHECK(!net_flow_hash(f, len, 0, &h));
	f[14 + 6] = 6;
	CHECK(!net_flow_hash(f, 14 + 40 + 3, 0, &h));
	wr16(f + 12, 0x8100); /* VLAN tagged: the Ethernet layer drops it */
	CHECK(!net_flow_hash(f, len, 0, &h));
	CHECK_EQ(h, 0xdeadbeefu);
}

int main(void)
{
	RUN(test_symmetric);
	RUN(test_distribution);
	RUN(test_stable);
	RUN(test_not_steered);
	return tap_done();
}
