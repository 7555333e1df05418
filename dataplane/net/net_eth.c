/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#include "base.h"

#include <arpa/inet.h>
#include <errno.h>

static const char *const drop_names[NET_DROP_MAX] = {
#define NET_DROP_NAME(id, name) [NET_DROP_##id] = name,
    NET_DROP_REASONS(NET_DROP_NAME)
#undef NET_DROP_NAME
};

const char *net_drop_reason_name(unsigned reason)
{
	return reason < NET_DROP_MAX ? drop_names[reason] : "unknown";
}

void net_counters_add(struct net_counters *into, const struct net_counters *from)
{
	into->rx_frames += from->rx_frames;
	into->tx_frames += from->tx_frames;
	into->arp_replies += from->arp_replies;
	into->icmp4_echo_replies += from->icmp4_echo_replies;
	into->icmp6_echo_replies += from->icmp6_echo_replies;
	into->ndp_adverts += from->ndp_adverts;
	into->dns_datagrams += from->dns_datagrams;
	into->tcp_segments += from->tcp_segments;
	for (unsigned i = 0; i < NET_DROP_MAX; i++)
		into->drops[i] += from->drops[i];
}

int net_iface_add_vip(struct net_iface *ifc, const char *addr)
{
	uint8_t a6[16];
	uint32_t a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		uint32_t h = ntohl(a4);
		/* Only a unicast address can be a VIP. */
		if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe || (h >> 24) == 127)
			return -EINVAL;
		for (unsigned i = 0; i < ifc->n_vip4; i++)
			if (ifc->vip4[i] == a4)
				return -EEXIST;
		if (ifc->n_vip4 >= NET_MAX_VIPS)
			return -POP_ELIMIT;
		ifc->vip4[ifc->n_vip4++] = a4;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a6) == 1) {
		static const uint8_t zero[16];
		if (a6[0] == 0xff || memcmp(a6, zero, 16) == 0)
			return -EINVAL;
		for (unsigned i = 0; i < ifc->n_vip6; i++)
			if (memcmp(ifc->vip6[i], a6, 16) == 0)
				return -EEXIST;
		if (ifc->n_vip6 >= NET_MAX_VIPS)
			return -POP_ELIMIT;
		memcpy(ifc->vip6[ifc->n_vip6++], a6, 16);
		return 0;
	}
	return -EINVAL;
}

static const uint8_t eth_broadcast[NET_ETHER_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum net_verdict net_rx_frame(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			      uint16_t cap, struct net_counters *c)
{
	return net_rx_frame_l4(ifc, frame, len, cap, c, NULL);
}

enum net_verdict net_rx_frame_l4(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
				 uint16_t cap, struct net_counters *c, struct net_l4 *l4)
{
	enum net_verdict v;
	uint16_t type;
	bool unicast, broadcast;

	c->rx_frames++;
	if (*len < ETH_HDR_LEN)
		return net_drop(c, NET_DROP_ETH_TRUNCATED);
	unicast = memcmp(frame, ifc->mac, NET_ETHER_ADDR_LEN) == 0;
	broadcast = memcmp(frame, eth_broadcast, NET_ETHER_ADDR_LEN) == 0;
	type = rd16(frame + 12);

	switch (type) {
	case ETHERTYPE_ARP:
		if (!unicast && !broadcast)
			return net_drop(c, NET_DROP_ETH_NOT_FOR_US);
		v = net_arp_rx(ifc, frame, len, cap, c);
		break;
	case ETHERTYPE_IPV4:
		if (!unicast && !broadcast)
			return net_drop(c, NET_DROP_ETH_NOT_FOR_US);
		v = net_ipv4_rx(ifc, frame, len, cap, c, unicast, l4);
		break;
	case ETHERTYPE_IPV6:
		/* 33:33:xx is IPv6 multicast: neighbour solicitations come that way. */
		if (!unicast && !(frame[0] == 0x33 && frame[1] == 0x33))
			return net_drop(c, NET_DROP_ETH_NOT_FOR_US);
		v = net_ipv6_rx(ifc, frame, len, cap, c, l4);
		break;
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
		return net_drop(c, NET_DROP_ETH_VLAN);
	default:
		return net_drop(c, NET_DROP_ETH_UNKNOWN_TYPE);
	}
	if (v == NET_VERDICT_TX)
		c->tx_frames++;
	return v;
}
