/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The prefilter's fixtures: frames built here, each with the verdict counter
 * it must land in and the XDP action the program returns for it. Shared by
 * the BPF_PROG_TEST_RUN test of the XDP program and the test of popdp's
 * software first stage, which must give the same verdicts.
 *
 * Every fixture runs in one environment (fixture_env below): VIPs
 * 198.18.0.1 and 2001:2::1, the default service ports, a blocklist, an
 * allowlist holding the default peers, and rates of 1 packet per second
 * with a burst of 2, so a fixture with `warmup` frames from a fresh source
 * exhausts its bucket. `pass_fragments` fixtures run with fragments passed.
 */
#ifndef POP_TEST_PREFILTER_FIXTURES_H
#define POP_TEST_PREFILTER_FIXTURES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"

#define FX_ETH_HLEN	 14
#define FX_ETH_P_IP	 0x0800
#define FX_ETH_P_ARP	 0x0806
#define FX_ETH_P_8021Q	 0x8100
#define FX_ETH_P_8021AD	 0x88a8
#define FX_ETH_P_IPV6	 0x86dd
#define FX_PROTO_HOPOPTS 0
#define FX_PROTO_ICMP	 1
#define FX_PROTO_TCP	 6
#define FX_PROTO_UDP	 17
#define FX_PROTO_ROUTING 43
#define FX_PROTO_FRAG	 44
#define FX_PROTO_GRE	 47
#define FX_PROTO_ICMPV6	 58
#define FX_PROTO_NONE	 59
#define FX_PROTO_DSTOPTS 60
#define FX_XDP_DROP	 1
#define FX_XDP_PASS	 2

#define FRAME_MAX     512
#define MIN_FRAME_LEN 60 /* Ethernet minimum without FCS */
#define ETH_P_LLDP_   0x88cc

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t bytes[FRAME_MAX];
	size_t len;
};

static void put_bytes(struct frame *f, const void *src, size_t n)
{
	if (f->len + n > sizeof(f->bytes))
		abort();
	memcpy(f->bytes + f->len, src, n);
	f->len += n;
}

static void put_u8(struct frame *f, uint8_t v)
{
	put_bytes(f, &v, 1);
}

static void put_be16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put_bytes(f, b, sizeof(b));
}

static void put_be32(struct frame *f, uint32_t v)
{
	put_be16(f, (uint16_t)(v >> 16));
	put_be16(f, (uint16_t)v);
}

static void put_zeros(struct frame *f, size_t n)
{
	while (n--)
		put_u8(f, 0);
}

static void set_be16(struct frame *f, size_t off, uint16_t v)
{
	f->bytes[off] = (uint8_t)(v >> 8);
	f->bytes[off + 1] = (uint8_t)v;
}

static void pad_to(struct frame *f, size_t len)
{
	if (f->len < len)
		put_zeros(f, len - f->len);
}

