/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structures of the XDP prefilter: the values of its maps (shared with user
 * space, which reads them), the wire headers the kernel's UAPI does not
 * export, and the parse result handed from the parser to the classifier.
 */
#ifndef POP_PREFILTER_STRUCTS_H
#define POP_PREFILTER_STRUCTS_H

#include <linux/types.h>

/*
 * Value of one prefilter_stats entry on one CPU (a BPF_MAP_TYPE_PERCPU_ARRAY:
 * user space reads libbpf_num_possible_cpus() of them per key and sums).
 */
struct pf_counter {
	__u64 packets;
	__u64 bytes; /* frame bytes from the Ethernet header on, no FCS */
};

/*
 * The one entry of pf_config (an array of 1): rates of the per-source token
 * buckets (0 pps: that limit is off) and flags PF_CONFIG_*. Written by
 * popdp's control thread from popd's prefilter table.
 */
struct pf_config {
	__u32 flags;
	__u32 rate4_pps;   /* tokens per second per IPv4 source (/32) */
	__u32 rate4_burst; /* bucket size, tokens */
	__u32 rate6_pps;   /* tokens per second per IPv6 /64 */
	__u32 rate6_burst;
	__u32 reserved;
};

/* Key of pf_ports: a {protocol, destination port} served by popdp. */
struct pf_port_key {
	__u16 port; /* host order */
	__u8 proto; /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 pad;   /* 0 */
};

/* Keys of the LPM tries pf_block4 / pf_allow4 (prefixlen 0..32). */
struct pf_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4]; /* network order */
};

/* Keys of the LPM tries pf_block6 / pf_allow6 (prefixlen 0..128). */
struct pf_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Key of pf_vip6 (pf_vip4's key is the address as a network-order __u32). */
struct pf_addr6 {
	__u8 addr[16];
};

/*
 * A source's token bucket (values of pf_rate4, keyed by the /32, and
 * pf_rate6, keyed by the /64 as a network-order __u64). `credits` counts
 * tokens * PF_NS_PER_S so refilling is a multiplication: pps credits per ns.
 */
struct pf_bucket {
	__u64 credits;
	__u64 last_ns;
};

/* An 802.1Q or 802.1ad tag, after the TPID that announced it. */
struct pf_vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
} __attribute__((packed, aligned(2)));

/* The IPv6 fragment extension header (RFC 8200 section 4.5). */
struct pf_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3 | M flag */
	__be32 identification;
} __attribute__((packed, aligned(2)));

/*
 * The fixed part of an ICMP or ICMPv6 header: every message of either has
 * these 8 bytes (<linux/icmp.h> pulls in libc headers, unusable in BPF).
 */
struct pf_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest; /* identifier and sequence, MTU, pointer or unused */
} __attribute__((packed, aligned(2)));

/* pf_packet.flags */
#define PF_PKT_LATER_FRAGMENT 0x01 /* IPv4/IPv6 fragment with offset != 0: no L4 header */
#define PF_PKT_HAS_PORTS      0x02 /* TCP or UDP header present: ports are valid */
#define PF_PKT_FRAGMENT	      0x04 /* any fragment: later, or the first with more to come */
#define PF_PKT_HAS_DNS_HDR    0x08 /* UDP payload of 12 bytes or more: dns_* are valid */
#define PF_PKT_HAS_NS_TARGET  0x10 /* ICMPv6 neighbour solicitation: ns_target is valid */

/* What the parser learnt about a frame; the classifier decides from it. */
struct pf_packet {
	__u16 l3_proto;	      /* ethertype after the VLAN tags, host order */
	__u8 vlan_tags;	      /* tags skipped, 0..PF_MAX_VLAN_TAGS */
	__u8 l4_proto;	      /* IPv4 protocol or last IPv6 next header */
	__u8 flags;	      /* PF_PKT_* */
	__u8 ipv6_ext;	      /* IPv6 extension headers skipped */
	__u16 l3_offset;      /* bytes from the frame start to the IP header */
	__u16 l4_offset;      /* bytes from the frame start to the L4 header */
	__u16 src_port;	      /* host order, with PF_PKT_HAS_PORTS */
	__u16 dst_port;	      /* host order, with PF_PKT_HAS_PORTS */
	__u16 l3_end;	      /* bytes from the frame start to the end of the IP packet */
	__u16 payload_offset; /* UDP/TCP payload, with PF_PKT_HAS_PORTS */
	__u16 payload_len;
	__u8 tcp_flags;	 /* byte 13 of the TCP header (CWR..FIN) */
	__u8 icmp_type;	 /* ICMP or ICMPv6 type */
	__u16 dns_flags; /* DNS header bytes 2-3 (QR, opcode, ...), host order */
	__u16 dns_qdcount;
	__u32 src4, dst4; /* IPv4 addresses, network order */
	struct pf_addr6 src6, dst6;
	struct pf_addr6 ns_target; /* with PF_PKT_HAS_NS_TARGET */
	__u32 arp_tpa;		   /* ARP target protocol address, network order (l3_proto ARP) */
};

#endif
