/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The prefilter's rules, written once for two compilers: clang -target bpf
 * builds them into the XDP program (prefilter.c), and the C compiler builds
 * them into popdp's software first stage (dataplane/prefilter), which runs
 * when the port is not af_xdp. Both therefore give the same verdict for the
 * same frame and the same tables; the unit tests run one fixture table
 * through both to keep it so.
 *
 * The code reads the frame only through pointers checked against data_end
 * just before use, in the shape the BPF verifier accepts, and needs no
 * header but <linux/types.h>: the wire headers are declared here, so the
 * user-space build does not mix the kernel's UAPI network headers with
 * libc's.
 *
 * The includer defines, before including this header, a `struct pf_env` and
 * these functions on it (the environment: maps in BPF, the prefilter table
 * and per-worker state in user space):
 *
 *   int pf_env_vip4(struct pf_env *env, __u32 addr);      network order
 *   int pf_env_vip6(struct pf_env *env, const struct pf_addr6 *addr);
 *   int pf_env_port(struct pf_env *env, __u8 proto, __u16 port); host order
 *   void pf_env_config(struct pf_env *env, struct pf_config *out);
 *   int pf_env_blocked4(struct pf_env *env, __u32 addr);
 *   int pf_env_blocked6(struct pf_env *env, const struct pf_addr6 *addr);
 *   int pf_env_allowed4(struct pf_env *env, __u32 addr);
 *   int pf_env_allowed6(struct pf_env *env, const struct pf_addr6 *addr);
 *   struct pf_bucket *pf_env_bucket4(struct pf_env *env, __u32 addr, __u64 now_ns,
 *                                    __u64 full_credits);
 *   struct pf_bucket *pf_env_bucket6(struct pf_env *env, __u64 prefix64, __u64 now_ns,
 *                                    __u64 full_credits);
 *	(the source's bucket, created full when new; NULL when none can be
 *	 kept, and then the packet is let through: a full table must not
 *	 turn into an outage)
 *   __u64 pf_env_now_ns(struct pf_env *env);
 *   void pf_env_count_detail(struct pf_env *env, __u32 stat);
 *
 * and PF_LOAD_BE16(p) / PF_BE16(x), PF_BE32(x): network-to-host loads.
 *
 * Order of the checks, for a frame whose headers parse:
 *   not addressed to a VIP (nor ARP / neighbour solicitation for one) -> kernel;
 *   source is a VIP -> drop_spoofed_vip;
 *   source in the blocklist -> drop_blocked;
 *   a fragment -> drop_fragment or pass_fragment (pf_config);
 *   not ICMP and not a served {protocol, port} -> kernel;
 *   source over its rate, unless allowlisted -> drop_rate_limited;
 *   DNS over UDP failing sanity -> drop_dns_*;
 *   TCP with impossible flags or a SYN with payload -> drop_tcp_*;
 *   otherwise -> to_dataplane.
 * Verdicts apply only to traffic for the VIPs: the host's own traffic
 * (management, origin replies, health-check replies) is never dropped here
 * except for headers too broken to say where they go.
 */
#ifndef POP_PREFILTER_RULES_H
#define POP_PREFILTER_RULES_H

#include <linux/types.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"

#ifndef PF_INLINE
#define PF_INLINE static inline __attribute__((always_inline))
#endif

/* Loops over headers are unrolled for the verifier. */
#ifdef __clang__
#define PF_UNROLL _Pragma("clang loop unroll(full)")
#else
#define PF_UNROLL
#endif

/* A parser stage's result when it reached no verdict: go on. */
#define PF_PARSED PF_STAT_MAX

