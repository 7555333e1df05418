/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#define ARP_LEN		28
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2
#define ARP_HTYPE_ETHER 1

enum net_verdict net_arp_rx(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			    uint16_t cap, struct net_counters *c)
{
	uint8_t *arp = frame + ETH_HDR_LEN;
	uint8_t sha[NET_ETHER_ADDR_LEN], spa[4], tpa[4];
	bool ours = false;

	if (*len < ETH_HDR_LEN + ARP_LEN)
		return net_drop(c, NET_DROP_ARP_MALFORMED);
	if (rd16(arp) != ARP_HTYPE_ETHER || rd16(arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 ||
	    arp[5] != 4)
		return net_drop(c, NET_DROP_ARP_MALFORMED);
	if (rd16(arp + 6) != ARP_OP_REQUEST)
		return net_drop(c, NET_DROP_ARP_NOT_REQUEST);
	memcpy(tpa, arp + 24, 4);
	for (unsigned i = 0; i < ifc->n_vip4 && !ours; i++)
		ours = memcmp(&ifc->vip4[i], tpa, 4) == 0;
	if (!ours)
		return net_drop(c, NET_DROP_ARP_NOT_FOR_VIP);
	/* A sender hardware address that is multicast is a forgery. */
	if (arp[8] & 1)
		return net_drop(c, NET_DROP_ARP_MALFORMED);

	memcpy(sha, arp + 8, NET_ETHER_ADDR_LEN);
	memcpy(spa, arp + 14, 4);
	/* Reply to the asker's hardware address, whatever the frame's source. */
	memcpy(frame, sha, NET_ETHER_ADDR_LEN);
	memcpy(frame + NET_ETHER_ADDR_LEN, ifc->mac, NET_ETHER_ADDR_LEN);
	wr16(arp + 6, ARP_OP_REPLY);
	memcpy(arp + 8, ifc->mac, NET_ETHER_ADDR_LEN);
	memcpy(arp + 14, tpa, 4);
	memcpy(arp + 18, sha, NET_ETHER_ADDR_LEN);
	memcpy(arp + 24, spa, 4);
	*len = ETH_HDR_LEN + ARP_LEN;
	eth_pad(frame, len, cap);
	c->arp_replies++;
	return NET_VERDICT_TX;
}
