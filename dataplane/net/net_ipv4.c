/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#include <arpa/inet.h>

#define IP4_MIN_HDR	20
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO	8
#define ICMP_HDR_LEN	8
#define REPLY_TTL	64

static bool is_vip4(const struct net_iface *ifc, const uint8_t *addr)
{
	for (unsigned i = 0; i < ifc->n_vip4; i++)
		if (memcmp(&ifc->vip4[i], addr, 4) == 0)
			return true;
	return false;
}

static bool bad_source4(const struct net_iface *ifc, const uint8_t *src)
{
	uint32_t h =
	    (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];

	/* Never answer to an address that is not one host: it would reflect. */
	return h == 0 || h == 0xffffffffu || (h >> 28) == 0xe || (h >> 24) == 127 ||
	       is_vip4(ifc, src);
}

static enum net_verdict icmp4_rx(const struct net_iface *ifc, uint8_t *frame, uint8_t *ip,
				 uint16_t ihl, uint16_t total, uint16_t *len,
				 struct net_counters *c)
{
	uint8_t *icmp = ip + ihl;
	uint16_t icmp_len = (uint16_t)(total - ihl);
	uint8_t tmp[4];
	uint32_t sum;

	if (icmp_len < ICMP_HDR_LEN || net_csum_finish(net_csum_partial(icmp, icmp_len, 0)) != 0)
		return net_drop(c, NET_DROP_ICMP4_MALFORMED);
	if (icmp[0] != ICMP_ECHO || icmp[1] != 0)
		return net_drop(c, NET_DROP_ICMP4_UNHANDLED);

	/* Type 8 -> 0 changes one 16-bit word: update the sum (RFC 1624). */
	icmp[0] = ICMP_ECHO_REPLY;
	sum = (uint16_t)~rd16(icmp + 2);
	sum += (uint16_t) ~(ICMP_ECHO << 8);
	sum += (uint16_t)(ICMP_ECHO_REPLY << 8);
	wr16(icmp + 2, net_csum_finish(sum));

	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = REPLY_TTL;
	wr16(ip + 10, 0);
	wr16(ip + 10, net_csum_finish(net_csum_partial(ip, ihl, 0)));
	eth_reply(ifc, frame);
	*len = (uint16_t)(ETH_HDR_LEN + total);
	c->icmp4_echo_replies++;
	return NET_VERDICT_TX;
}

enum net_verdict net_ipv4_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			     uint16_t cap, struct net_counters *c, bool l2_unicast,
			     struct net_l4 *l4)
{
	uint8_t *ip = frame + ETH_HDR_LEN;
	uint16_t avail = (uint16_t)(*len - ETH_HDR_LEN);
	uint16_t ihl, total, frag;

	if (avail < IP4_MIN_HDR || (ip[0] >> 4) != 4)
		return net_drop(c, NET_DROP_IP4_MALFORMED);
	ihl = (uint16_t)((ip[0] & 0xf) * 4);
	total = rd16(ip + 2);
	if (ihl < IP4_MIN_HDR || total < ihl || total > avail)
		return net_drop(c, NET_DROP_IP4_MALFORMED);
	if (net_csum_finish(net_csum_partial(ip, ihl, 0)) != 0)
		return net_drop(c, NET_DROP_IP4_BAD_CHECKSUM);
	if (!is_vip4(ifc, ip + 16) || !l2_unicast)
		return net_drop(c, NET_DROP_IP4_NOT_FOR_VIP);
	if (bad_source4(ifc, ip + 12))
		return net_drop(c, NET_DROP_IP4_BAD_SOURCE);
	frag = rd16(ip + 6);
	/* MF set or a non-zero offset: we do not reassemble. */
	if (frag & 0x3fff)
		return net_drop(c, NET_DROP_IP4_FRAGMENT);

	switch (ip[9]) {
	case IPPROTO_ICMP_:
		return icmp4_rx(ifc, frame, ip, ihl, total, len, c);
	case IPPROTO_UDP_:
		return net_udp_rx(c, frame, ip, ihl, total, 4, l4);
	case IPPROTO_TCP_:
		return net_tcp_rx(c, frame, ip, ihl, total, 4, l4);
	default:
		(void)cap;
		return net_drop(c, NET_DROP_IP4_UNKNOWN_PROTO);
	}
}
