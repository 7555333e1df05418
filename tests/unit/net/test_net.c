/* SPDX-License-Identifier: BSD-3-Clause */
#include "net.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static struct net_iface ifc;
static struct net_counters ctr;

static void setup(void)
{
	memset(&ifc, 0, sizeof(ifc));
	memset(&ctr, 0, sizeof(ctr));
	memcpy(ifc.mac, our_mac, 6);
	net_iface_add_vip(&ifc, "198.18.0.1");
	net_iface_add_vip(&ifc, "2001:2::1");
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, type);
	return 14;
}

static uint16_t arp_frame(uint8_t *f, uint16_t op, const char *target)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *a = f + eth(f, bcast, 0x0806);

	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, peer_mac, 6);
	inet_pton(AF_INET, "198.18.0.2", a + 14);
	memset(a + 18, 0, 6);
	inet_pton(AF_INET, target, a + 24);
	return 42;
}

static void ip4_csum(uint8_t *ip)
{
	uint16_t ihl = (uint16_t)((ip[0] & 0xf) * 4);
	wr16(ip + 10, 0);
	wr16(ip + 10, net_csum_finish(net_csum_partial(ip, ihl, 0)));
}

static uint16_t ip4_frame(uint8_t *f, const char *src, const char *dst, uint8_t proto,
			  const uint8_t *payload, uint16_t plen)
{
	uint8_t *ip = f + eth(f, our_mac, 0x0800);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + plen));
	wr16(ip + 4, 0x1234);
	ip[8] = 63;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	memcpy(ip + 20, payload, plen);
	ip4_csum(ip);
	return (uint16_t)(34 + plen);
}

static uint16_t echo4(uint8_t *f, const char *dst)
{
	uint8_t icmp[40] = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};
	for (int i = 8; i < 40; i++)
		icmp[i] = (uint8_t)i;
	wr16(icmp + 2, net_csum_finish(net_csum_partial(icmp, sizeof(icmp), 0)));
	return ip4_frame(f, "198.18.0.2", dst, 1, icmp, sizeof(icmp));
}

static uint16_t icmp6_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint8_t pseudo[8] = {0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, 58};
	uint32_t s = net_csum_partial(ip + 8, 32, 0);
	s = net_csum_partial(pseudo, 8, s);
	return net_csum_finish(net_csum_partial(icmp, len, s));
}

/* IPv6 + optional extension header + ICMPv6 body; checksum filled in. */
static uint16_t ip6_frame(uint8_t *f, const uint8_t *dmac, const char *src, const char *dst,
			  uint8_t hlim, bool hbh, const uint8_t *icmp, uint16_t ilen)
{
	uint8_t *ip = f + eth(f, dmac, 0x86dd);
	uint16_t off = 40;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[6] = hbh ? 0 : 58;
	ip[7] = hlim;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	if (hbh) {
		memset(ip + 40, 0, 8);
		ip[40] = 58; /* next header */
		ip[41] = 0;  /* 8 bytes */
		ip[42] = 1;  /* PadN */
		ip[43] = 4;
		off = 48;
	}
	memcpy(ip + off, icmp, ilen);
	wr16(ip + 4, (uint16_t)(off - 40 + ilen));
	wr16(ip + off + 2, 0);
	wr16(ip + off + 2, icmp6_sum(ip, ip + off, ilen));
	return (uint16_t)(14 + off + ilen);
}

static uint16_t ns_frame(uint8_t *f, const char *src, const char *dst, const char *target,
			 bool slla, uint8_t hlim)
{
	static const uint8_t mc[6] = {0x33, 0x33, 0xff, 0, 0, 1};
	uint8_t icmp[32] = {135, 0};
	uint16_t ilen = 24;

	inet_pton(AF_INET6, target, icmp + 8);
	if (slla) {
		icmp[24] = 1;
		icmp[25] = 1;
		memcpy(icmp + 26, peer_mac, 6);
		ilen = 32;
	}
	return ip6_frame(f, mc, src, dst, hlim, false, icmp, ilen);
}

static uint64_t drops(enum net_drop_reason r)
{
	return ctr.drops[r];
}