static const uint8_t mac_pop[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_peer[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t mac_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* 198.18.0.0/15 and 2001:2::/48: benchmarking ranges */
static const uint32_t ip4_pop = 0xc6120001;	     /* 198.18.0.1 */
static const uint32_t ip4_peer_default = 0xc6120002; /* 198.18.0.2 */
static const uint8_t ip6_pop[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ip6_peer_default[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0,
					     0,	   0,	 0,    0,    0, 0, 0, 2};
/* The source of the frame being built: a fixture may set another. */
static uint32_t ip4_peer = 0xc6120002;
static uint8_t ip6_peer[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t ip6_pop_solicited[16] = {0xff, 0x02, 0, 0, 0,    0, 0, 0,
					      0,    0,	  0, 1, 0xff, 0, 0, 1};

static void eth_to(struct frame *f, const uint8_t dst[6], uint16_t ethertype)
{
	put_bytes(f, dst, 6);
	put_bytes(f, mac_peer, 6);
	put_be16(f, ethertype);
}

static void eth(struct frame *f, uint16_t ethertype)
{
	eth_to(f, mac_pop, ethertype);
}

/* A VLAN tag; the TPID that announces it is the previous ethertype. */
static void vlan_tag(struct frame *f, uint16_t vid, uint16_t ethertype)
{
	put_be16(f, vid & 0x0fff);
	put_be16(f, ethertype);
}

/* IPv4 header with @options_len bytes of NOP options; ipv4_end() fills in
 * the total length and checksum. Returns the header's offset. */
static size_t ipv4_begin_opts(struct frame *f, uint8_t proto, size_t options_len)
{
	size_t ip = f->len;

	put_u8(f, (uint8_t)(0x40 | (5 + options_len / 4)));
	put_u8(f, 0);	  /* DSCP/ECN */
	put_be16(f, 0);	  /* total length, ipv4_end() */
	put_be16(f, 1);	  /* identification */
	put_be16(f, 0);	  /* flags, fragment offset */
	put_u8(f, 64);	  /* TTL */
	put_u8(f, proto); /* protocol */
	put_be16(f, 0);	  /* checksum, ipv4_end() */
	put_be32(f, ip4_peer);
	put_be32(f, ip4_pop);
	while (options_len--)
		put_u8(f, 0x01); /* NOP */
	return ip;
}

static size_t ipv4_begin(struct frame *f, uint8_t proto)
{
	return ipv4_begin_opts(f, proto, 0);
}

static void ipv4_checksum(struct frame *f, size_t ip)
{
	size_t hdr_len = (size_t)(f->bytes[ip] & 0x0f) * 4, i;
	uint32_t sum = 0;

	set_be16(f, ip + 10, 0);
	for (i = 0; i + 1 < hdr_len && ip + i + 1 < f->len; i += 2)
		sum += (uint32_t)(f->bytes[ip + i] << 8 | f->bytes[ip + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set_be16(f, ip + 10, (uint16_t)~sum);
}

static void ipv4_end(struct frame *f, size_t ip)
{
	set_be16(f, ip + 2, (uint16_t)(f->len - ip));
	ipv4_checksum(f, ip);
}

static void ipv4_set_frag(struct frame *f, size_t ip, uint16_t offset_8bytes, int more)
{
	set_be16(f, ip + 6, (uint16_t)((more ? 0x2000 : 0) | (offset_8bytes & 0x1fff)));
	ipv4_checksum(f, ip);
}

static size_t ipv6_begin_to(struct frame *f, uint8_t nexthdr, const uint8_t dst[16],
			    uint8_t hop_limit)
{
	size_t ip6 = f->len;

	put_be32(f, 0x60000000); /* version, traffic class, flow label */
	put_be16(f, 0);		 /* payload length, ipv6_end() */
	put_u8(f, nexthdr);
	put_u8(f, hop_limit);
	put_bytes(f, ip6_peer, 16);
	put_bytes(f, dst, 16);
	return ip6;
}

static size_t ipv6_begin(struct frame *f, uint8_t nexthdr)
{
	return ipv6_begin_to(f, nexthdr, ip6_pop, 64);
}

static void ipv6_end(struct frame *f, size_t ip6)
{
	set_be16(f, ip6 + 4, (uint16_t)(f->len - ip6 - 40));
}

/* Hop-by-hop or destination options header of @len_8bytes * 8 bytes, filled
 * with a PadN option. */
static void ipv6_opts_hdr(struct frame *f, uint8_t nexthdr, size_t len_8bytes)
{
	put_u8(f, nexthdr);
	put_u8(f, (uint8_t)(len_8bytes - 1));
	put_u8(f, 1); /* PadN */
	put_u8(f, (uint8_t)(len_8bytes * 8 - 4));
	put_zeros(f, len_8bytes * 8 - 4);
}

/* A segment routing header (RFC 8754) with one segment, none left. */
static void ipv6_segment_routing_hdr(struct frame *f, uint8_t nexthdr)
{
	put_u8(f, nexthdr);
	put_u8(f, 2);	/* 24 bytes */
	put_u8(f, 4);	/* routing type: SRH */
	put_u8(f, 0);	/* segments left */
	put_u8(f, 0);	/* last entry */
	put_u8(f, 0);	/* flags */
	put_be16(f, 0); /* tag */
	put_bytes(f, ip6_pop, 16);
}

static void ipv6_frag_hdr(struct frame *f, uint8_t nexthdr, uint16_t offset_8bytes, int more)
{
	put_u8(f, nexthdr);
	put_u8(f, 0);
	put_be16(f, (uint16_t)(offset_8bytes << 3 | (more ? 1 : 0)));
	put_be32(f, 0x12345678);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, size_t payload_len)
{
	put_be16(f, sport);
	put_be16(f, dport);
	put_be16(f, (uint16_t)(8 + payload_len));
	put_be16(f, 0); /* checksum: the prefilter does not look */
	put_zeros(f, payload_len);
}

/* A DNS message: header with @flags and @qdcount, then zeros up to
 * @payload_len bytes (at least 6). */
static void udp_dns_msg(struct frame *f, uint16_t flags, uint16_t qdcount, size_t payload_len)
{
	put_be16(f, 40000);
	put_be16(f, PF_PORT_DNS);
	put_be16(f, (uint16_t)(8 + payload_len));
	put_be16(f, 0);
	put_be16(f, 0x1234); /* id */
	put_be16(f, flags);
	put_be16(f, qdcount);
	put_zeros(f, payload_len - 6);
}

/* A DNS query's worth of UDP payload: RD, one question. */
static void udp_dns(struct frame *f)
{
	udp_dns_msg(f, 0x0100, 1, 29);
}

static void tcp_seg(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put_be16(f, sport);
	put_be16(f, dport);
	put_be32(f, 1000); /* sequence */
	put_be32(f, 0);	   /* acknowledgment */
	put_u8(f, 5 << 4); /* data offset */
	put_u8(f, flags);
	put_be16(f, 65535);
	put_be16(f, 0); /* checksum */
	put_be16(f, 0); /* urgent */
}

static void tcp_syn(struct frame *f, uint16_t sport, uint16_t dport)
{
	tcp_seg(f, sport, dport, 0x02);
}

static void icmp_echo(struct frame *f, uint8_t type)
{
	put_u8(f, type);
	put_u8(f, 0);
	put_be16(f, 0);
	put_be16(f, 0x1234); /* identifier */
	put_be16(f, 1);	     /* sequence */
	put_zeros(f, 32);
}

static void udp4_dns_frame(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void udp6_dns_frame(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

/* ---- fixtures: to the data plane -------------------------------------- */

static void build_arp_request(struct frame *f)
{
	eth_to(f, mac_broadcast, FX_ETH_P_ARP);
	put_be16(f, 1); /* Ethernet */
	put_be16(f, FX_ETH_P_IP);
	put_u8(f, 6);
	put_u8(f, 4);
	put_be16(f, 1); /* request */
	put_bytes(f, mac_peer, 6);
	put_be32(f, ip4_peer);
	put_zeros(f, 6);
	put_be32(f, ip4_pop);
	pad_to(f, MIN_FRAME_LEN);
}

static void build_icmp4_echo(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_ICMP);
	icmp_echo(f, 8);
	ipv4_end(f, ip);
}

static void build_icmp6_echo(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_ICMPV6);
	icmp_echo(f, 128);
	ipv6_end(f, ip6);
}

static void build_icmp6_neighbour_solicitation(struct frame *f)
{
	static const uint8_t mac_solicited[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
	size_t ip6;

	eth_to(f, mac_solicited, FX_ETH_P_IPV6);
	ip6 = ipv6_begin_to(f, FX_PROTO_ICMPV6, ip6_pop_solicited, 255);
	put_u8(f, 135); /* neighbour solicitation */
	put_u8(f, 0);
	put_be16(f, 0);
	put_be32(f, 0); /* reserved */
	put_bytes(f, ip6_pop, 16);
	put_u8(f, 1); /* source link-layer address option */
	put_u8(f, 1);
	put_bytes(f, mac_peer, 6);
	ipv6_end(f, ip6);
}

static void build_udp4_dns(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_udp6_dns(struct frame *f)
{
	udp6_dns_frame(f);
}

static void build_tcp4_https(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTPS);
	ipv4_end(f, ip);
}

static void build_tcp6_http(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTP);
	ipv6_end(f, ip6);
}

static void build_tcp4_dns(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_DNS);
	ipv4_end(f, ip);
}

/* Ethernet padding after a short IP packet belongs to no layer. */
static void build_udp4_dns_padded_min_frame(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns_msg(f, 0x0100, 1, PF_DNS_MIN_QUERY); /* 59 bytes: 1 of padding */
	ipv4_end(f, ip);
	pad_to(f, MIN_FRAME_LEN);
}

static void build_vlan_udp4_dns(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_8021Q);
	vlan_tag(f, 100, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_vlan_udp6_dns(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_8021Q);
	vlan_tag(f, 100, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_qinq_icmp4_echo(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_8021AD);
	vlan_tag(f, 10, FX_ETH_P_8021Q);
	vlan_tag(f, 20, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_ICMP);
	icmp_echo(f, 8);
	ipv4_end(f, ip);
}

static void build_ipv4_options_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin_opts(f, FX_PROTO_UDP, 12);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_ipv4_max_options_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin_opts(f, FX_PROTO_UDP, 40);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_ipv4_first_fragment_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
	ipv4_set_frag(f, ip, 0, 1);
}

static void build_ipv6_hbh_dstopts_udp_dns(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_HOPOPTS);
	ipv6_opts_hdr(f, FX_PROTO_DSTOPTS, 1);
	ipv6_opts_hdr(f, FX_PROTO_UDP, 2);
	udp_dns(f);
	ipv6_end(f, ip6);
}

/* The most extension headers the program skips, one of each kind among them. */
static void build_ipv6_max_ext_headers_udp_dns(struct frame *f)
{
	size_t ip6, i;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_HOPOPTS);
	ipv6_opts_hdr(f, FX_PROTO_ROUTING, 1);
	ipv6_segment_routing_hdr(f, FX_PROTO_FRAG);
	ipv6_frag_hdr(f, FX_PROTO_DSTOPTS, 0, 0); /* atomic: offset 0, no M */
	for (i = 3; i < PF_IPV6_MAX_EXT_HDRS; i++)
		ipv6_opts_hdr(f, i + 1 < PF_IPV6_MAX_EXT_HDRS ? FX_PROTO_DSTOPTS : FX_PROTO_UDP, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_ipv6_first_fragment_udp_dns(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_FRAG);
	ipv6_frag_hdr(f, FX_PROTO_UDP, 0, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_gre4(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_GRE);
	put_be16(f, 0);		  /* GRE flags, version */
	put_be16(f, FX_ETH_P_IP); /* protocol */
	put_zeros(f, 20);
	ipv4_end(f, ip);
}

static void build_ipv6_no_next_header(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_NONE);
	ipv6_end(f, ip6);
}

/* ---- fixtures: to the kernel ------------------------------------------ */

static void build_tcp4_ssh(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_syn(f, 40000, 22);
	ipv4_end(f, ip);
}

static void build_udp4_discard(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp(f, 40000, 9, 16);
	ipv4_end(f, ip);
}

/* An origin's answer to popd's fill thread: from port 443, to an ephemeral port. */
static void build_tcp4_origin_reply(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_syn(f, PF_PORT_HTTPS, 45678);
	ipv4_end(f, ip);
}

static void build_udp6_ntp(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_UDP);
	udp(f, 123, 123, 48);
	ipv6_end(f, ip6);
}

static void build_ipv4_later_fragment(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	put_zeros(f, 64); /* the middle of a datagram: no UDP header */
	ipv4_end(f, ip);
	ipv4_set_frag(f, ip, 185, 0);
}

static void build_ipv6_later_fragment(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_FRAG);
	ipv6_frag_hdr(f, FX_PROTO_UDP, 181, 0);
	put_zeros(f, 64);
	ipv6_end(f, ip6);
}

static void build_lldp(struct frame *f)
{
	static const uint8_t mac_lldp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};

	eth_to(f, mac_lldp, ETH_P_LLDP_);
	put_be16(f, 0x0207); /* chassis ID TLV, length 7 */
	put_u8(f, 4);	     /* MAC address */
	put_bytes(f, mac_peer, 6);
	put_be16(f, 0x0000); /* end of LLDPDU */
	pad_to(f, MIN_FRAME_LEN);
}

/* An IPv6 packet behind the wrong ethertype is not IPv6. */
static void build_ipv6_under_lldp_ethertype(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_LLDP_);
	ip6 = ipv6_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_three_vlan_tags(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_8021AD);
	vlan_tag(f, 10, FX_ETH_P_8021Q);
	vlan_tag(f, 20, FX_ETH_P_8021Q);
	vlan_tag(f, 30, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
}

/* ---- fixtures: dropped ------------------------------------------------ */

static void build_truncated_ethernet(struct frame *f)
{
	put_bytes(f, mac_pop, 6);
	put_bytes(f, mac_peer, 4);
}

static void build_truncated_vlan_tag(struct frame *f)
{
	eth(f, FX_ETH_P_8021Q);
	put_be16(f, 100);
}

static void build_truncated_qinq_inner_tag(struct frame *f)
{
	eth(f, FX_ETH_P_8021AD);
	vlan_tag(f, 10, FX_ETH_P_8021Q);
	put_be16(f, 20);
}

static void build_truncated_ipv4_header(struct frame *f)
{
	udp4_dns_frame(f);
	f->len = FX_ETH_HLEN + 12;
}

static void build_truncated_ipv4_options(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin_opts(f, FX_PROTO_UDP, 8);
	ipv4_end(f, ip);
	f->len = ip + 24; /* IHL says 28 */
}

static void build_truncated_ipv4_total_length(struct frame *f)
{
	udp4_dns_frame(f);
	f->len -= 10;
}

static void build_truncated_ipv6_header(struct frame *f)
{
	udp6_dns_frame(f);
	f->len = FX_ETH_HLEN + 30;
}

static void build_truncated_ipv6_payload(struct frame *f)
{
	udp6_dns_frame(f);
	f->len -= 1;
}

static void build_truncated_ipv6_ext_header(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_HOPOPTS);
	put_u8(f, FX_PROTO_UDP);
	put_u8(f, 0);
	put_be16(f, 0);
	ipv6_end(f, ip6); /* 4 of the header's 8 bytes */
}

