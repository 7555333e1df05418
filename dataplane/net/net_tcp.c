/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_pvt.h"

#define TCP_MIN_HDR 20
#define TCP_TTL	    64

/* The pseudo-header sum (RFC 9293 3.1, RFC 8200 8.1) for protocol 6. */
static uint32_t tcp_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint8_t family,
			       uint16_t tcp_len)
{
	uint8_t tail[4] = {0, IPPROTO_TCP_, (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len};
	size_t n = family == 4 ? 4 : 16;
	uint32_t sum = net_csum_partial(src, (uint32_t)n, 0);

	sum = net_csum_partial(dst, (uint32_t)n, sum);
	return net_csum_partial(tail, 4, sum);
}

enum net_verdict net_tcp_rx(struct net_counters *c, uint8_t *frame, uint8_t *ip, uint16_t l4_off,
			    uint16_t ip_end, uint8_t family, struct net_l4 *l4)
{
	uint8_t *tcp = ip + l4_off;
	uint16_t tcp_len, doff;
	const uint8_t *src = family == 4 ? ip + 12 : ip + 8;
	const uint8_t *dst = family == 4 ? ip + 16 : ip + 24;

	if (l4 == NULL)
		return net_drop(c, NET_DROP_TCP_NO_LISTENER);
	if (l4_off + TCP_MIN_HDR > ip_end)
		return net_drop(c, NET_DROP_TCP_MALFORMED);
	tcp_len = (uint16_t)(ip_end - l4_off);
	doff = (uint16_t)((tcp[12] >> 4) * 4);
	if (doff < TCP_MIN_HDR || doff > tcp_len)
		return net_drop(c, NET_DROP_TCP_MALFORMED);
	if (net_csum_finish(
		net_csum_partial(tcp, tcp_len, tcp_pseudo_sum(src, dst, family, tcp_len))) != 0)
		return net_drop(c, NET_DROP_TCP_BAD_CHECKSUM);
	l4->family = family;
	memset(l4->src_addr, 0, sizeof(l4->src_addr));
	memset(l4->dst_addr, 0, sizeof(l4->dst_addr));
	memcpy(l4->src_addr, src, family == 4 ? 4 : 16);
	memcpy(l4->dst_addr, dst, family == 4 ? 4 : 16);
	l4->src_port = rd16(tcp);
	l4->dst_port = rd16(tcp + 2);
	l4->l3_off = (uint16_t)(ip - frame);
	l4->l4_off = (uint16_t)(l4->l3_off + l4_off);
	l4->payload_off = l4->l4_off;
	l4->payload_len = tcp_len;
	l4->max_reply_payload = 0;
	c->tcp_segments++;
	return NET_VERDICT_TCP;
}

/* The Ethernet and IP headers of a TCP frame of @p tcp_len segment bytes. */
static void tcp_frame_headers(const struct net_iface *ifc, uint8_t *frame, uint8_t family,
			      const uint8_t *src_addr, const uint8_t *dst_addr,
			      const uint8_t *dst_mac, uint16_t tcp_len)
{
	uint8_t *ip = frame + ETH_HDR_LEN;

	memcpy(frame, dst_mac, NET_ETHER_ADDR_LEN);
	memcpy(frame + NET_ETHER_ADDR_LEN, ifc->mac, NET_ETHER_ADDR_LEN);
	if (family == 4) {
		wr16(frame + 12, ETHERTYPE_IPV4);
		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, (uint16_t)(20 + tcp_len));
		wr16(ip + 4, 0);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = TCP_TTL;
		ip[9] = IPPROTO_TCP_;
		wr16(ip + 10, 0);
		memcpy(ip + 12, src_addr, 4);
		memcpy(ip + 16, dst_addr, 4);
		wr16(ip + 10, net_csum_finish(net_csum_partial(ip, 20, 0)));
	} else {
		wr16(frame + 12, ETHERTYPE_IPV6);
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		wr16(ip + 4, tcp_len);
		ip[6] = IPPROTO_TCP_;
		ip[7] = TCP_TTL;
		memcpy(ip + 8, src_addr, 16);
		memcpy(ip + 24, dst_addr, 16);
	}
}

uint16_t net_tcp_frame(const struct net_iface *ifc, uint8_t *frame, uint8_t family,
		       const uint8_t *src_addr, const uint8_t *dst_addr, const uint8_t *dst_mac,
		       uint16_t tcp_len)
{
	uint8_t *tcp = frame + net_tcp_header_offset(family);
	uint16_t sum;

	tcp_frame_headers(ifc, frame, family, src_addr, dst_addr, dst_mac, tcp_len);
	wr16(tcp + 16, 0);
	sum = net_csum_finish(
	    net_csum_partial(tcp, tcp_len, tcp_pseudo_sum(src_addr, dst_addr, family, tcp_len)));
	wr16(tcp + 16, sum);
	return (uint16_t)(net_tcp_header_offset(family) + tcp_len);
}

uint32_t net_csum_iov(const struct net_iov *iov, unsigned n, uint32_t sum)
{
	uint32_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t s = net_csum_partial(iov[i].base, iov[i].len, 0);
		/* A piece at an odd offset: its words straddle the pairs, byte-swapped (RFC 1071).
		 */
		if (off & 1)
			s = ((s & 0xffu) << 8) | (s >> 8);
		sum += s;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		off += iov[i].len;
	}
	return sum;
}

uint16_t net_tcp_frame_iov(const struct net_iface *ifc, uint8_t *frame, uint8_t family,
			   const uint8_t *src_addr, const uint8_t *dst_addr, const uint8_t *dst_mac,
			   uint16_t hdr_len, const struct net_iov *payload, unsigned n,
			   uint16_t payload_len)
{
	uint8_t *tcp = frame + net_tcp_header_offset(family);
	uint16_t tcp_len = (uint16_t)(hdr_len + payload_len);
	uint32_t sum;

	tcp_frame_headers(ifc, frame, family, src_addr, dst_addr, dst_mac, tcp_len);
	wr16(tcp + 16, 0);
	sum = net_csum_partial(tcp, hdr_len, tcp_pseudo_sum(src_addr, dst_addr, family, tcp_len));
	/* The header is 4-byte aligned in length: the payload starts at an even offset. */
	sum = net_csum_iov(payload, n, sum);
	wr16(tcp + 16, net_csum_finish(sum));
	return (uint16_t)(net_tcp_header_offset(family) + hdr_len);
}
