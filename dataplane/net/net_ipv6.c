/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#define IP6_HDR_LEN	    40
#define IP6_MAX_EXT	    4
#define NH_HOP_BY_HOP	    0
#define NH_ROUTING	    43
#define NH_FRAGMENT	    44
#define NH_DEST_OPTS	    60
#define ICMP6_ECHO	    128
#define ICMP6_ECHO_REPLY    129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_NS_LEN	    24
#define ND_OPT_SLLA	    1
#define ND_OPT_TLLA	    2
#define ND_NA_LEN	    (ND_NS_LEN + 8)
#define REPLY_HOP_LIMIT	    64

static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static bool is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

static int vip6_index(const struct net_iface *ifc, const uint8_t *addr)
{
	for (unsigned i = 0; i < ifc->n_vip6; i++)
		if (memcmp(ifc->vip6[i], addr, 16) == 0)
			return (int)i;
	return -1;
}

/* ff02::1:ffXX:XXXX for a VIP's low 24 bits (RFC 4291 2.7.1). */
static bool is_solicited_node_of_vip(const struct net_iface *ifc, const uint8_t *addr)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

	if (memcmp(addr, prefix, sizeof(prefix)) != 0)
		return false;
	for (unsigned i = 0; i < ifc->n_vip6; i++)
		if (memcmp(ifc->vip6[i] + 13, addr + 13, 3) == 0)
			return true;
	return false;
}

static uint16_t icmp6_csum(const uint8_t *ip, const uint8_t *icmp, uint32_t icmp_len)
{
	uint8_t pseudo[8] = {0};
	uint32_t sum;

	pseudo[0] = (uint8_t)(icmp_len >> 24);
	pseudo[1] = (uint8_t)(icmp_len >> 16);
	pseudo[2] = (uint8_t)(icmp_len >> 8);
	pseudo[3] = (uint8_t)icmp_len;
	pseudo[7] = IPPROTO_ICMPV6_;
	sum = net_csum_partial(ip + 8, 32, 0);
	sum = net_csum_partial(pseudo, sizeof(pseudo), sum);
	return net_csum_finish(net_csum_partial(icmp, icmp_len, sum));
}

/* Answer a neighbour solicitation for a VIP with an advertisement (RFC 4861 7.2.4). */
static enum net_verdict ndp_solicit_rx(const struct net_iface *ifc, uint8_t *frame, uint8_t *ip,
				       uint8_t *icmp, uint16_t icmp_len, uint16_t *len,
				       uint16_t cap, struct net_counters *c)
{
	bool from_unspecified = is_unspecified(ip + 8);
	bool has_slla = false;
	const uint8_t *target = icmp + 8;
	uint16_t off;

	/* Validation of RFC 4861 7.1.1. */
	if (ip[7] != 255 || icmp[1] != 0 || icmp_len < ND_NS_LEN || target[0] == 0xff)
		return net_drop(c, NET_DROP_NDP_MALFORMED);
	for (off = ND_NS_LEN; off + 2 <= icmp_len;) {
		uint16_t opt_len = (uint16_t)(icmp[off + 1] * 8);
		if (opt_len == 0 || off + opt_len > icmp_len)
			return net_drop(c, NET_DROP_NDP_MALFORMED);
		if (icmp[off] == ND_OPT_SLLA)
			has_slla = true;
		off = (uint16_t)(off + opt_len);
	}
	if (off != icmp_len)
		return net_drop(c, NET_DROP_NDP_MALFORMED);
	if (from_unspecified && (has_slla || ip[24] != 0xff))
		return net_drop(c, NET_DROP_NDP_MALFORMED);
	if (vip6_index(ifc, target) < 0)
		return net_drop(c, NET_DROP_NDP_NOT_FOR_VIP);
	/* Multicast only to the target's own solicited-node group. */
	if (ip[24] == 0xff && memcmp(ip + 24 + 13, target + 13, 3) != 0)
		return net_drop(c, NET_DROP_NDP_NOT_FOR_VIP);
	if (ip[24] != 0xff && memcmp(ip + 24, target, 16) != 0)
		return net_drop(c, NET_DROP_NDP_NOT_FOR_VIP);
	if (ETH_HDR_LEN + IP6_HDR_LEN + ND_NA_LEN > cap)
		return net_drop(c, NET_DROP_NDP_MALFORMED);

	if (from_unspecified) {
		/* A duplicate-address probe: defend the VIP to all nodes. */
		static const uint8_t mc_all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
		memcpy(frame, mc_all_nodes, 6);
		memcpy(frame + 6, ifc->mac, 6);
		memcpy(ip + 24, all_nodes, 16);
	} else {
		eth_reply(ifc, frame);
		memcpy(ip + 24, ip + 8, 16);
	}
	memmove(ip + 8, target, 16);
	wr16(ip + 4, ND_NA_LEN);
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = 255;
	icmp = ip + IP6_HDR_LEN;
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[1] = 0;
	wr16(icmp + 2, 0);
	/* Not a router; solicited unless answering a probe; override. */
	icmp[4] = (uint8_t)((from_unspecified ? 0 : 0x40) | 0x20);
	icmp[5] = icmp[6] = icmp[7] = 0;
	memcpy(icmp + 8, ip + 8, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, ifc->mac, 6);
	wr16(icmp + 2, icmp6_csum(ip, icmp, ND_NA_LEN));
	*len = ETH_HDR_LEN + IP6_HDR_LEN + ND_NA_LEN;
	c->ndp_adverts++;
	return NET_VERDICT_TX;
}