/* The header's length field runs past the IPv6 payload length. */
static void build_truncated_ipv6_ext_length(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_DSTOPTS);
	ipv6_opts_hdr(f, FX_PROTO_NONE, 1);
	ipv6_end(f, ip6);
	f->bytes[ip6 + 40 + 1] = 3; /* says 32 bytes; 8 are there */
	pad_to(f, ip6 + 40 + 32);   /* bytes in the frame, not in the packet */
}

static void build_truncated_udp4(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	put_be16(f, 40000);
	put_be16(f, PF_PORT_DNS);
	ipv4_end(f, ip);
}

/* The UDP header's bytes exist, but in the Ethernet padding, not the packet. */
static void build_truncated_udp4_in_padding(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp(f, 40000, PF_PORT_DNS, 0);
	ipv4_end(f, ip);
	set_be16(f, ip + 2, 24);
	ipv4_checksum(f, ip);
	pad_to(f, MIN_FRAME_LEN);
}

static void build_truncated_tcp4(struct frame *f)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTPS);
	f->len -= 8;
	ipv4_end(f, ip);
}

static void build_truncated_udp6_after_ext(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_HOPOPTS);
	ipv6_opts_hdr(f, FX_PROTO_UDP, 1);
	put_be16(f, 40000);
	put_be16(f, PF_PORT_DNS);
	ipv6_end(f, ip6);
}