#define PF_ETH_P_IP	  0x0800
#define PF_ETH_P_ARP	  0x0806
#define PF_ETH_P_8021Q	  0x8100
#define PF_ETH_P_8021AD	  0x88a8
#define PF_ETH_P_IPV6	  0x86dd
#define PF_PROTO_HOPOPTS  0
#define PF_PROTO_ICMP	  1
#define PF_PROTO_TCP	  6
#define PF_PROTO_UDP	  17
#define PF_PROTO_ROUTING  43
#define PF_PROTO_FRAGMENT 44
#define PF_PROTO_ICMPV6	  58
#define PF_PROTO_DSTOPTS  60

#define PF_IPV4_OFFSET_MASK 0x1fff /* fragment offset bits of frag_off */
#define PF_IPV4_MF	    0x2000
#define PF_IPV6_OFFSET_MASK 0xfff8 /* fragment offset bits of the fragment header */
#define PF_IPV6_MF	    0x0001

#define PF_TCP_FIN 0x01
#define PF_TCP_SYN 0x02
#define PF_TCP_RST 0x04
#define PF_TCP_PSH 0x08
#define PF_TCP_ACK 0x10
#define PF_TCP_URG 0x20

#define PF_ICMPV6_NEIGHBOUR_SOLICIT 135

/*
 * Wire headers are 2-byte aligned, not 4: after a 14-byte Ethernet header the
 * IP header sits at an odd multiple of 2 in a 4-aligned buffer (DPDK mbufs,
 * XDP frames), and C forbids a 4-aligned struct there even on x86.
 */
#define PF_WIRE __attribute__((packed, aligned(2)))

struct pf_eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
} PF_WIRE;

struct pf_ipv4_hdr {
	__u8 version_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
} PF_WIRE;

struct pf_ipv6_hdr {
	__be32 version_class_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	struct pf_addr6 saddr;
	struct pf_addr6 daddr;
} PF_WIRE;

/* The first 8 bytes of every IPv6 extension header. */
struct pf_ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen; /* 8-byte units beyond the first 8 */
	__u8 data[6];
} PF_WIRE;

struct pf_udp_hdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
} PF_WIRE;

struct pf_tcp_hdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_reserved; /* data offset in 32-bit words << 4 */
	__u8 flags;
	__be16 window;
	__be16 check;
	__be16 urg_ptr;
} PF_WIRE;

/* The ARP body for IPv4 over Ethernet. */
struct pf_arp_hdr {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 oper;
	__u8 sha[6];
	__u8 spa[4];
	__u8 tha[6];
	__u8 tpa[4];
} PF_WIRE;

/* The DNS header's first 6 bytes. */
struct pf_dns_hdr {
	__be16 id;
	__be16 flags;
	__be16 qdcount;
} PF_WIRE;

PF_INLINE int pf_ipv6_is_ext_hdr(__u8 nexthdr)
{
	return nexthdr == PF_PROTO_HOPOPTS || nexthdr == PF_PROTO_ROUTING ||
	       nexthdr == PF_PROTO_DSTOPTS || nexthdr == PF_PROTO_FRAGMENT;
}

/*
 * The L4 header at @l3 + @l4_off. @l3_len is the IP length the header
 * declares: a frame may carry Ethernet padding after it, which is not L4.
 */
