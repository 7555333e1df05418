/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP prefilter under BPF_PROG_TEST_RUN: each fixture is a frame built
 * here, the XDP action the program must return, and the counter of
 * prefilter_stats that must grow by exactly one frame (and its bytes) while
 * every other verdict counter stays put.
 *
 * Test runs have no AF_XDP socket in xsks_map, so bpf_redirect_map() returns
 * its fallback: frames for the data plane come back as XDP_PASS, and are told
 * apart from frames for the kernel by TO_DATAPLANE (with DATAPLANE_NO_SOCKET)
 * growing instead of PASS_KERNEL.
 *
 * Loading needs root; otherwise the fixtures report SKIP.
 * Usage: test_prefilter path/to/prefilter.o
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"
#include "tap.h"

#define FRAME_MAX     512
#define META_MAX      32 /* the kernel's limit on XDP metadata */
#define MIN_FRAME_LEN 60 /* Ethernet minimum without FCS */

#define ETH_P_LLDP_ 0x88cc

static const char *object_path;

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
static const uint32_t ip4_pop = 0xc6120001;  /* 198.18.0.1 */
static const uint32_t ip4_peer = 0xc6120002; /* 198.18.0.2 */
static const uint8_t ip6_pop[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ip6_peer[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
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

/* A DNS query's worth of UDP payload. */
static void udp_dns(struct frame *f)
{
	udp(f, 40000, PF_PORT_DNS, 29);
}

static void tcp_syn(struct frame *f, uint16_t sport, uint16_t dport)
{
	put_be16(f, sport);
	put_be16(f, dport);
	put_be32(f, 1000); /* sequence */
	put_be32(f, 0);	   /* acknowledgment */
	put_u8(f, 5 << 4); /* data offset */
	put_u8(f, 0x02);   /* SYN */
	put_be16(f, 65535);
	put_be16(f, 0); /* checksum */
	put_be16(f, 0); /* urgent */
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

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void udp6_dns_frame(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

/* ---- fixtures: to the data plane -------------------------------------- */

static void build_arp_request(struct frame *f)
{
	eth_to(f, mac_broadcast, ETH_P_ARP);
	put_be16(f, 1); /* Ethernet */
	put_be16(f, ETH_P_IP);
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

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_ICMP);
	icmp_echo(f, 8);
	ipv4_end(f, ip);
}

static void build_icmp6_echo(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_ICMPV6);
	icmp_echo(f, 128);
	ipv6_end(f, ip6);
}

static void build_icmp6_neighbour_solicitation(struct frame *f)
{
	static const uint8_t mac_solicited[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
	size_t ip6;

	eth_to(f, mac_solicited, ETH_P_IPV6);
	ip6 = ipv6_begin_to(f, IPPROTO_ICMPV6, ip6_pop_solicited, 255);
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

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTPS);
	ipv4_end(f, ip);
}

static void build_tcp6_http(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTP);
	ipv6_end(f, ip6);
}

static void build_tcp4_dns(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_DNS);
	ipv4_end(f, ip);
}

/* Ethernet padding after a short IP packet belongs to no layer. */
static void build_udp4_dns_padded_min_frame(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp(f, 40000, PF_PORT_DNS, 2);
	ipv4_end(f, ip);
	pad_to(f, MIN_FRAME_LEN);
}

static void build_vlan_udp4_dns(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_8021Q);
	vlan_tag(f, 100, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_vlan_udp6_dns(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_8021Q);
	vlan_tag(f, 100, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_qinq_icmp4_echo(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_8021AD);
	vlan_tag(f, 10, ETH_P_8021Q);
	vlan_tag(f, 20, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_ICMP);
	icmp_echo(f, 8);
	ipv4_end(f, ip);
}

static void build_ipv4_options_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin_opts(f, IPPROTO_UDP, 12);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_ipv4_max_options_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin_opts(f, IPPROTO_UDP, 40);
	udp_dns(f);
	ipv4_end(f, ip);
}

static void build_ipv4_first_fragment_udp_dns(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv4_end(f, ip);
	ipv4_set_frag(f, ip, 0, 1);
}

static void build_ipv6_hbh_dstopts_udp_dns(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_HOPOPTS);
	ipv6_opts_hdr(f, IPPROTO_DSTOPTS, 1);
	ipv6_opts_hdr(f, IPPROTO_UDP, 2);
	udp_dns(f);
	ipv6_end(f, ip6);
}