static void test_vip_validation(void)
{
	struct net_iface i;
	memset(&i, 0, sizeof(i));
	CHECK_EQ(net_iface_add_vip(&i, "198.18.0.1"), 0);
	CHECK_EQ(net_iface_add_vip(&i, "198.18.0.1"), -EEXIST);
	CHECK_EQ(net_iface_add_vip(&i, "224.0.0.1"), -EINVAL);
	CHECK_EQ(net_iface_add_vip(&i, "255.255.255.255"), -EINVAL);
	CHECK_EQ(net_iface_add_vip(&i, "ff02::1"), -EINVAL);
	CHECK_EQ(net_iface_add_vip(&i, "::"), -EINVAL);
	CHECK_EQ(net_iface_add_vip(&i, "www.example.com"), -EINVAL);
	CHECK_EQ(net_iface_add_vip(&i, "2001:2::1"), 0);
	for (int k = 2; k <= NET_MAX_VIPS; k++) {
		char a[32];
		snprintf(a, sizeof(a), "198.18.1.%d", k);
		CHECK_EQ(net_iface_add_vip(&i, a), k <= NET_MAX_VIPS ? 0 : -1);
	}
	CHECK(net_iface_add_vip(&i, "198.18.2.1") < 0);
	CHECK_EQ(i.n_vip4, NET_MAX_VIPS);
}

static void test_arp_request_for_vip_is_answered(void)
{
	uint8_t f[128];
	uint16_t len = arp_frame(f, 1, "198.18.0.1");
	uint8_t want_spa[4], want_tpa[4];

	setup();
	inet_pton(AF_INET, "198.18.0.1", want_spa);
	inet_pton(AF_INET, "198.18.0.2", want_tpa);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_TX);
	CHECK_EQ(len, 60);
	CHECK(memcmp(f, peer_mac, 6) == 0);
	CHECK(memcmp(f + 6, our_mac, 6) == 0);
	CHECK_EQ(rd16(f + 14 + 6), 2);
	CHECK(memcmp(f + 14 + 8, our_mac, 6) == 0);
	CHECK(memcmp(f + 14 + 14, want_spa, 4) == 0);
	CHECK(memcmp(f + 14 + 18, peer_mac, 6) == 0);
	CHECK(memcmp(f + 14 + 24, want_tpa, 4) == 0);
	CHECK_EQ(ctr.arp_replies, 1);
	CHECK_EQ(ctr.tx_frames, 1);
}

static void test_arp_drops_are_counted(void)
{
	uint8_t f[128];
	uint16_t len;

	setup();
	len = arp_frame(f, 1, "198.18.0.9");
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ARP_NOT_FOR_VIP), 1);
	len = arp_frame(f, 2, "198.18.0.1");
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ARP_NOT_REQUEST), 1);
	len = arp_frame(f, 1, "198.18.0.1");
	f[14 + 5] = 16; /* protocol length */
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	len = 30;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ARP_MALFORMED), 2);
	CHECK_EQ(ctr.tx_frames, 0);
}

static void test_icmp_echo_is_answered(void)
{
	uint8_t f[256], req[256];
	uint16_t len = echo4(f, "198.18.0.1");
	uint16_t req_len = len;
	uint8_t *ip = f + 14;

	setup();
	memcpy(req, f, len);
	/* Ethernet padding after the datagram must not be echoed. */
	memset(f + len, 0xee, 10);
	len = (uint16_t)(len + 10);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_TX);
	CHECK_EQ(len, req_len);
	CHECK(memcmp(f, peer_mac, 6) == 0);
	CHECK(memcmp(f + 6, our_mac, 6) == 0);
	CHECK(memcmp(ip + 12, req + 14 + 16, 4) == 0);
	CHECK(memcmp(ip + 16, req + 14 + 12, 4) == 0);
	CHECK_EQ(ip[8], 64);
	CHECK_EQ(net_csum_finish(net_csum_partial(ip, 20, 0)), 0);
	CHECK_EQ(ip[20], 0);
	CHECK_EQ(net_csum_finish(net_csum_partial(ip + 20, 40, 0)), 0);
	CHECK(memcmp(ip + 24, req + 14 + 24, 36) == 0); /* id, sequence and data kept */
	CHECK_EQ(ctr.icmp4_echo_replies, 1);
}

