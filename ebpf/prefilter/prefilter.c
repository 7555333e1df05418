// SPDX-License-Identifier: BSD-3-Clause
/*
 * pop's XDP prefilter: the first thing a frame meets. What popdp serves
 * (ARP, ICMP/ICMPv6 with neighbour discovery, DNS, HTTP, HTTPS, and IP
 * protocols other than TCP and UDP, which popdp counts) goes to popdp's
 * AF_XDP socket; what the host itself uses (management, origin replies,
 * other ethertypes, later fragments) goes to the kernel; frames whose headers
 * are truncated or malformed are dropped, counted by reason.
 *
 * The program is split in stages so later checks (blocklists, rate limits,
 * DNS sanity) slot in between parsing and the verdict:
 *   pf_parse()    L2 -> L3 -> L4 headers into struct pf_packet, or a drop;
 *   pf_classify() the packet's destination: popdp or the kernel.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "prefilter_consts.h"
#include "prefilter_structs.h"
#include "prefilter_maps.h"

/* A parser stage's result when it reached no verdict: go on. */
#define PF_PARSED PF_STAT_MAX

#define PF_IPV4_OFFSET_MASK 0x1fff /* fragment offset bits of iphdr.frag_off */
#define PF_IPV6_OFFSET_MASK 0xfff8 /* fragment offset bits of the fragment header */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void pf_count(__u32 stat, __u64 bytes)
{
	struct pf_counter *counter = bpf_map_lookup_elem(&prefilter_stats, &stat);

	/* Per-CPU values: no other CPU writes them, no atomics needed. */
	if (counter) {
		counter->packets++;
		counter->bytes += bytes;
	}
}

