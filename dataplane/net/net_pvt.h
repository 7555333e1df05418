/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the net module's files only. */
#ifndef POP_NET_PVT_H
#define POP_NET_PVT_H

#include "net.h"

#include <string.h>

#define ETH_HDR_LEN	14
#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8
#define ETHERTYPE_IPV6	0x86dd
#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_ 58
#define ETH_MIN_FRAME	60

/* Frames are not aligned for wider loads: read and write bytes. */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline enum net_verdict net_drop(struct net_counters *c, enum net_drop_reason why)
{
	c->drops[why]++;
	return NET_VERDICT_DROP;
}

/* Turn the Ethernet header around: reply to the sender from our MAC. */
static inline void eth_reply(const struct net_iface *ifc, uint8_t *frame)
{
	memcpy(frame, frame + NET_ETHER_ADDR_LEN, NET_ETHER_ADDR_LEN);
	memcpy(frame + NET_ETHER_ADDR_LEN, ifc->mac, NET_ETHER_ADDR_LEN);
}

enum net_verdict net_arp_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			    uint16_t cap, struct net_counters *c);
enum net_verdict net_ipv4_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			     uint16_t cap, struct net_counters *c, bool l2_unicast,
			     struct net_l4 *l4);
enum net_verdict net_ipv6_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			     uint16_t cap, struct net_counters *c, struct net_l4 *l4);

#define UDP_HDR_LEN 8
#define NET_MTU	    1500

/*
 * A UDP datagram for a VIP: @p l4_off is the UDP header's offset from @p ip,
 * @p ip_end the end of the IP datagram (from @p ip). Hands port 53 up.
 */
enum net_verdict net_udp_rx(struct net_counters *c, uint8_t *frame, uint8_t *ip, uint16_t l4_off,
			    uint16_t ip_end, uint8_t family, struct net_l4 *l4);

/* A TCP segment for a VIP: as net_udp_rx(), handed up as NET_VERDICT_TCP. */
enum net_verdict net_tcp_rx(struct net_counters *c, uint8_t *frame, uint8_t *ip, uint16_t l4_off,
			    uint16_t ip_end, uint8_t family, struct net_l4 *l4);

/* Pad short replies to the Ethernet minimum when the buffer allows. */
static inline void eth_pad(uint8_t *frame, uint16_t *len, uint16_t cap)
{
	if (*len < ETH_MIN_FRAME && cap >= ETH_MIN_FRAME) {
		memset(frame + *len, 0, (size_t)(ETH_MIN_FRAME - *len));
		*len = ETH_MIN_FRAME;
	}
}

#endif