static void test_ipv4_drops_are_counted(void)
{
	uint8_t f[256], udp[8] = {0x30, 0x39, 0, 53, 0, 8, 0, 0}, gre[4] = {0};
	uint16_t len;

	setup();
	len = echo4(f, "198.18.0.7");
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_NOT_FOR_VIP), 1);

	len = echo4(f, "198.18.0.1");
	f[14 + 10] ^= 1;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_BAD_CHECKSUM), 1);

	len = echo4(f, "198.18.0.1");
	f[14 + 30] ^= 1;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ICMP4_MALFORMED), 1);

	len = echo4(f, "198.18.0.1");
	wr16(f + 14 + 6, 0x2000); /* more fragments */
	ip4_csum(f + 14);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_FRAGMENT), 1);

	len = ip4_frame(f, "198.18.0.2", "198.18.0.1", 17, udp, sizeof(udp));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_NO_LISTENER), 1);
	len = ip4_frame(f, "198.18.0.2", "198.18.0.1", 6, udp, sizeof(udp));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_TCP_NO_LISTENER), 1);
	len = ip4_frame(f, "198.18.0.2", "198.18.0.1", 47, gre, sizeof(gre));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_UNKNOWN_PROTO), 1);

	/* A broadcast or spoofed-VIP source would make us reflect. */
	len = ip4_frame(f, "255.255.255.255", "198.18.0.1", 47, gre, sizeof(gre));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	len = ip4_frame(f, "198.18.0.1", "198.18.0.1", 47, gre, sizeof(gre));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_BAD_SOURCE), 2);

	len = echo4(f, "198.18.0.1");
	f[14] = 0x44; /* IHL 16 bytes */
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	len = echo4(f, "198.18.0.1");
	wr16(f + 14 + 2, 400); /* longer than the frame */
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP4_MALFORMED), 2);
	CHECK_EQ(ctr.tx_frames, 0);
}

static void test_ethernet_drops_are_counted(void)
{
	static const uint8_t other[6] = {0x02, 9, 9, 9, 9, 9};
	uint8_t f[128];
	uint16_t len;

	setup();
	len = echo4(f, "198.18.0.1");
	memcpy(f, other, 6);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ETH_NOT_FOR_US), 1);
	len = 60;
	wr16(f + 12, 0x8100);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ETH_VLAN), 1);
	wr16(f + 12, 0x88cc);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ETH_UNKNOWN_TYPE), 1);
	len = 13;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ETH_TRUNCATED), 1);
	CHECK_EQ(ctr.rx_frames, 4);
}

static void test_neighbour_solicitation_is_answered(void)
{
	uint8_t f[256];
	uint8_t vip[16], peer[16];
	uint16_t len = ns_frame(f, "2001:2::2", "ff02::1:ff00:1", "2001:2::1", true, 255);
	uint8_t *ip = f + 14, *icmp = f + 54;

	setup();
	inet_pton(AF_INET6, "2001:2::1", vip);
	inet_pton(AF_INET6, "2001:2::2", peer);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_TX);
	CHECK_EQ(len, 14 + 40 + 32);
	CHECK(memcmp(f, peer_mac, 6) == 0);
	CHECK(memcmp(f + 6, our_mac, 6) == 0);
	CHECK(memcmp(ip + 8, vip, 16) == 0);
	CHECK(memcmp(ip + 24, peer, 16) == 0);
	CHECK_EQ(ip[7], 255);
	CHECK_EQ(rd16(ip + 4), 32);
	CHECK_EQ(icmp[0], 136);
	CHECK_EQ(icmp[4], 0x60); /* solicited, override, not a router */
	CHECK(memcmp(icmp + 8, vip, 16) == 0);
	CHECK_EQ(icmp[24], 2);
	CHECK(memcmp(icmp + 26, our_mac, 6) == 0);
	CHECK_EQ(icmp6_sum(ip, icmp, 32), 0);
	CHECK_EQ(ctr.ndp_adverts, 1);
}