/* The most extension headers the program skips, one of each kind among them. */
static void build_ipv6_max_ext_headers_udp_dns(struct frame *f)
{
	size_t ip6, i;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_HOPOPTS);
	ipv6_opts_hdr(f, IPPROTO_ROUTING, 1);
	ipv6_segment_routing_hdr(f, IPPROTO_FRAGMENT);
	ipv6_frag_hdr(f, IPPROTO_DSTOPTS, 0, 1);
	for (i = 3; i < PF_IPV6_MAX_EXT_HDRS; i++)
		ipv6_opts_hdr(f, i + 1 < PF_IPV6_MAX_EXT_HDRS ? IPPROTO_DSTOPTS : IPPROTO_UDP, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_ipv6_first_fragment_udp_dns(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_FRAGMENT);
	ipv6_frag_hdr(f, IPPROTO_UDP, 0, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_gre4(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_GRE);
	put_be16(f, 0);	       /* GRE flags, version */
	put_be16(f, ETH_P_IP); /* protocol */
	put_zeros(f, 20);
	ipv4_end(f, ip);
}

static void build_ipv6_no_next_header(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_NONE);
	ipv6_end(f, ip6);
}

/* ---- fixtures: to the kernel ------------------------------------------ */

static void build_tcp4_ssh(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_TCP);
	tcp_syn(f, 40000, 22);
	ipv4_end(f, ip);
}

static void build_udp4_discard(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp(f, 40000, 9, 16);
	ipv4_end(f, ip);
}

/* An origin's answer to popd's fill thread: from port 443, to an ephemeral port. */
static void build_tcp4_origin_reply(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_TCP);
	tcp_syn(f, PF_PORT_HTTPS, 45678);
	ipv4_end(f, ip);
}

static void build_udp6_ntp(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_UDP);
	udp(f, 123, 123, 48);
	ipv6_end(f, ip6);
}

static void build_ipv4_later_fragment(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	put_zeros(f, 64); /* the middle of a datagram: no UDP header */
	ipv4_end(f, ip);
	ipv4_set_frag(f, ip, 185, 0);
}

static void build_ipv6_later_fragment(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_FRAGMENT);
	ipv6_frag_hdr(f, IPPROTO_UDP, 181, 0);
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
	ip6 = ipv6_begin(f, IPPROTO_UDP);
	udp_dns(f);
	ipv6_end(f, ip6);
}

static void build_three_vlan_tags(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_8021AD);
	vlan_tag(f, 10, ETH_P_8021Q);
	vlan_tag(f, 20, ETH_P_8021Q);
	vlan_tag(f, 30, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
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
	eth(f, ETH_P_8021Q);
	put_be16(f, 100);
}

static void build_truncated_qinq_inner_tag(struct frame *f)
{
	eth(f, ETH_P_8021AD);
	vlan_tag(f, 10, ETH_P_8021Q);
	put_be16(f, 20);
}

static void build_truncated_ipv4_header(struct frame *f)
{
	udp4_dns_frame(f);
	f->len = ETH_HLEN + 12;
}

static void build_truncated_ipv4_options(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin_opts(f, IPPROTO_UDP, 8);
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
	f->len = ETH_HLEN + 30;
}

static void build_truncated_ipv6_payload(struct frame *f)
{
	udp6_dns_frame(f);
	f->len -= 1;
}

static void build_truncated_ipv6_ext_header(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_HOPOPTS);
	put_u8(f, IPPROTO_UDP);
	put_u8(f, 0);
	put_be16(f, 0);
	ipv6_end(f, ip6); /* 4 of the header's 8 bytes */
}

/* The header's length field runs past the IPv6 payload length. */
static void build_truncated_ipv6_ext_length(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_DSTOPTS);
	ipv6_opts_hdr(f, IPPROTO_NONE, 1);
	ipv6_end(f, ip6);
	f->bytes[ip6 + 40 + 1] = 3; /* says 32 bytes; 8 are there */
	pad_to(f, ip6 + 40 + 32);   /* bytes in the frame, not in the packet */
}

static void build_truncated_udp4(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	put_be16(f, 40000);
	put_be16(f, PF_PORT_DNS);
	ipv4_end(f, ip);
}

/* The UDP header's bytes exist, but in the Ethernet padding, not the packet. */
static void build_truncated_udp4_in_padding(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_UDP);
	udp(f, 40000, PF_PORT_DNS, 0);
	ipv4_end(f, ip);
	set_be16(f, ip + 2, 24);
	ipv4_checksum(f, ip);
	pad_to(f, MIN_FRAME_LEN);
}

