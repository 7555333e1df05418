/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#define REPLY_TTL 64

/* The pseudo-header sum of RFC 768 / RFC 8200 8.1. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t family, uint16_t udp_len)
{
	uint8_t tail[4] = {0, 0, (uint8_t)(udp_len >> 8), (uint8_t)udp_len};
	uint32_t sum;

	if (family == 4) {
		sum = net_csum_partial(ip + 12, 8, 0);
		tail[1] = IPPROTO_UDP_;
		return net_csum_partial(tail, 4, sum);
	}
	sum = net_csum_partial(ip + 8, 32, 0);
	sum = net_csum_partial(tail + 2, 2, sum); /* the 32-bit length's low half */
	tail[2] = 0;
	tail[3] = IPPROTO_UDP_;
	return net_csum_partial(tail + 2, 2, sum);
}

enum net_verdict net_udp_rx(struct net_counters *c, uint8_t *frame, uint8_t *ip, uint16_t l4_off,
			    uint16_t ip_end, uint8_t family, struct net_l4 *l4)
{
	uint8_t *udp = ip + l4_off;
	uint16_t udp_len, dport, sum_field;
	uint16_t l3_off = (uint16_t)(ip - frame);

	if (l4_off + UDP_HDR_LEN > ip_end)
		return net_drop(c, NET_DROP_UDP_MALFORMED);
	udp_len = rd16(udp + 4);
	if (udp_len < UDP_HDR_LEN || udp_len > ip_end - l4_off)
		return net_drop(c, NET_DROP_UDP_MALFORMED);
	dport = rd16(udp + 2);
	if (dport != NET_DNS_PORT || l4 == NULL)
		return net_drop(c, NET_DROP_UDP_NO_LISTENER);
	sum_field = rd16(udp + 6);
	/* IPv4 may leave the checksum out (0); IPv6 may not. */
	if (sum_field != 0 || family == 6) {
		if (sum_field == 0 || net_csum_finish(net_csum_partial(
					  udp, udp_len, pseudo_sum(ip, family, udp_len))) != 0)
			return net_drop(c, NET_DROP_UDP_BAD_CHECKSUM);
	}
	l4->family = family;
	memset(l4->src_addr, 0, sizeof(l4->src_addr));
	memcpy(l4->src_addr, family == 4 ? ip + 12 : ip + 8, family == 4 ? 4 : 16);
	l4->src_port = rd16(udp);
	l4->dst_port = dport;
	l4->l3_off = l3_off;
	l4->l4_off = (uint16_t)(l3_off + l4_off);
	l4->payload_off = (uint16_t)(l4->l4_off + UDP_HDR_LEN);
	l4->payload_len = (uint16_t)(udp_len - UDP_HDR_LEN);
	/* The reply goes out without extension headers, fitting a 1500-byte MTU. */
	l4->max_reply_payload = (uint16_t)(NET_MTU - (family == 4 ? (l4_off) : 40) - UDP_HDR_LEN);
	c->dns_datagrams++;
	return NET_VERDICT_DNS;
}

uint16_t net_udp_reply(const struct net_iface *ifc, uint8_t *frame, const struct net_l4 *l4,
		       uint16_t payload_len)
{
	uint8_t *ip = frame + l4->l3_off;
	uint8_t *udp = frame + l4->l4_off;
	uint16_t udp_len = (uint16_t)(UDP_HDR_LEN + payload_len), sport;
	uint8_t tmp[16];

	if (l4->family == 6 && l4->l4_off != l4->l3_off + 40) {
		/* Drop the query's extension headers: move UDP up to the fixed header. */
		memmove(ip + 40, udp, udp_len);
		udp = ip + 40;
	}
	sport = rd16(udp);
	wr16(udp, rd16(udp + 2));
	wr16(udp + 2, sport);
	wr16(udp + 4, udp_len);
	wr16(udp + 6, 0);
	if (l4->family == 4) {
		uint16_t ihl = (uint16_t)((ip[0] & 0xf) * 4);
		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
		wr16(ip + 2, (uint16_t)(ihl + udp_len));
		wr16(ip + 6, 0); /* no fragments: DF clear, offset 0 */
		ip[8] = REPLY_TTL;
		wr16(ip + 10, 0);
		wr16(ip + 10, net_csum_finish(net_csum_partial(ip, ihl, 0)));
	} else {
		memcpy(tmp, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, tmp, 16);
		wr16(ip + 4, udp_len);
		ip[6] = IPPROTO_UDP_;
		ip[7] = REPLY_TTL;
	}
	{
		uint16_t sum = net_csum_finish(
		    net_csum_partial(udp, udp_len, pseudo_sum(ip, l4->family, udp_len)));
		wr16(udp + 6, sum == 0 ? 0xffff : sum);
	}
	eth_reply(ifc, frame);
	return (uint16_t)((udp - frame) + udp_len);
}