static void test_duplicate_address_probe_is_defended(void)
{
	uint8_t f[256];
	uint16_t len = ns_frame(f, "::", "ff02::1:ff00:1", "2001:2::1", false, 255);
	uint8_t all_nodes[16];

	setup();
	inet_pton(AF_INET6, "ff02::1", all_nodes);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_TX);
	CHECK_EQ(f[0], 0x33);
	CHECK_EQ(f[5], 1);
	CHECK(memcmp(f + 14 + 24, all_nodes, 16) == 0);
	CHECK_EQ(f[54 + 4], 0x20); /* not solicited */
	CHECK_EQ(icmp6_sum(f + 14, f + 54, 32), 0);
	/* A probe from :: must not carry a source link-layer address. */
	len = ns_frame(f, "::", "ff02::1:ff00:1", "2001:2::1", true, 255);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_NDP_MALFORMED), 1);
	/* The reply does not fit a buffer too small for it. */
	len = ns_frame(f, "::", "ff02::1:ff00:1", "2001:2::1", false, 255);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, len, &ctr), NET_VERDICT_DROP);
}

static void test_ndp_drops_are_counted(void)
{
	uint8_t f[256];
	uint16_t len;

	setup();
	len = ns_frame(f, "2001:2::2", "ff02::1:ff00:1", "2001:2::1", true, 64);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_NDP_MALFORMED), 1);
	/* Same solicited-node group as the VIP (low 24 bits), other target. */
	len = ns_frame(f, "2001:2::2", "ff02::1:ff00:1", "2001:3::1", true, 255);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_NDP_NOT_FOR_VIP), 1);
	len = ns_frame(f, "2001:2::2", "ff02::1:ff00:9", "2001:2::9", true, 255);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_NOT_FOR_VIP), 1);
	len = ns_frame(f, "2001:2::2", "ff02::1:ff00:1", "2001:2::1", true, 255);
	f[54 + 25] = 0; /* option of length zero */
	{
		uint8_t *ip = f + 14;
		wr16(ip + 40 + 2, 0);
		wr16(ip + 40 + 2, icmp6_sum(ip, ip + 40, 32));
	}
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_NDP_MALFORMED), 2);
}

static void test_icmpv6_echo_is_answered(void)
{
	uint8_t icmp[24] = {128, 0, 0, 0, 0xab, 0xcd, 0, 7};
	uint8_t f[256], vip[16], peer[16];
	uint16_t len;

	for (int hbh = 0; hbh <= 1; hbh++) {
		setup();
		for (int i = 8; i < 24; i++)
			icmp[i] = (uint8_t)(i * 3);
		inet_pton(AF_INET6, "2001:2::1", vip);
		inet_pton(AF_INET6, "2001:2::2", peer);
		len = ip6_frame(f, our_mac, "2001:2::2", "2001:2::1", 64, hbh, icmp, sizeof(icmp));
		CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_TX);
		CHECK_EQ(len, 14 + 40 + 24);
		CHECK_EQ(f[14 + 6], 58);
		CHECK(memcmp(f + 14 + 8, vip, 16) == 0);
		CHECK(memcmp(f + 14 + 24, peer, 16) == 0);
		CHECK_EQ(f[54], 129);
		CHECK(memcmp(f + 54 + 4, icmp + 4, 20) == 0);
		CHECK_EQ(icmp6_sum(f + 14, f + 54, 24), 0);
		CHECK_EQ(ctr.icmp6_echo_replies, 1);
	}
}