static void build_truncated_tcp4(struct frame *f)
{
	size_t ip;

	eth(f, ETH_P_IP);
	ip = ipv4_begin(f, IPPROTO_TCP);
	tcp_syn(f, 40000, PF_PORT_HTTPS);
	f->len -= 8;
	ipv4_end(f, ip);
}

static void build_truncated_udp6_after_ext(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_HOPOPTS);
	ipv6_opts_hdr(f, IPPROTO_UDP, 1);
	put_be16(f, 40000);
	put_be16(f, PF_PORT_DNS);
	ipv6_end(f, ip6);
}

static void build_truncated_icmp6(struct frame *f)
{
	size_t ip6;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_ICMPV6);
	put_u8(f, 128);
	put_u8(f, 0);
	put_be16(f, 0);
	ipv6_end(f, ip6);
}

static void build_ipv4_bad_version(struct frame *f)
{
	udp4_dns_frame(f);
	f->bytes[ETH_HLEN] = 0x65; /* version 6, IHL 5 */
}

static void build_ipv4_ihl_below_5(struct frame *f)
{
	udp4_dns_frame(f);
	f->bytes[ETH_HLEN] = 0x44;
}

static void build_ipv4_total_length_below_header(struct frame *f)
{
	udp4_dns_frame(f);
	set_be16(f, ETH_HLEN + 2, 16);
	ipv4_checksum(f, ETH_HLEN);
}

static void build_ipv6_bad_version(struct frame *f)
{
	udp6_dns_frame(f);
	f->bytes[ETH_HLEN] = 0x40;
}

static void build_ipv6_too_many_ext_headers(struct frame *f)
{
	size_t ip6, i;

	eth(f, ETH_P_IPV6);
	ip6 = ipv6_begin(f, IPPROTO_DSTOPTS);
	for (i = 0; i <= PF_IPV6_MAX_EXT_HDRS; i++)
		ipv6_opts_hdr(f, i < PF_IPV6_MAX_EXT_HDRS ? IPPROTO_DSTOPTS : IPPROTO_UDP, 1);
	udp_dns(f);
	ipv6_end(f, ip6);
}

struct fixture {
	const char *name;
	void (*build)(struct frame *f);
	uint32_t action;   /* what the program returns in a test run */
	enum pf_stat stat; /* the verdict counter that grows by one */
};

#define TO_DATAPLANE(fn)                                                                           \
	{                                                                                          \
#fn, build_##fn, XDP_PASS, PF_STAT_TO_DATAPLANE                                    \
	}
#define PASS_KERNEL(fn)                                                                            \
	{                                                                                          \
#fn, build_##fn, XDP_PASS, PF_STAT_PASS_KERNEL                                     \
	}
#define DROP(fn, stat)                                                                             \
	{                                                                                          \
#fn, build_##fn, XDP_DROP, PF_STAT_##stat                                          \
	}

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
    TO_DATAPLANE(ipv4_first_fragment_udp_dns),
    TO_DATAPLANE(ipv6_hbh_dstopts_udp_dns),
    TO_DATAPLANE(ipv6_max_ext_headers_udp_dns),
    TO_DATAPLANE(ipv6_first_fragment_udp_dns),
    TO_DATAPLANE(gre4),
    TO_DATAPLANE(ipv6_no_next_header),
    PASS_KERNEL(tcp4_ssh),
    PASS_KERNEL(udp4_discard),
    PASS_KERNEL(tcp4_origin_reply),
    PASS_KERNEL(udp6_ntp),
    PASS_KERNEL(ipv4_later_fragment),
    PASS_KERNEL(ipv6_later_fragment),
    PASS_KERNEL(lldp),
    PASS_KERNEL(ipv6_under_lldp_ethertype),
    PASS_KERNEL(three_vlan_tags),
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
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* ---- running the program ---------------------------------------------- */

static struct bpf_object *prefilter;
static int prog_fd = -1;
static int stats_fd = -1;