static enum net_verdict icmp6_echo_rx(const struct net_iface *ifc, uint8_t *frame, uint8_t *ip,
				      uint8_t *icmp, uint16_t icmp_len, uint16_t *len,
				      struct net_counters *c)
{
	uint8_t tmp[16];

	if (icmp[1] != 0)
		return net_drop(c, NET_DROP_ICMP6_MALFORMED);
	/* Extension headers are not echoed: the reply carries ICMPv6 right away. */
	if (icmp != ip + IP6_HDR_LEN) {
		memmove(ip + IP6_HDR_LEN, icmp, icmp_len);
		icmp = ip + IP6_HDR_LEN;
	}
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	wr16(ip + 4, icmp_len);
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = REPLY_HOP_LIMIT;
	icmp[0] = ICMP6_ECHO_REPLY;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, icmp6_csum(ip, icmp, icmp_len));
	eth_reply(ifc, frame);
	*len = (uint16_t)(ETH_HDR_LEN + IP6_HDR_LEN + icmp_len);
	c->icmp6_echo_replies++;
	return NET_VERDICT_TX;
}

enum net_verdict net_ipv6_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			     uint16_t cap, struct net_counters *c, struct net_l4 *l4)
{
	uint8_t *ip = frame + ETH_HDR_LEN;
	uint16_t avail = (uint16_t)(*len - ETH_HDR_LEN);
	uint16_t payload, off;
	uint8_t nh;
	bool unicast_vip;

	if (avail < IP6_HDR_LEN || (ip[0] >> 4) != 6)
		return net_drop(c, NET_DROP_IP6_MALFORMED);
	payload = rd16(ip + 4);
	if (payload > avail - IP6_HDR_LEN)
		return net_drop(c, NET_DROP_IP6_MALFORMED);
	unicast_vip = vip6_index(ifc, ip + 24) >= 0;
	if (!unicast_vip && !is_solicited_node_of_vip(ifc, ip + 24))
		return net_drop(c, NET_DROP_IP6_NOT_FOR_VIP);
	if (ip[8] == 0xff || vip6_index(ifc, ip + 8) >= 0)
		return net_drop(c, NET_DROP_IP6_BAD_SOURCE);

	nh = ip[6];
	off = IP6_HDR_LEN;
	for (unsigned n = 0; nh == NH_HOP_BY_HOP || nh == NH_DEST_OPTS || nh == NH_ROUTING; n++) {
		uint16_t ext_len;
		if (n == IP6_MAX_EXT || off + 8 > IP6_HDR_LEN + payload)
			return net_drop(c, NET_DROP_IP6_MALFORMED);
		ext_len = (uint16_t)((ip[off + 1] + 1) * 8);
		if (off + ext_len > IP6_HDR_LEN + payload)
			return net_drop(c, NET_DROP_IP6_MALFORMED);
		/* A routing header with segments left would make us a router. */
		if (nh == NH_ROUTING && ip[off + 3] != 0)
			return net_drop(c, NET_DROP_IP6_UNKNOWN_NEXT_HEADER);
		nh = ip[off];
		off = (uint16_t)(off + ext_len);
	}
	if (nh == NH_FRAGMENT)
		return net_drop(c, NET_DROP_IP6_FRAGMENT);

	if (nh == IPPROTO_ICMPV6_) {
		uint8_t *icmp = ip + off;
		uint16_t icmp_len = (uint16_t)(IP6_HDR_LEN + payload - off);
		if (icmp_len < 4 || icmp6_csum(ip, icmp, icmp_len) != 0)
			return net_drop(c, NET_DROP_ICMP6_MALFORMED);
		if (icmp[0] == ND_NEIGHBOR_SOLICIT)
			return ndp_solicit_rx(ifc, frame, ip, icmp, icmp_len, len, cap, c);
		if (!unicast_vip)
			return net_drop(c, NET_DROP_IP6_NOT_FOR_VIP);
		if (icmp[0] == ICMP6_ECHO && icmp_len >= 8)
			return icmp6_echo_rx(ifc, frame, ip, icmp, icmp_len, len, c);
		return net_drop(c, NET_DROP_ICMP6_UNHANDLED);
	}
	if (!unicast_vip)
		return net_drop(c, NET_DROP_IP6_NOT_FOR_VIP);
	if (nh == IPPROTO_UDP_)
		return net_udp_rx(c, frame, ip, off, (uint16_t)(IP6_HDR_LEN + payload), 6, l4);
	if (nh == IPPROTO_TCP_)
		return net_tcp_rx(c, frame, ip, off, (uint16_t)(IP6_HDR_LEN + payload), 6, l4);
	return net_drop(c, NET_DROP_IP6_UNKNOWN_NEXT_HEADER);
}