static void test_ipv6_drops_are_counted(void)
{
	uint8_t icmp[8] = {128, 0, 0, 0, 0, 1, 0, 1};
	uint8_t f[256];
	uint16_t len;

	setup();
	len = ip6_frame(f, our_mac, "2001:2::2", "2001:2::99", 64, false, icmp, sizeof(icmp));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_NOT_FOR_VIP), 1);
	len = ip6_frame(f, our_mac, "ff02::2", "2001:2::1", 64, false, icmp, sizeof(icmp));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_BAD_SOURCE), 1);
	len = ip6_frame(f, our_mac, "2001:2::2", "2001:2::1", 64, false, icmp, sizeof(icmp));
	f[54 + 7] ^= 0x40;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ICMP6_MALFORMED), 1);
	icmp[0] = 1; /* destination unreachable: nothing to answer */
	len = ip6_frame(f, our_mac, "2001:2::2", "2001:2::1", 64, false, icmp, sizeof(icmp));
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_ICMP6_UNHANDLED), 1);
	len = ip6_frame(f, our_mac, "2001:2::2", "2001:2::1", 64, false, icmp, sizeof(icmp));
	f[14 + 6] = 17; /* ICMP bytes read as UDP: the length field does not hold */
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_MALFORMED), 1);
	f[14 + 6] = 44;
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_FRAGMENT), 1);
	f[14 + 6] = 132; /* SCTP */
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_UNKNOWN_NEXT_HEADER), 1);
	wr16(f + 14 + 4, 500);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_IP6_MALFORMED), 1);
}

/* Every prefix of every valid frame: no crash, no reply, exactly one count each. */
static void test_truncations_never_answer(void)
{
	uint8_t orig[256], f[256];
	uint8_t icmp6[16] = {128, 0, 0, 0, 0, 1, 0, 1};
	uint16_t lens[4];
	uint8_t frames[4][256];
	int answered = 0;

	lens[0] = arp_frame(frames[0], 1, "198.18.0.1");
	lens[1] = echo4(frames[1], "198.18.0.1");
	lens[2] = ns_frame(frames[2], "2001:2::2", "ff02::1:ff00:1", "2001:2::1", true, 255);
	lens[3] = ip6_frame(frames[3], our_mac, "2001:2::2", "2001:2::1", 64, true, icmp6, 16);
	setup();
	for (int k = 0; k < 4; k++) {
		memcpy(orig, frames[k], lens[k]);
		for (uint16_t cut = 0; cut < lens[k]; cut++) {
			uint16_t len = cut;
			memcpy(f, orig, lens[k]);
			if (net_rx_frame(&ifc, f, &len, sizeof(f), &ctr) == NET_VERDICT_TX)
				answered++;
		}
	}
	/* ARP replies are valid from 42 bytes on; nothing shorter than a whole datagram is. */
	CHECK_EQ(answered, 0);
	{
		uint64_t sum = ctr.tx_frames;
		for (int r = 0; r < NET_DROP_MAX; r++)
			sum += ctr.drops[r];
		CHECK_EQ(sum, ctr.rx_frames);
	}
}

/* A UDP datagram with a correct checksum, from the peer to @p dst port @p port. */
static uint16_t udp_frame(uint8_t *f, int family, const char *dst, uint16_t port, bool hbh)
{
	uint8_t dgram[8 + 12] = {0x30,
				 0x39,
				 (uint8_t)(port >> 8),
				 (uint8_t)port,
				 0,
				 20,
				 0,
				 0,
				 0xab,
				 0xcd,
				 1,
				 0,
				 0,
				 1,
				 0,
				 0,
				 0,
				 0,
				 0,
				 0};
	uint16_t len;
	uint8_t *ip;
	uint32_t sum;

	if (family == 4) {
		len = ip4_frame(f, "198.18.0.2", dst, 17, dgram, sizeof(dgram));
		ip = f + 14;
		{
			uint8_t tail[4] = {0, 17, 0, 20};
			sum = net_csum_partial(ip + 12, 8, 0);
			sum = net_csum_partial(tail, 4, sum);
		}
		sum = net_csum_partial(ip + 20, 20, sum);
		wr16(ip + 20 + 6, net_csum_finish(sum));
		return len;
	}
	/* ip6_frame() fills an ICMPv6 checksum: build, then fix up as UDP. */
	len = ip6_frame(f, our_mac, "2001:2::2", dst, 64, hbh, dgram, sizeof(dgram));
	ip = f + 14;
	if (hbh)
		ip[40] = 17;
	else
		ip[6] = 17;
	{
		uint8_t *udp = ip + (hbh ? 48 : 40);
		uint8_t pseudo[8] = {0, 0, 0, 20, 0, 0, 0, 17};
		memcpy(udp, dgram, sizeof(dgram)); /* undo the ICMPv6 checksum it wrote */
		sum = net_csum_partial(ip + 8, 32, 0);
		sum = net_csum_partial(pseudo, 8, sum);
		wr16(udp + 6, net_csum_finish(net_csum_partial(udp, 20, sum)));
	}
	return len;
}