/* libbpf's messages as TAP diagnostics, so they do not break the stream. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char text[4096];
	char *line, *save = NULL;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(text, sizeof(text), fmt, args);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# libbpf: %s\n", line);
	return 0;
}

/* Sum of every CPU's value of every counter. */
static int read_stats(struct pf_counter totals[PF_STAT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	struct pf_counter *per_cpu;
	uint32_t key;
	int cpu;

	if (ncpus <= 0)
		return -1;
	per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -1;
	for (key = 0; key < PF_STAT_MAX; key++) {
		totals[key].packets = totals[key].bytes = 0;
		if (bpf_map_lookup_elem(stats_fd, &key, per_cpu)) {
			free(per_cpu);
			return -1;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			totals[key].packets += per_cpu[cpu].packets;
			totals[key].bytes += per_cpu[cpu].bytes;
		}
	}
	free(per_cpu);
	return 0;
}

/* One BPF_PROG_TEST_RUN of @len bytes of @input, the program seeing
 * [@meta, @data_end) between data and data_end. */
static int test_run(const uint8_t *input, size_t len, size_t meta, size_t data_end,
		    uint32_t *action)
{
	struct xdp_md ctx = {0};
	int err;

	ctx.data = (uint32_t)meta;
	ctx.data_end = (uint32_t)data_end;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = input, .data_size_in = (uint32_t)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	*action = opts.retval;
	return err;
}

/*
 * Runs the program on @f. The kernel refuses test input shorter than an
 * Ethernet header. For a shorter frame, newer kernels (6.x) take a linear
 * part shorter than the input and put the rest in a fragment, which a program
 * loaded without frags support never sees; older ones take XDP metadata in
 * front of the frame, which the program does not see either.
 */
static int run_frame(const struct frame *f, uint32_t *action)
{
	uint8_t input[META_MAX + FRAME_MAX] = {0};
	int err;

	memcpy(input, f->bytes, f->len);
	if (f->len >= ETH_HLEN)
		err = test_run(input, f->len, 0, f->len, action);
	else
		err = test_run(input, ETH_HLEN, 0, f->len, action);
	if (err == -EINVAL && f->len < ETH_HLEN) {
		size_t meta = (ETH_HLEN - f->len + 3) & ~(size_t)3;
		memset(input, 0, sizeof(input));
		memcpy(input + meta, f->bytes, f->len);
		err = test_run(input, meta + f->len, meta, meta + f->len, action);
	}
	if (err)
		printf("#   BPF_PROG_TEST_RUN: %s\n", strerror(-err));
	return err;
}

static void check_fixture(const struct fixture *fx)
{
	struct pf_counter before[PF_STAT_MAX], after[PF_STAT_MAX];
	struct frame f = {.len = 0};
	uint32_t action = ~0u;
	unsigned int stat;

	fx->build(&f);
	CHECK(read_stats(before) == 0);
	CHECK(run_frame(&f, &action) == 0);
	CHECK(read_stats(after) == 0);
	CHECK_EQ(action, fx->action);

	for (stat = 0; stat < PF_STAT_VERDICT_END; stat++) {
		uint64_t packets = after[stat].packets - before[stat].packets;
		uint64_t bytes = after[stat].bytes - before[stat].bytes;
		int expected = stat == (unsigned int)fx->stat;

		if (packets != (uint64_t)expected)
			printf("#   counter %s grew by %llu\n", pf_stat_name(stat),
			       (unsigned long long)packets);
		CHECK_EQ(packets, expected);
		CHECK_EQ(bytes, expected ? f.len : 0);
	}
	/* The test run has no socket in xsks_map: every redirect falls back. */
	CHECK_EQ(after[PF_STAT_DATAPLANE_NO_SOCKET].packets -
		     before[PF_STAT_DATAPLANE_NO_SOCKET].packets,
		 fx->stat == PF_STAT_TO_DATAPLANE);
}

/* ---- tests ------------------------------------------------------------ */

static void test_stat_names(void)
{
	unsigned int i, j;

	CHECK(PF_STAT_VERDICT_END < PF_STAT_MAX);
	CHECK_EQ(PF_STAT_TO_DATAPLANE, 0);
	for (i = 0; i < PF_STAT_MAX; i++) {
		CHECK(pf_stat_name(i) != NULL);
		if (!pf_stat_name(i))
			continue;
		for (j = 0; j < i; j++)
			CHECK(!pf_stat_name(j) || strcmp(pf_stat_name(i), pf_stat_name(j)) != 0);
	}
	CHECK(strcmp(pf_stat_name(PF_STAT_TO_DATAPLANE), "to_dataplane") == 0);
	CHECK(strcmp(pf_stat_name(PF_STAT_DATAPLANE_NO_SOCKET), "dataplane_no_socket") == 0);
	CHECK(pf_stat_name(PF_STAT_MAX) == NULL);
}

/* What DPDK's net_af_xdp PMD relies on: the first program is the XDP entry,
 * and an XSKMAP named xsks_map takes a socket per queue. Needs no privilege. */
static void test_object_layout(void)
{
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	struct bpf_program *first;
	struct bpf_map *map;

	CHECK(obj != NULL);
	if (!obj)
		return;
	first = bpf_object__next_program(obj, NULL);
	CHECK(first != NULL);
	if (first) {
		CHECK(strcmp(bpf_program__name(first), PF_PROG_NAME) == 0);
		CHECK(strcmp(bpf_program__section_name(first), PF_PROG_SECTION) == 0);
		CHECK_EQ(bpf_program__type(first), BPF_PROG_TYPE_XDP);
	}

	map = bpf_object__find_map_by_name(obj, PF_XSKS_MAP_NAME);
	CHECK(map != NULL);
	if (map) {
		CHECK_EQ(bpf_map__type(map), BPF_MAP_TYPE_XSKMAP);
		CHECK_EQ(bpf_map__key_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__value_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__max_entries(map), PF_XSKS_MAX_QUEUES);
	}

	map = bpf_object__find_map_by_name(obj, PF_STATS_MAP_NAME);
	CHECK(map != NULL);
	if (map) {
		CHECK_EQ(bpf_map__type(map), BPF_MAP_TYPE_PERCPU_ARRAY);
		CHECK_EQ(bpf_map__key_size(map), sizeof(uint32_t));
		CHECK_EQ(bpf_map__value_size(map), sizeof(struct pf_counter));
		CHECK_EQ(bpf_map__max_entries(map), PF_STAT_MAX);
	}
	bpf_object__close(obj);
}

/* Returns NULL when loaded, else why the fixtures are skipped. */
static const char *load_prefilter(void)
{
	struct bpf_program *entry;
	int err;

	if (geteuid() != 0)
		return "not root: BPF_PROG_TEST_RUN needs CAP_BPF and CAP_NET_ADMIN";
	prefilter = bpf_object__open_file(object_path, NULL);
	if (!prefilter) {
		printf("#   cannot open %s: %s\n", object_path, strerror(errno));
		return NULL;
	}
	err = bpf_object__load(prefilter);
	if (err == -EPERM)
		return "bpf() refused: EPERM";
	if (err) {
		printf("#   cannot load %s: %s\n", object_path, strerror(-err));
		return NULL;
	}
	entry = bpf_object__next_program(prefilter, NULL);
	prog_fd = entry ? bpf_program__fd(entry) : -1;
	stats_fd = bpf_object__find_map_fd_by_name(prefilter, PF_STATS_MAP_NAME);
	return NULL;
}

static void test_load(void)
{
	CHECK(prog_fd >= 0);
	CHECK(stats_fd >= 0);
}

/* Every frame of a run is counted by exactly one verdict counter. */
static void test_verdict_counters_add_up(void)
{
	struct pf_counter totals[PF_STAT_MAX];
	uint64_t sum = 0;
	unsigned int stat;

	CHECK(read_stats(totals) == 0);
	for (stat = 0; stat < PF_STAT_VERDICT_END; stat++)
		sum += totals[stat].packets;
	CHECK_EQ(sum, N_FIXTURES);
}

static void skip(const char *name, const char *reason)
{
	tap_count++;
	printf("ok %d - %s # SKIP %s\n", tap_count, name, reason);
}

int main(int argc, char **argv)
{
	const char *skip_reason;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s prefilter.o\n", argv[0]);
		return 2;
	}
	object_path = argv[1];
	libbpf_set_print(print_libbpf);

	RUN(test_stat_names);
	RUN(test_object_layout);

	skip_reason = load_prefilter();
	if (skip_reason) {
		skip("test_load", skip_reason);
		for (i = 0; i < N_FIXTURES; i++)
			skip(fixtures[i].name, skip_reason);
		skip("test_verdict_counters_add_up", skip_reason);
		return tap_done();
	}

	RUN(test_load);
	for (i = 0; i < N_FIXTURES; i++) {
		tap_current_failed = 0;
		if (prog_fd >= 0 && stats_fd >= 0)
			check_fixture(&fixtures[i]);
		else
			tap_current_failed = 1;
		tap_count++;
		printf("%sok %d - %s\n", tap_current_failed ? "not " : "", tap_count,
		       fixtures[i].name);
		tap_failures += tap_current_failed;
		fflush(stdout);
	}
	RUN(test_verdict_counters_add_up);

	bpf_object__close(prefilter);
	return tap_done();
}