static void build_truncated_icmp6(struct frame *f)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_ICMPV6);
	put_u8(f, 128);
	put_u8(f, 0);
	put_be16(f, 0);
	ipv6_end(f, ip6);
}

static void build_ipv4_bad_version(struct frame *f)
{
	udp4_dns_frame(f);
	f->bytes[FX_ETH_HLEN] = 0x65; /* version 6, IHL 5 */
}

static void build_ipv4_ihl_below_5(struct frame *f)
{
	udp4_dns_frame(f);
	f->bytes[FX_ETH_HLEN] = 0x44;
}

static void build_ipv4_total_length_below_header(struct frame *f)
{
	udp4_dns_frame(f);
	set_be16(f, FX_ETH_HLEN + 2, 16);
	ipv4_checksum(f, FX_ETH_HLEN);
}

static void build_ipv6_bad_version(struct frame *f)
{
	udp6_dns_frame(f);
	f->bytes[FX_ETH_HLEN] = 0x40;
}

static void build_ipv6_too_many_ext_headers(struct frame *f)
{
	size_t ip6, i;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_DSTOPTS);
	for (i = 0; i <= PF_IPV6_MAX_EXT_HDRS; i++)
		ipv6_opts_hdr(f, i < PF_IPV6_MAX_EXT_HDRS ? FX_PROTO_DSTOPTS : FX_PROTO_UDP, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

/* ---- fixtures: the verdicts before the redirect ------------------------ */

/* Sources of the environment's lists (see fixture_env_*). */
static const uint32_t ip4_blocked = 0xc6120507;	   /* 198.18.5.7, in 198.18.5.0/24 */
static const uint32_t ip4_fresh = 0xc6120909;	   /* 198.18.9.9: no rule, rate limited */
static const uint32_t ip4_fresh_icmp = 0xc612090a; /* 198.18.9.10 */
static const uint8_t ip6_blocked[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7};
static const uint8_t ip6_fresh[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 9};
/* Another address of ip6_fresh's /64: the bucket is per /64. */
static const uint8_t ip6_fresh_same64[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 9,
					     0xaa, 0,	 0,    0,    0, 0, 0, 1};
static const uint8_t ip6_other[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0,
				      0,    0,	  0,	0,    0, 0, 0, 0x99};

static void udp4_dns_msg_frame(struct frame *f, uint16_t flags, uint16_t qdcount, size_t len)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_UDP);
	udp_dns_msg(f, flags, qdcount, len);
	ipv4_end(f, ip);
}