static void test_udp_53_is_handed_up_and_answered(void)
{
	for (int family = 4; family <= 6; family += 2)
		for (int hbh = 0; hbh <= (family == 6 ? 1 : 0); hbh++) {
			uint8_t f[256];
			struct net_l4 l4;
			uint16_t len =
			    udp_frame(f, family, family == 4 ? "198.18.0.1" : "2001:2::1", 53, hbh);
			uint16_t out;
			uint8_t *ip = f + 14, *udp;

			setup();
			CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4),
				 NET_VERDICT_DNS);
			CHECK_EQ(l4.family, family);
			CHECK_EQ(l4.src_port, 12345);
			CHECK_EQ(l4.payload_len, 12);
			CHECK_EQ(f[l4.payload_off], 0xab);
			CHECK_EQ(ctr.dns_datagrams, 1);
			/* The upper layer writes a 30-byte answer in place. */
			memset(f + l4.payload_off + 12, 0x5a, 18);
			out = net_udp_reply(&ifc, f, &l4, 30);
			CHECK(memcmp(f, peer_mac, 6) == 0);
			if (family == 4) {
				CHECK_EQ(out, 14 + 20 + 8 + 30);
				CHECK_EQ(rd16(ip + 2), 58);
				CHECK_EQ(net_csum_finish(net_csum_partial(ip, 20, 0)), 0);
				udp = ip + 20;
				{
					uint8_t tail[4] = {0, 17, 0, 38};
					uint32_t sum = net_csum_partial(ip + 12, 8, 0);
					sum = net_csum_partial(tail, 4, sum);
					CHECK_EQ(net_csum_finish(net_csum_partial(udp, 38, sum)),
						 0);
				}
			} else {
				CHECK_EQ(out, 14 + 40 + 8 + 30);
				CHECK_EQ(ip[6], 17); /* extension headers are not echoed */
				CHECK_EQ(rd16(ip + 4), 38);
				udp = ip + 40;
				{
					uint8_t pseudo[8] = {0, 0, 0, 38, 0, 0, 0, 17};
					uint32_t sum = net_csum_partial(ip + 8, 32, 0);
					sum = net_csum_partial(pseudo, 8, sum);
					CHECK_EQ(net_csum_finish(net_csum_partial(udp, 38, sum)),
						 0);
				}
			}
			CHECK_EQ(rd16(udp), 53);
			CHECK_EQ(rd16(udp + 2), 12345);
			CHECK_EQ(udp[8], 0xab);
			CHECK_EQ(udp[8 + 29], 0x5a);
		}
}

static void test_udp_drops_are_counted(void)
{
	uint8_t f[256];
	struct net_l4 l4;
	uint16_t len;

	setup();
	len = udp_frame(f, 4, "198.18.0.1", 9, false);
	CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_NO_LISTENER), 1);
	len = udp_frame(f, 4, "198.18.0.1", 53, false);
	CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_NO_LISTENER), 2); /* no upper layer given */
	len = udp_frame(f, 4, "198.18.0.1", 53, false);
	f[14 + 20 + 10] ^= 1;
	CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_BAD_CHECKSUM), 1);
	len = udp_frame(f, 6, "2001:2::1", 53, false);
	wr16(f + 14 + 40 + 6, 0); /* IPv6 requires the checksum */
	CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_BAD_CHECKSUM), 2);
	len = udp_frame(f, 4, "198.18.0.1", 53, false);
	wr16(f + 14 + 20 + 6, 0); /* IPv4 may leave it out */
	CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DNS);
	len = udp_frame(f, 4, "198.18.0.1", 53, false);
	wr16(f + 14 + 20 + 4, 400);
	CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
	CHECK_EQ(drops(NET_DROP_UDP_MALFORMED), 1);
}