static __always_inline int pf_ipv6_is_ext_hdr(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

/*
 * The L4 header at @l3 + @l4_off. @l3_len is the IP length the header
 * declares: a frame may carry Ethernet padding after it, which is not L4.
 */
static __always_inline enum pf_stat pf_parse_l4(__u8 *l3, __u32 l4_off, __u32 l3_len,
						const __u8 *data_end, int ipv6,
						struct pf_packet *pkt)
{
	__u8 *l4 = l3 + l4_off;
	__u32 need;

	switch (pkt->l4_proto) {
	case IPPROTO_UDP:
		need = sizeof(struct udphdr);
		break;
	case IPPROTO_TCP:
		need = sizeof(struct tcphdr);
		break;
	case IPPROTO_ICMP:
		if (ipv6)
			return PF_PARSED;
		need = sizeof(struct pf_icmp_hdr);
		break;
	case IPPROTO_ICMPV6:
		if (!ipv6)
			return PF_PARSED;
		need = sizeof(struct pf_icmp_hdr);
		break;
	default:
		/* Other protocols go whole to popdp, which counts them. */
		return PF_PARSED;
	}
	if (l4 + need > data_end || l4_off + need > l3_len)
		return PF_STAT_DROP_TRUNCATED_L4;

	if (pkt->l4_proto == IPPROTO_UDP || pkt->l4_proto == IPPROTO_TCP) {
		/* Source and dest sit at the same place in both headers. The
		 * check again against data_end gives the verifier a constant
		 * size, whatever clang made of `need`. */
		struct udphdr *ports = (struct udphdr *)l4;

		if ((__u8 *)(ports + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L4;
		pkt->src_port = bpf_ntohs(ports->source);
		pkt->dst_port = bpf_ntohs(ports->dest);
		pkt->flags |= PF_PKT_HAS_PORTS;
	}
	return PF_PARSED;
}

static __always_inline enum pf_stat pf_parse_ipv4(__u8 *data, const __u8 *data_end,
						  struct pf_packet *pkt)
{
	struct iphdr *ip = (struct iphdr *)(data + pkt->l3_offset);
	__u32 hdr_len, tot_len;

	if ((__u8 *)(ip + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;
	if (ip->version != 4 || ip->ihl < 5)
		return PF_STAT_DROP_MALFORMED_IPV4;
	hdr_len = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < hdr_len)
		return PF_STAT_DROP_MALFORMED_IPV4;
	/* Covers the options too, since tot_len >= hdr_len. */
	if ((__u8 *)ip + tot_len > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;

	pkt->l4_proto = ip->protocol;
	pkt->l4_offset = pkt->l3_offset + hdr_len;
	if (bpf_ntohs(ip->frag_off) & PF_IPV4_OFFSET_MASK) {
		pkt->flags |= PF_PKT_LATER_FRAGMENT;
		return PF_PARSED;
	}
	return pf_parse_l4((__u8 *)ip, hdr_len, tot_len, data_end, 0, pkt);
}

static __always_inline enum pf_stat pf_parse_ipv6(__u8 *data, const __u8 *data_end,
						  struct pf_packet *pkt)
{
	struct ipv6hdr *ip6 = (struct ipv6hdr *)(data + pkt->l3_offset);
	__u32 l3_len, off;
	__u8 nexthdr;
	int i;

	if ((__u8 *)(ip6 + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;
	if (ip6->version != 6)
		return PF_STAT_DROP_MALFORMED_IPV6;
	/* Payload length 0 would announce a jumbogram, which no link of ours
	 * carries; taken literally it leaves room for no header. */
	l3_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if ((__u8 *)ip6 + l3_len > data_end)
		return PF_STAT_DROP_TRUNCATED_L3;

	nexthdr = ip6->nexthdr;
	off = sizeof(*ip6);
#pragma clang loop unroll(full)
	for (i = 0; i < PF_IPV6_MAX_EXT_HDRS; i++) {
		struct ipv6_opt_hdr *ext;
		__u32 ext_len;

		if (!pf_ipv6_is_ext_hdr(nexthdr))
			break;
		/* Every extension header is at least 8 bytes long. */
		ext = (struct ipv6_opt_hdr *)((__u8 *)ip6 + off);
		if ((__u8 *)ext + 8 > data_end || off + 8 > l3_len)
			return PF_STAT_DROP_TRUNCATED_L3;
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct pf_ipv6_frag_hdr *frag = (struct pf_ipv6_frag_hdr *)ext;

			if (bpf_ntohs(frag->frag_off) & PF_IPV6_OFFSET_MASK) {
				pkt->l4_proto = frag->nexthdr;
				pkt->l4_offset = pkt->l3_offset + off + sizeof(*frag);
				pkt->ipv6_ext = i + 1;
				pkt->flags |= PF_PKT_LATER_FRAGMENT;
				return PF_PARSED;
			}
			ext_len = sizeof(*frag);
		} else {
			ext_len = ((__u32)ext->hdrlen + 1) * 8;
		}
		nexthdr = ext->nexthdr;
		off += ext_len;
		pkt->ipv6_ext = i + 1;
	}
	if (pf_ipv6_is_ext_hdr(nexthdr))
		return PF_STAT_DROP_IPV6_EXT_LIMIT;
	if (off > l3_len)
		return PF_STAT_DROP_TRUNCATED_L3;

	pkt->l4_proto = nexthdr;
	pkt->l4_offset = pkt->l3_offset + off;
	return pf_parse_l4((__u8 *)ip6, off, l3_len, data_end, 1, pkt);
}

static __always_inline enum pf_stat pf_parse(__u8 *data, const __u8 *data_end,
					     struct pf_packet *pkt)
{
	struct ethhdr *eth = (struct ethhdr *)data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((__u8 *)(eth + 1) > data_end)
		return PF_STAT_DROP_TRUNCATED_L2;
	proto = eth->h_proto;
#pragma clang loop unroll(full)
	for (i = 0; i < PF_MAX_VLAN_TAGS; i++) {
		struct pf_vlan_hdr *vlan;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vlan = (struct pf_vlan_hdr *)(data + off);
		if ((__u8 *)(vlan + 1) > data_end)
			return PF_STAT_DROP_TRUNCATED_L2;
		proto = vlan->encapsulated_proto;
		off += sizeof(*vlan);
		pkt->vlan_tags = i + 1;
	}
	pkt->l3_proto = bpf_ntohs(proto);
	pkt->l3_offset = off;

	switch (pkt->l3_proto) {
	case ETH_P_IP:
		return pf_parse_ipv4(data, data_end, pkt);
	case ETH_P_IPV6:
		return pf_parse_ipv6(data, data_end, pkt);
	default:
		return PF_PARSED;
	}
}

static __always_inline int pf_is_served_port(__u16 port)
{
	return port == PF_PORT_DNS || port == PF_PORT_HTTP || port == PF_PORT_HTTPS;
}

static __always_inline enum pf_stat pf_classify(const struct pf_packet *pkt)
{
	if (pkt->l3_proto == ETH_P_ARP)
		return PF_STAT_TO_DATAPLANE;
	if (pkt->l3_proto != ETH_P_IP && pkt->l3_proto != ETH_P_IPV6)
		return PF_STAT_PASS_KERNEL;
	/* Without its L4 header a fragment cannot be told apart: the kernel
	 * reassembles; popdp sees only what fits unfragmented. */
	if (pkt->flags & PF_PKT_LATER_FRAGMENT)
		return PF_STAT_PASS_KERNEL;
	if (pkt->l4_proto == IPPROTO_TCP || pkt->l4_proto == IPPROTO_UDP)
		return pf_is_served_port(pkt->dst_port) ? PF_STAT_TO_DATAPLANE
							: PF_STAT_PASS_KERNEL;
	return PF_STAT_TO_DATAPLANE;
}

SEC("xdp")
int pop_prefilter(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *data_end = (__u8 *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct pf_packet pkt = {};
	enum pf_stat verdict;
	int action;

	verdict = pf_parse(data, data_end, &pkt);
	if (verdict == PF_PARSED)
		verdict = pf_classify(&pkt);
	pf_count(verdict, bytes);

	switch (verdict) {
	case PF_STAT_TO_DATAPLANE:
		action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
		if (action != XDP_REDIRECT)
			pf_count(PF_STAT_DATAPLANE_NO_SOCKET, bytes);
		return action;
	case PF_STAT_PASS_KERNEL:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}