static void udp6_dns_msg_frame(struct frame *f, uint16_t flags, uint16_t qdcount, size_t len)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_UDP);
	udp_dns_msg(f, flags, qdcount, len);
	ipv6_end(f, ip6);
}

static void tcp4_frame(struct frame *f, uint8_t flags, size_t payload_len)
{
	size_t ip;

	eth(f, FX_ETH_P_IP);
	ip = ipv4_begin(f, FX_PROTO_TCP);
	tcp_seg(f, 40000, PF_PORT_HTTPS, flags);
	put_zeros(f, payload_len);
	ipv4_end(f, ip);
}

static void tcp6_frame(struct frame *f, uint8_t flags, size_t payload_len)
{
	size_t ip6;

	eth(f, FX_ETH_P_IPV6);
	ip6 = ipv6_begin(f, FX_PROTO_TCP);
	tcp_seg(f, 40000, PF_PORT_HTTP, flags);
	put_zeros(f, payload_len);
	ipv6_end(f, ip6);
}

static void build_udp4_dns_other_address(struct frame *f)
{
	udp4_dns_frame(f);
	/* 198.18.1.1, the pop namespace's own address: the kernel's */
	f->bytes[FX_ETH_HLEN + 16] = 198;
	f->bytes[FX_ETH_HLEN + 17] = 18;
	f->bytes[FX_ETH_HLEN + 18] = 1;
	f->bytes[FX_ETH_HLEN + 19] = 1;
	ipv4_checksum(f, FX_ETH_HLEN);
}

static void build_udp6_dns_other_address(struct frame *f)
{
	udp6_dns_frame(f);
	memcpy(f->bytes + FX_ETH_HLEN + 24, ip6_other, 16);
}

static void build_arp_request_other_target(struct frame *f)
{
	build_arp_request(f);
	f->bytes[FX_ETH_HLEN + 27] = 0x63; /* 198.18.0.99 */
}

static void build_icmp6_solicitation_other_target(struct frame *f)
{
	build_icmp6_neighbour_solicitation(f);
	f->bytes[FX_ETH_HLEN + 40 + 8 + 15] = 0x63;
}