/* The plain byte-wise RFC 1071 sum, to check the word-wise one against. */
static uint32_t reference_csum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint64_t acc = sum;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static void test_checksum_matches_reference(void)
{
	static uint8_t buf[2100];
	uint32_t rnd = 7;

	for (size_t i = 0; i < sizeof(buf); i++) {
		rnd = rnd * 1103515245u + 12345u;
		buf[i] = (uint8_t)(rnd >> 16);
	}
	for (int k = 0; k < 3000; k++) {
		uint32_t off, len, start;
		rnd = rnd * 1103515245u + 12345u;
		off = (rnd >> 8) % 64;
		rnd = rnd * 1103515245u + 12345u;
		len = (rnd >> 8) % 2000;
		rnd = rnd * 1103515245u + 12345u;
		start = (rnd >> 8) % 0x20000; /* partial sums may exceed 16 bits */
		CHECK_EQ(net_csum_finish(net_csum_partial(buf + off, len, start)),
			 net_csum_finish(reference_csum(buf + off, len, start)));
	}
	/* All ones: the carries of every fold. */
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(net_csum_finish(net_csum_partial(buf, 2001, 0xffff)),
		 net_csum_finish(reference_csum(buf, 2001, 0xffff)));
}

static void test_counters_add_and_names(void)
{
	struct net_counters a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	b.rx_frames = 3;
	b.drops[NET_DROP_ETH_VLAN] = 2;
	net_counters_add(&a, &b);
	net_counters_add(&a, &b);
	CHECK_EQ(a.rx_frames, 6);
	CHECK_EQ(a.drops[NET_DROP_ETH_VLAN], 4);
	for (unsigned r = 0; r < NET_DROP_MAX; r++)
		CHECK(strcmp(net_drop_reason_name(r), "unknown") != 0);
	CHECK(strcmp(net_drop_reason_name(NET_DROP_MAX), "unknown") == 0);
	CHECK(strcmp(net_drop_reason_name(NET_DROP_TCP_NO_LISTENER), "tcp_no_listener") == 0);
}

/*
 * A segment built by net_tcp_frame() (as if the peer had sent it to our VIP:
 * frames are built from the peer's side, then received) is handed up with
 * its addresses; a flipped bit or a short header is dropped and counted.
 */
static void test_tcp_is_handed_up_with_checksum_checked(void)
{
	static const struct {
		uint8_t family;
		const char *peer, *vip;
	} cases[] = {{4, "198.18.0.2", "198.18.0.1"}, {6, "2001:2::2", "2001:2::1"}};

	for (unsigned k = 0; k < 2; k++) {
		uint8_t f[256], peer[16], vip[16];
		struct net_l4 l4;
		struct net_iface peer_ifc;
		unsigned off = net_tcp_header_offset(cases[k].family);
		uint16_t len;
		int af = cases[k].family == 4 ? AF_INET : AF_INET6;

		setup();
		memset(&peer_ifc, 0, sizeof(peer_ifc));
		memcpy(peer_ifc.mac, peer_mac, 6);
		inet_pton(af, cases[k].peer, peer);
		inet_pton(af, cases[k].vip, vip);
		memset(f, 0, sizeof(f));
		wr16(f + off, 40000);
		wr16(f + off + 2, 53);
		f[off + 12] = 5 << 4;
		f[off + 13] = 0x02; /* SYN */
		memcpy(f + off + 20, "data", 4);
		len = net_tcp_frame(&peer_ifc, f, cases[k].family, peer, vip, our_mac, 24);
		CHECK_EQ(len, off + 24);
		CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_TCP);
		CHECK_EQ(l4.family, cases[k].family);
		CHECK_EQ(l4.src_port, 40000);
		CHECK_EQ(l4.dst_port, 53);
		CHECK_EQ(l4.l4_off, off);
		CHECK_EQ(l4.payload_len, 24);
		CHECK(memcmp(l4.src_addr, peer, cases[k].family == 4 ? 4 : 16) == 0);
		CHECK(memcmp(l4.dst_addr, vip, cases[k].family == 4 ? 4 : 16) == 0);
		CHECK_EQ(ctr.tcp_segments, 1);
		/* Without an upper layer: tcp_no_listener, as before. */
		CHECK_EQ(net_rx_frame(&ifc, f, &len, sizeof(f), &ctr), NET_VERDICT_DROP);
		CHECK_EQ(ctr.drops[NET_DROP_TCP_NO_LISTENER], 1);
		f[off + 21] ^= 0x10;
		CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
		CHECK_EQ(ctr.drops[NET_DROP_TCP_BAD_CHECKSUM], 1);
		f[off + 21] ^= 0x10;
		f[off + 12] = 7 << 4; /* a 28-byte header in a 24-byte segment */
		CHECK_EQ(net_rx_frame_l4(&ifc, f, &len, sizeof(f), &ctr, &l4), NET_VERDICT_DROP);
		CHECK_EQ(ctr.drops[NET_DROP_TCP_MALFORMED], 1);
	}
}