PF_INLINE enum pf_stat pf_parse_l4(__u8 *l3, __u32 l4_off, __u32 l3_len, const __u8 *data_end,
				   int ipv6, struct pf_packet *pkt)
{
	__u8 *l4 = l3 + l4_off;
	__u32 need;

	switch (pkt->l4_proto) {
	case PF_PROTO_UDP:
		need = sizeof(struct pf_udp_hdr);
		break;
	case PF_PROTO_TCP:
		need = sizeof(struct pf_tcp_hdr);
		break;
	case PF_PROTO_ICMP:
		if (ipv6)
			return PF_PARSED;
		need = sizeof(struct pf_icmp_hdr);
		break;
	case PF_PROTO_ICMPV6:
		if (!ipv6)
			return PF_PARSED;
		need = sizeof(struct pf_icmp_hdr);
		break;
	default:
		return PF_PARSED;
	}
	if (l4 + need > data_end || l4_off + need > l3_len)
		return PF_STAT_DROP_TRUNCATED_L4;

	if (pkt->l4_proto == PF_PROTO_ICMP || pkt->l4_proto == PF_PROTO_ICMPV6) {
		struct pf_icmp_hdr *icmp = (struct pf_icmp_hdr *)l4;

		if ((__u8 *)(icmp + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L4;
		pkt->icmp_type = icmp->type;
		/* A neighbour solicitation names its target after the fixed
		 * part; it is addressed to a multicast group, not the VIP. */
		if (ipv6 && icmp->type == PF_ICMPV6_NEIGHBOUR_SOLICIT &&
		    (__u8 *)(icmp + 1) + sizeof(struct pf_addr6) <= data_end &&
		    l4_off + sizeof(*icmp) + sizeof(struct pf_addr6) <= l3_len) {
			__builtin_memcpy(&pkt->ns_target, icmp + 1, sizeof(struct pf_addr6));
			pkt->flags |= PF_PKT_HAS_NS_TARGET;
		}
		return PF_PARSED;
	}

	{
		/* Source and dest sit at the same place in both headers. The
		 * check again against data_end gives the verifier a constant
		 * size, whatever clang made of `need`. */
		struct pf_udp_hdr *ports = (struct pf_udp_hdr *)l4;

		if ((__u8 *)(ports + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L4;
		pkt->src_port = PF_BE16(ports->source);
		pkt->dst_port = PF_BE16(ports->dest);
		pkt->flags |= PF_PKT_HAS_PORTS;
	}
	/* A first fragment's lengths describe the whole datagram, which this
	 * frame does not hold: nothing more to read. */
	if (pkt->flags & PF_PKT_FRAGMENT)
		return PF_PARSED;

	if (pkt->l4_proto == PF_PROTO_UDP) {
		struct pf_udp_hdr *udp = (struct pf_udp_hdr *)l4;
		struct pf_dns_hdr *dns = (struct pf_dns_hdr *)(udp + 1);
		__u32 udp_len;

		if ((__u8 *)(udp + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L4;
		udp_len = PF_BE16(udp->len);
		if (udp_len < sizeof(*udp) || l4_off + udp_len > l3_len)
			return PF_STAT_DROP_MALFORMED_L4;
		pkt->payload_offset = (__u16)(pkt->l4_offset + sizeof(*udp));
		pkt->payload_len = (__u16)(udp_len - sizeof(*udp));
		if (pkt->payload_len >= PF_DNS_HEADER_LEN && (__u8 *)(dns + 1) <= data_end) {
			pkt->dns_flags = PF_BE16(dns->flags);
			pkt->dns_qdcount = PF_BE16(dns->qdcount);
			pkt->flags |= PF_PKT_HAS_DNS_HDR;
		}
	} else {
		struct pf_tcp_hdr *tcp = (struct pf_tcp_hdr *)l4;
		__u32 doff_bytes;

		if ((__u8 *)(tcp + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L4;
		doff_bytes = (__u32)(tcp->doff_reserved >> 4) * 4;
		if (doff_bytes < sizeof(*tcp))
			return PF_STAT_DROP_MALFORMED_L4;
		if (l4_off + doff_bytes > l3_len)
			return PF_STAT_DROP_TRUNCATED_L4;
		pkt->tcp_flags = tcp->flags;
		pkt->payload_offset = (__u16)(pkt->l4_offset + doff_bytes);
		pkt->payload_len = (__u16)(l3_len - l4_off - doff_bytes);
	}
	return PF_PARSED;
}

PF_INLINE enum pf_stat pf_parse_ipv4(__u8 *data, const __u8 *data_end, struct pf_packet *pkt)
{
	struct pf_ipv4_hdr *ip = (struct pf_ipv4_hdr *)(data + pkt->l3_offset);
	__u32 hdr_len, tot_len;
	__u16 frag;

	if ((__u8 *)(ip + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0x0f) < 5)
		return PF_STAT_DROP_MALFORMED_IPV4;
	hdr_len = (__u32)(ip->version_ihl & 0x0f) * 4;
	tot_len = PF_BE16(ip->tot_len);
	if (tot_len < hdr_len)
		return PF_STAT_DROP_MALFORMED_IPV4;
	/* Covers the options too, since tot_len >= hdr_len. */
	if ((__u8 *)ip + tot_len > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;

	pkt->src4 = ip->saddr;
	pkt->dst4 = ip->daddr;
	pkt->l4_proto = ip->protocol;
	pkt->l4_offset = (__u16)(pkt->l3_offset + hdr_len);
	pkt->l3_end = (__u16)(pkt->l3_offset + tot_len);
	frag = PF_BE16(ip->frag_off);
	if (frag & (PF_IPV4_OFFSET_MASK | PF_IPV4_MF))
		pkt->flags |= PF_PKT_FRAGMENT;
	if (frag & PF_IPV4_OFFSET_MASK) {
		pkt->flags |= PF_PKT_LATER_FRAGMENT;
		return PF_PARSED;
	}
	return pf_parse_l4((__u8 *)ip, hdr_len, tot_len, data_end, 0, pkt);
}

PF_INLINE enum pf_stat pf_parse_ipv6(__u8 *data, const __u8 *data_end, struct pf_packet *pkt)
{
	struct pf_ipv6_hdr *ip6 = (struct pf_ipv6_hdr *)(data + pkt->l3_offset);
	__u32 l3_len, off;
	__u8 nexthdr;
	int i;

	if ((__u8 *)(ip6 + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;
	if ((PF_BE32(ip6->version_class_flow) >> 28) != 6)
		return PF_STAT_DROP_MALFORMED_IPV6;
	/* Payload length 0 would announce a jumbogram, which no link of ours
	 * carries; taken literally it leaves room for no header. */
	l3_len = sizeof(*ip6) + PF_BE16(ip6->payload_len);
	if ((__u8 *)ip6 + l3_len > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;

	__builtin_memcpy(&pkt->src6, &ip6->saddr, sizeof(pkt->src6));
	__builtin_memcpy(&pkt->dst6, &ip6->daddr, sizeof(pkt->dst6));
	pkt->l3_end = (__u16)(pkt->l3_offset + l3_len);
	nexthdr = ip6->nexthdr;
	off = sizeof(*ip6);
	PF_UNROLL
	for (i = 0; i < PF_IPV6_MAX_EXT_HDRS; i++) {
		struct pf_ipv6_ext_hdr *ext;
		__u32 ext_len;

		if (!pf_ipv6_is_ext_hdr(nexthdr))
			break;
		/* Every extension header is at least 8 bytes long. */
		ext = (struct pf_ipv6_ext_hdr *)((__u8 *)ip6 + off);
		if ((__u8 *)(ext + 1) > data_end || off + sizeof(*ext) > l3_len)
			return PF_STAT_DROP_TRUNCATED_L3;
		if (nexthdr == PF_PROTO_FRAGMENT) {
			struct pf_ipv6_frag_hdr *frag = (struct pf_ipv6_frag_hdr *)ext;
			__u16 frag_off = PF_BE16(frag->frag_off);

			/* Offset 0 without M is an atomic fragment (RFC 6946):
			 * the whole packet, not a fragment. */
			if (frag_off & (PF_IPV6_OFFSET_MASK | PF_IPV6_MF))
				pkt->flags |= PF_PKT_FRAGMENT;
			if (frag_off & PF_IPV6_OFFSET_MASK) {
				pkt->l4_proto = frag->nexthdr;
				pkt->l4_offset = (__u16)(pkt->l3_offset + off + sizeof(*frag));
				pkt->ipv6_ext = (__u8)(i + 1);
				pkt->flags |= PF_PKT_LATER_FRAGMENT;
				return PF_PARSED;
			}
			ext_len = sizeof(*frag);
		} else {
			ext_len = ((__u32)ext->hdrlen + 1) * 8;
		}
		nexthdr = ext->nexthdr;
		off += ext_len;
		pkt->ipv6_ext = (__u8)(i + 1);
	}
	if (pf_ipv6_is_ext_hdr(nexthdr))
		return PF_STAT_DROP_IPV6_EXT_LIMIT;
	if (off > l3_len)
		return PF_STAT_DROP_TRUNCATED_L3;

	pkt->l4_proto = nexthdr;
	pkt->l4_offset = (__u16)(pkt->l3_offset + off);
	return pf_parse_l4((__u8 *)ip6, off, l3_len, data_end, 1, pkt);
}

PF_INLINE enum pf_stat pf_parse_arp(__u8 *data, const __u8 *data_end, struct pf_packet *pkt)
{
	struct pf_arp_hdr *arp = (struct pf_arp_hdr *)(data + pkt->l3_offset);

	if ((__u8 *)(arp + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;
	/* Other hardware or protocol types are not about our VIPs. */
	if (arp->hlen == 6 && arp->plen == 4 && arp->ptype == PF_BE16(PF_ETH_P_IP))
		__builtin_memcpy(&pkt->arp_tpa, arp->tpa, sizeof(pkt->arp_tpa));
	return PF_PARSED;
}

/*
 * pf_parse() - read a frame's headers into @pkt.
 * Return: PF_PARSED, or the drop verdict of a truncated or malformed header.
 */
PF_INLINE enum pf_stat pf_parse(__u8 *data, const __u8 *data_end, struct pf_packet *pkt)
{
	struct pf_eth_hdr *eth = (struct pf_eth_hdr *)data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((__u8 *)(eth + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L2;
	proto = eth->proto;
	PF_UNROLL
	for (i = 0; i < PF_MAX_VLAN_TAGS; i++) {
		struct pf_vlan_hdr *vlan;

		if (proto != PF_BE16(PF_ETH_P_8021Q) && proto != PF_BE16(PF_ETH_P_8021AD))
			break;
		vlan = (struct pf_vlan_hdr *)(data + off);
		if ((__u8 *)(vlan + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L2;
		proto = vlan->encapsulated_proto;
		off += sizeof(*vlan);
		pkt->vlan_tags = (__u8)(i + 1);
	}
	pkt->l3_proto = PF_BE16(proto);
	pkt->l3_offset = (__u16)off;

	switch (pkt->l3_proto) {
	case PF_ETH_P_IP:
		return pf_parse_ipv4(data, data_end, pkt);
	case PF_ETH_P_IPV6:
		return pf_parse_ipv6(data, data_end, pkt);
	case PF_ETH_P_ARP:
		return pf_parse_arp(data, data_end, pkt);
	default:
		return PF_PARSED;
	}
}

/* ---- verdicts ---------------------------------------------------------- */

/* The network-order /64 of an IPv6 address, the key of pf_rate6. */
PF_INLINE __u64 pf_prefix64(const struct pf_addr6 *a)
{
	__u64 p;

	__builtin_memcpy(&p, a->addr, sizeof(p));
	return p;
}

/*
 * Take one token from @b, refilled at @pps up to @burst since its last use.
 * Return: 1 when the packet may pass.
 */
PF_INLINE int pf_bucket_take(struct pf_bucket *b, __u64 now_ns, __u32 pps, __u32 burst)
{
	__u64 full = (__u64)burst * PF_NS_PER_S;
	__u64 idle = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
	__u64 credits;

	if (idle > PF_RATE_MAX_IDLE_NS)
		idle = PF_RATE_MAX_IDLE_NS;
	credits = b->credits + idle * pps;
	if (credits > full)
		credits = full;
	b->last_ns = now_ns;
	if (credits < PF_NS_PER_S) {
		b->credits = credits;
		return 0;
	}
	b->credits = credits - PF_NS_PER_S;
	return 1;
}

PF_INLINE int pf_within_rate(struct pf_env *env, const struct pf_packet *pkt,
			     const struct pf_config *cfg)
{
	__u64 now = pf_env_now_ns(env);
	struct pf_bucket *b;

	if (pkt->l3_proto == PF_ETH_P_IP) {
		if (cfg->rate4_pps == 0)
			return 1;
		if (pf_env_allowed4(env, pkt->src4)) {
			pf_env_count_detail(env, PF_STAT_ALLOWLISTED);
			return 1;
		}
		b = pf_env_bucket4(env, pkt->src4, now, (__u64)cfg->rate4_burst * PF_NS_PER_S);
		return b == 0 || pf_bucket_take(b, now, cfg->rate4_pps, cfg->rate4_burst);
	}
	if (cfg->rate6_pps == 0)
		return 1;
	if (pf_env_allowed6(env, &pkt->src6)) {
		pf_env_count_detail(env, PF_STAT_ALLOWLISTED);
		return 1;
	}
	b = pf_env_bucket6(env, pf_prefix64(&pkt->src6), now,
			   (__u64)cfg->rate6_burst * PF_NS_PER_S);
	return b == 0 || pf_bucket_take(b, now, cfg->rate6_pps, cfg->rate6_burst);
}

PF_INLINE enum pf_stat pf_dns_sanity(const struct pf_packet *pkt)
{
	__u16 opcode = (pkt->dns_flags >> 11) & 0x0f;

	if (!(pkt->flags & PF_PKT_HAS_DNS_HDR) || pkt->payload_len < PF_DNS_MIN_QUERY)
		return PF_STAT_DROP_DNS_SHORT;
	if (pkt->dns_flags & 0x8000)
		return PF_STAT_DROP_DNS_RESPONSE;
	if (opcode != PF_DNS_OPCODE_QUERY && opcode != PF_DNS_OPCODE_NOTIFY)
		return PF_STAT_DROP_DNS_OPCODE;
	if (pkt->dns_qdcount != 1)
		return PF_STAT_DROP_DNS_QDCOUNT;
	return PF_PARSED;
}

PF_INLINE enum pf_stat pf_tcp_sanity(const struct pf_packet *pkt)
{
	__u8 f = pkt->tcp_flags;

	/* No flag at all, SYN with FIN or RST, FIN with RST, and FIN, PSH or
	 * URG without ACK (every segment after the first SYN carries ACK) are
	 * scans or attacks, never a conversation. */
	if ((f & (PF_TCP_FIN | PF_TCP_SYN | PF_TCP_RST | PF_TCP_PSH | PF_TCP_ACK | PF_TCP_URG)) ==
		0 ||
	    (f & (PF_TCP_SYN | PF_TCP_FIN)) == (PF_TCP_SYN | PF_TCP_FIN) ||
	    (f & (PF_TCP_SYN | PF_TCP_RST)) == (PF_TCP_SYN | PF_TCP_RST) ||
	    (f & (PF_TCP_FIN | PF_TCP_RST)) == (PF_TCP_FIN | PF_TCP_RST) ||
	    ((f & (PF_TCP_FIN | PF_TCP_PSH | PF_TCP_URG)) && !(f & PF_TCP_ACK)))
		return PF_STAT_DROP_TCP_FLAGS;
	/* Data on a SYN is a flood's trick (no Fast Open here). */
	if ((f & PF_TCP_SYN) && pkt->payload_len != 0)
		return PF_STAT_DROP_TCP_SYN_PAYLOAD;
	return PF_PARSED;
}

/* Whether the IP packet is addressed to a VIP (or solicits a VIP's MAC). */
PF_INLINE int pf_for_vip(struct pf_env *env, const struct pf_packet *pkt)
{
	if (pkt->l3_proto == PF_ETH_P_IP)
		return pf_env_vip4(env, pkt->dst4);
	if (pf_env_vip6(env, &pkt->dst6))
		return 1;
	/* A solicitation goes to the target's solicited-node group. */
	return pkt->l4_proto == PF_PROTO_ICMPV6 && (pkt->flags & PF_PKT_HAS_NS_TARGET) &&
	       pkt->dst6.addr[0] == 0xff && pf_env_vip6(env, &pkt->ns_target);
}

PF_INLINE int pf_from_vip(struct pf_env *env, const struct pf_packet *pkt)
{
	if (pkt->l3_proto == PF_ETH_P_IP)
		return pf_env_vip4(env, pkt->src4);
	return pf_env_vip6(env, &pkt->src6);
}

PF_INLINE int pf_blocked(struct pf_env *env, const struct pf_packet *pkt)
{
	if (pkt->l3_proto == PF_ETH_P_IP)
		return pf_env_blocked4(env, pkt->src4);
	return pf_env_blocked6(env, &pkt->src6);
}

/*
 * pf_filter() - the verdict on one frame.
 * Return: the pf_stat verdict counter the frame belongs to: TO_DATAPLANE,
 * PASS_KERNEL or PASS_FRAGMENT (XDP_PASS), or a DROP_*.
 */
PF_INLINE enum pf_stat pf_filter(struct pf_env *env, __u8 *data, const __u8 *data_end,
				 struct pf_packet *pkt)
{
	struct pf_config cfg;
	enum pf_stat v = pf_parse(data, data_end, pkt);

	if (v != PF_PARSED)
		return v;
	if (pkt->l3_proto == PF_ETH_P_ARP)
		return pkt->arp_tpa != 0 && pf_env_vip4(env, pkt->arp_tpa) ? PF_STAT_TO_DATAPLANE
									   : PF_STAT_PASS_KERNEL;
	if (pkt->l3_proto != PF_ETH_P_IP && pkt->l3_proto != PF_ETH_P_IPV6)
		return PF_STAT_PASS_KERNEL;
	if (!pf_for_vip(env, pkt))
		return PF_STAT_PASS_KERNEL;
	if (pf_from_vip(env, pkt))
		return PF_STAT_DROP_SPOOFED_VIP;
	if (pf_blocked(env, pkt))
		return PF_STAT_DROP_BLOCKED;
	pf_env_config(env, &cfg);
	/* popdp reassembles nothing, and a later fragment has no port to tell
	 * what it belongs to: every fragment for a VIP gets the policy. */
	if (pkt->flags & PF_PKT_FRAGMENT)
		return (cfg.flags & PF_CONFIG_PASS_FRAGMENTS) ? PF_STAT_PASS_FRAGMENT
							      : PF_STAT_DROP_FRAGMENT;
	if (pkt->l4_proto == PF_PROTO_ICMP || pkt->l4_proto == PF_PROTO_ICMPV6) {
		if ((pkt->l4_proto == PF_PROTO_ICMP) != (pkt->l3_proto == PF_ETH_P_IP))
			return PF_STAT_PASS_KERNEL;
		return pf_within_rate(env, pkt, &cfg) ? PF_STAT_TO_DATAPLANE
						      : PF_STAT_DROP_RATE_LIMITED;
	}
	if (!(pkt->flags & PF_PKT_HAS_PORTS) || !pf_env_port(env, pkt->l4_proto, pkt->dst_port))
		return PF_STAT_PASS_KERNEL;
	if (!pf_within_rate(env, pkt, &cfg))
		return PF_STAT_DROP_RATE_LIMITED;
	if (pkt->l4_proto == PF_PROTO_UDP && pkt->dst_port == PF_PORT_DNS) {
		v = pf_dns_sanity(pkt);
		if (v != PF_PARSED)
			return v;
	}
	if (pkt->l4_proto == PF_PROTO_TCP) {
		v = pf_tcp_sanity(pkt);
		if (v != PF_PARSED)
			return v;
	}
	return PF_STAT_TO_DATAPLANE;
}

#endif