static void build_udp4_dns_from_vip(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_udp6_dns_from_vip(struct frame *f)
{
	udp6_dns_frame(f);
}

static void build_udp4_dns_blocked(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_udp6_dns_blocked(struct frame *f)
{
	udp6_dns_frame(f);
}

static void build_icmp4_echo_blocked(struct frame *f)
{
	build_icmp4_echo(f);
}

static void build_ipv4_first_fragment_passed(struct frame *f)
{
	build_ipv4_first_fragment_udp_dns(f);
}

static void build_ipv6_later_fragment_passed(struct frame *f)
{
	build_ipv6_later_fragment(f);
}

static void build_udp4_dns_over_rate(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_udp4_dns_within_rate(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_icmp4_echo_over_rate(struct frame *f)
{
	build_icmp4_echo(f);
}

static void build_udp6_dns_over_rate_same_64(struct frame *f)
{
	udp6_dns_frame(f);
}

static void build_udp4_dns_allowlisted_over_rate(struct frame *f)
{
	udp4_dns_frame(f);
}

static void build_udp6_dns_allowlisted_over_rate(struct frame *f)
{
	udp6_dns_frame(f);
}

static void build_udp4_dns_header_only(struct frame *f)
{
	udp4_dns_msg_frame(f, 0x0100, 1, 12);
}

static void build_udp6_dns_question_short(struct frame *f)
{
	udp6_dns_msg_frame(f, 0x0100, 1, PF_DNS_MIN_QUERY - 1);
}

static void build_udp4_dns_payload_6_bytes(struct frame *f)
{
	udp4_dns_msg_frame(f, 0x0100, 1, 6);
}

static void build_udp4_dns_response(struct frame *f)
{
	udp4_dns_msg_frame(f, 0x8180, 1, 29);
}

static void build_udp6_dns_response(struct frame *f)
{
	udp6_dns_msg_frame(f, 0x8180, 1, 29);
}

static void build_udp4_dns_notify(struct frame *f)
{
	udp4_dns_msg_frame(f, 4 << 11, 1, 29);
}

static void build_udp4_dns_update_opcode(struct frame *f)
{
	udp4_dns_msg_frame(f, 5 << 11, 1, 29);
}

static void build_udp6_dns_status_opcode(struct frame *f)
{
	udp6_dns_msg_frame(f, 2 << 11, 1, 29);
}

static void build_udp4_dns_qdcount_0(struct frame *f)
{
	udp4_dns_msg_frame(f, 0x0100, 0, 29);
}

static void build_udp6_dns_qdcount_2(struct frame *f)
{
	udp6_dns_msg_frame(f, 0x0100, 2, 40);
}

static void build_udp4_length_below_header(struct frame *f)
{
	udp4_dns_frame(f);
	set_be16(f, FX_ETH_HLEN + 20 + 4, 7);
}

static void build_udp6_length_beyond_packet(struct frame *f)
{
	udp6_dns_frame(f);
	set_be16(f, FX_ETH_HLEN + 40 + 4, 8 + 29 + 1);
}

static void build_tcp4_data_offset_below_5(struct frame *f)
{
	tcp4_frame(f, 0x02, 0);
	f->bytes[FX_ETH_HLEN + 20 + 12] = 4 << 4;
}

static void build_tcp4_syn_with_payload(struct frame *f)
{
	tcp4_frame(f, 0x02, 100);
}

static void build_tcp6_syn_with_payload(struct frame *f)
{
	tcp6_frame(f, 0x02, 1);
}

static void build_tcp4_ack_with_payload(struct frame *f)
{
	tcp4_frame(f, 0x18, 100); /* PSH ACK */
}

static void build_tcp4_syn_fin(struct frame *f)
{
	tcp4_frame(f, 0x03, 0);
}

static void build_tcp6_syn_rst(struct frame *f)
{
	tcp6_frame(f, 0x06, 0);
}

static void build_tcp4_no_flags(struct frame *f)
{
	tcp4_frame(f, 0x00, 0);
}

static void build_tcp6_fin_without_ack(struct frame *f)
{
	tcp6_frame(f, 0x01, 0);
}

static void build_tcp4_xmas(struct frame *f)
{
	tcp4_frame(f, 0x29, 0); /* URG PSH FIN */
}

static void build_tcp6_fin_rst_ack(struct frame *f)
{
	tcp6_frame(f, 0x15, 0);
}

struct fixture {
	const char *name;
	void (*build)(struct frame *f);
	uint32_t action;	    /* what the program returns in a test run */
	enum pf_stat stat;	    /* the verdict counter that grows by one */
	uint32_t src4;		    /* the IPv4 source, 0: the default peer (allowlisted) */
	const uint8_t *src6;	    /* the IPv6 source, NULL: the default peer (allowlisted) */
	unsigned warmup;	    /* frames sent just before (same frame), not checked */
	const uint8_t *warmup_src6; /* IPv6 source of the warm-up frames, NULL: src6 */
	int pass_fragments;	    /* run with PF_CONFIG_PASS_FRAGMENTS */
};

#define TO_DATAPLANE(fn, ...)                                                                      \
	{                                                                                          \
#fn, build_##fn, FX_XDP_PASS, PF_STAT_TO_DATAPLANE, __VA_ARGS__                    \
	}
#define PASS_KERNEL(fn, ...)                                                                       \
	{                                                                                          \
#fn, build_##fn, FX_XDP_PASS, PF_STAT_PASS_KERNEL, __VA_ARGS__                     \
	}
#define PASS(fn, stat, ...)                                                                        \
	{                                                                                          \
#fn, build_##fn, FX_XDP_PASS, PF_STAT_##stat, __VA_ARGS__                          \
	}
#define DROP(fn, stat, ...)                                                                        \
	{                                                                                          \
#fn, build_##fn, FX_XDP_DROP, PF_STAT_##stat, __VA_ARGS__                          \
	}

/* Addresses of fixture_env (network order bytes). */
static const uint8_t fx_vip4[4] = {198, 18, 0, 1};
static const uint8_t fx_block4[4] = {198, 18, 5, 0}; /* /24 */
static const uint8_t fx_allow4[4] = {198, 18, 0, 0}; /* /30: the default peer */
static const uint8_t fx_block6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 5}; /* /64 */
static const uint8_t fx_allow6[16] = {0x20, 0x01, 0x00, 0x02};		   /* /126 */
#define FX_BLOCK4_LEN 24
#define FX_ALLOW4_LEN 30
#define FX_BLOCK6_LEN 64
#define FX_ALLOW6_LEN 126
#define FX_RATE_PPS   1
#define FX_RATE_BURST 2

/* The default service ports: {protocol, port}. */
static const struct pf_port_key fx_ports[] = {
    {PF_PORT_DNS, FX_PROTO_UDP, 0},
    {PF_PORT_DNS, FX_PROTO_TCP, 0},
    {PF_PORT_HTTP, FX_PROTO_TCP, 0},
    {PF_PORT_HTTPS, FX_PROTO_TCP, 0},
};

static const struct fixture fixtures[] = {
    TO_DATAPLANE(arp_request),
    TO_DATAPLANE(icmp4_echo),
    TO_DATAPLANE(icmp6_echo),
    TO_DATAPLANE(icmp6_neighbour_solicitation),
    TO_DATAPLANE(udp4_dns),
    TO_DATAPLANE(udp6_dns),
    TO_DATAPLANE(tcp4_https),
    TO_DATAPLANE(tcp6_http),
    TO_DATAPLANE(tcp4_dns),
    TO_DATAPLANE(udp4_dns_padded_min_frame),
    TO_DATAPLANE(vlan_udp4_dns),
    TO_DATAPLANE(vlan_udp6_dns),
    TO_DATAPLANE(qinq_icmp4_echo),
    TO_DATAPLANE(ipv4_options_udp_dns),
    TO_DATAPLANE(ipv4_max_options_udp_dns),
    TO_DATAPLANE(ipv6_hbh_dstopts_udp_dns),
    TO_DATAPLANE(ipv6_max_ext_headers_udp_dns),
    TO_DATAPLANE(udp4_dns_notify),
    TO_DATAPLANE(tcp4_ack_with_payload),
    TO_DATAPLANE(udp4_dns_within_rate, .src4 = 0xc6120901),
    TO_DATAPLANE(udp4_dns_allowlisted_over_rate, .warmup = 3),
    TO_DATAPLANE(udp6_dns_allowlisted_over_rate, .warmup = 3),
    PASS_KERNEL(tcp4_ssh),
    PASS_KERNEL(udp4_discard),
    PASS_KERNEL(tcp4_origin_reply),
    PASS_KERNEL(udp6_ntp),
    PASS_KERNEL(gre4),
    PASS_KERNEL(ipv6_no_next_header),
    PASS_KERNEL(lldp),
    PASS_KERNEL(ipv6_under_lldp_ethertype),
    PASS_KERNEL(three_vlan_tags),
    PASS_KERNEL(udp4_dns_other_address),
    PASS_KERNEL(udp6_dns_other_address),
    PASS_KERNEL(arp_request_other_target),
    PASS_KERNEL(icmp6_solicitation_other_target),
    PASS(ipv4_first_fragment_passed, PASS_FRAGMENT, .pass_fragments = 1),
    PASS(ipv6_later_fragment_passed, PASS_FRAGMENT, .pass_fragments = 1),
    DROP(truncated_ethernet, DROP_TRUNCATED_L2),
    DROP(truncated_vlan_tag, DROP_TRUNCATED_L2),
    DROP(truncated_qinq_inner_tag, DROP_TRUNCATED_L2),
    DROP(truncated_ipv4_header, DROP_TRUNCATED_L3),
    DROP(truncated_ipv4_options, DROP_TRUNCATED_L3),
    DROP(truncated_ipv4_total_length, DROP_TRUNCATED_L3),
    DROP(truncated_ipv6_header, DROP_TRUNCATED_L3),
    DROP(truncated_ipv6_payload, DROP_TRUNCATED_L3),
    DROP(truncated_ipv6_ext_header, DROP_TRUNCATED_L3),
    DROP(truncated_ipv6_ext_length, DROP_TRUNCATED_L3),
    DROP(truncated_udp4, DROP_TRUNCATED_L4),
    DROP(truncated_udp4_in_padding, DROP_TRUNCATED_L4),
    DROP(truncated_tcp4, DROP_TRUNCATED_L4),
    DROP(truncated_udp6_after_ext, DROP_TRUNCATED_L4),
    DROP(truncated_icmp6, DROP_TRUNCATED_L4),
    DROP(ipv4_bad_version, DROP_MALFORMED_IPV4),
    DROP(ipv4_ihl_below_5, DROP_MALFORMED_IPV4),
    DROP(ipv4_total_length_below_header, DROP_MALFORMED_IPV4),
    DROP(ipv6_bad_version, DROP_MALFORMED_IPV6),
    DROP(ipv6_too_many_ext_headers, DROP_IPV6_EXT_LIMIT),
    DROP(udp4_length_below_header, DROP_MALFORMED_L4),
    DROP(udp6_length_beyond_packet, DROP_MALFORMED_L4),
    DROP(tcp4_data_offset_below_5, DROP_MALFORMED_L4),
    DROP(udp4_dns_from_vip, DROP_SPOOFED_VIP, .src4 = 0xc6120001),
    DROP(udp6_dns_from_vip, DROP_SPOOFED_VIP, .src6 = ip6_pop),
    DROP(udp4_dns_blocked, DROP_BLOCKED, .src4 = ip4_blocked),
    DROP(udp6_dns_blocked, DROP_BLOCKED, .src6 = ip6_blocked),
    DROP(icmp4_echo_blocked, DROP_BLOCKED, .src4 = ip4_blocked),
    DROP(ipv4_first_fragment_udp_dns, DROP_FRAGMENT),
    DROP(ipv6_first_fragment_udp_dns, DROP_FRAGMENT),
    DROP(ipv4_later_fragment, DROP_FRAGMENT),
    DROP(ipv6_later_fragment, DROP_FRAGMENT),
    DROP(udp4_dns_over_rate, DROP_RATE_LIMITED, .src4 = ip4_fresh, .warmup = FX_RATE_BURST),
    DROP(icmp4_echo_over_rate, DROP_RATE_LIMITED, .src4 = ip4_fresh_icmp, .warmup = FX_RATE_BURST),
    DROP(udp6_dns_over_rate_same_64, DROP_RATE_LIMITED, .src6 = ip6_fresh_same64,
	 .warmup = FX_RATE_BURST, .warmup_src6 = ip6_fresh),
    DROP(udp4_dns_header_only, DROP_DNS_SHORT),
    DROP(udp6_dns_question_short, DROP_DNS_SHORT),
    DROP(udp4_dns_payload_6_bytes, DROP_DNS_SHORT),
    DROP(udp4_dns_response, DROP_DNS_RESPONSE),
    DROP(udp6_dns_response, DROP_DNS_RESPONSE),
    DROP(udp4_dns_update_opcode, DROP_DNS_OPCODE),
    DROP(udp6_dns_status_opcode, DROP_DNS_OPCODE),
    DROP(udp4_dns_qdcount_0, DROP_DNS_QDCOUNT),
    DROP(udp6_dns_qdcount_2, DROP_DNS_QDCOUNT),
    DROP(tcp4_syn_with_payload, DROP_TCP_SYN_PAYLOAD),
    DROP(tcp6_syn_with_payload, DROP_TCP_SYN_PAYLOAD),
    DROP(tcp4_syn_fin, DROP_TCP_FLAGS),
    DROP(tcp6_syn_rst, DROP_TCP_FLAGS),
    DROP(tcp4_no_flags, DROP_TCP_FLAGS),
    DROP(tcp6_fin_without_ack, DROP_TCP_FLAGS),
    DROP(tcp4_xmas, DROP_TCP_FLAGS),
    DROP(tcp6_fin_rst_ack, DROP_TCP_FLAGS),
};

/*
 * Build fixture @fx's frame (from its source) into @f; with @warmup, the
 * frame of its warm-up runs.
 */
static inline void fixture_build(const struct fixture *fx, struct frame *f, int warmup)
{
	const uint8_t *src6 = fx->src6 ? fx->src6 : ip6_peer_default;

	if (warmup && fx->warmup_src6)
		src6 = fx->warmup_src6;
	ip4_peer = fx->src4 ? fx->src4 : ip4_peer_default;
	memcpy(ip6_peer, src6, 16);
	f->len = 0;
	fx->build(f);
	ip4_peer = ip4_peer_default;
	memcpy(ip6_peer, ip6_peer_default, 16);
}

/* Frames of warm-up runs in the whole table (the verdict sum test). */
static inline unsigned fixture_warmups(const struct fixture *table, size_t n)
{
	unsigned total = 0;

	for (size_t i = 0; i < n; i++)
		total += table[i].warmup;
	return total;
}

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

#endif