/*
 * The checksum over pieces equals the contiguous one for every split of odd
 * and even lengths, and a frame built by net_tcp_frame_iov() (header in the
 * frame, payload in pieces) carries the checksum net_tcp_frame() computes.
 */
static void test_tcp_checksum_over_pieces(void)
{
	static const uint8_t family[2] = {4, 6};
	uint8_t data[1500];
	uint32_t seed = 12345;

	for (unsigned i = 0; i < sizeof(data); i++) {
		seed = seed * 1103515245u + 12345u;
		data[i] = (uint8_t)(seed >> 16);
	}
	for (unsigned trial = 0; trial < 200; trial++) {
		struct net_iov iov[4];
		uint32_t len = 1 + trial * 7 % (uint32_t)sizeof(data), left = len, off = 0;
		unsigned n = 0;
		while (left > 0 && n < 4) {
			seed = seed * 1103515245u + 12345u;
			uint32_t piece = n == 3 ? left : 1 + (seed >> 16) % left;
			iov[n].base = data + off;
			iov[n].len = piece;
			off += piece;
			left -= piece;
			n++;
		}
		CHECK_EQ(net_csum_iov(iov, n, 77), net_csum_partial(data, len, 77));
	}
	for (unsigned k = 0; k < 2; k++) {
		uint8_t a[1600], b[1600], src[16] = {198, 18, 0, 1}, dst[16] = {198, 18, 0, 2};
		unsigned off = net_tcp_header_offset(family[k]);
		struct net_iov iov[3] = {{data, 333}, {data + 333, 1}, {data + 334, 777}};
		uint16_t la, lb;

		memset(a, 0, sizeof(a));
		wr16(a + off, 53);
		wr16(a + off + 2, 40000);
		a[off + 12] = 8 << 4; /* 32-byte header */
		a[off + 13] = 0x18;
		memcpy(b, a, sizeof(b));
		memcpy(a + off + 32, data, 1111);
		la = net_tcp_frame(&ifc, a, family[k], src, dst, peer_mac, 32 + 1111);
		lb = net_tcp_frame_iov(&ifc, b, family[k], src, dst, peer_mac, 32, iov, 3, 1111);
		CHECK_EQ(la, lb + 1111);
		CHECK(memcmp(a, b, lb) == 0);
	}
}

int main(void)
{
	RUN(test_vip_validation);
	RUN(test_arp_request_for_vip_is_answered);
	RUN(test_arp_drops_are_counted);
	RUN(test_icmp_echo_is_answered);
	RUN(test_ipv4_drops_are_counted);
	RUN(test_ethernet_drops_are_counted);
	RUN(test_neighbour_solicitation_is_answered);
	RUN(test_duplicate_address_probe_is_defended);
	RUN(test_ndp_drops_are_counted);
	RUN(test_icmpv6_echo_is_answered);
	RUN(test_ipv6_drops_are_counted);
	RUN(test_truncations_never_answer);
	RUN(test_udp_53_is_handed_up_and_answered);
	RUN(test_udp_drops_are_counted);
	RUN(test_checksum_matches_reference);
	RUN(test_counters_add_and_names);
	RUN(test_tcp_is_handed_up_with_checksum_checked);
	RUN(test_tcp_checksum_over_pieces);
	return tap_done();
}
