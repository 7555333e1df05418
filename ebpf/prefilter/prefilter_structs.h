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

/* An 802.1Q or 802.1ad tag, after the TPID that announced it. */
struct pf_vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* The IPv6 fragment extension header (RFC 8200 section 4.5). */
struct pf_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3 | M flag */
	__be32 identification;
};

/*
 * The fixed part of an ICMP or ICMPv6 header: every message of either has
 * these 8 bytes (<linux/icmp.h> pulls in libc headers, unusable in BPF).
 */
struct pf_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest; /* identifier and sequence, MTU, pointer or unused */
};

/* pf_packet.flags */
#define PF_PKT_LATER_FRAGMENT 0x01 /* IPv4/IPv6 fragment with offset != 0: no L4 header */
#define PF_PKT_HAS_PORTS      0x02 /* TCP or UDP header present: ports are valid */

/* What the parser learnt about a frame; the classifier decides from it. */
struct pf_packet {
	__u16 l3_proto;	 /* ethertype after the VLAN tags, host order */
	__u8 vlan_tags;	 /* tags skipped, 0..PF_MAX_VLAN_TAGS */
	__u8 l4_proto;	 /* IPv4 protocol or last IPv6 next header */
	__u8 flags;	 /* PF_PKT_* */
	__u8 ipv6_ext;	 /* IPv6 extension headers skipped */
	__u16 l3_offset; /* bytes from the frame start to the IP header */
	__u16 l4_offset; /* bytes from the frame start to the L4 header */
	__u16 src_port;	 /* host order, with PF_PKT_HAS_PORTS */
	__u16 dst_port;	 /* host order, with PF_PKT_HAS_PORTS */
};

#endif
