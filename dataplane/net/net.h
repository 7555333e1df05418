/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file net.h
 * The data plane's link and network layers: Ethernet, ARP, IPv4, ICMP, IPv6,
 * ICMPv6 and neighbour discovery for the appliance's VIPs.
 *
 * The functions work on a frame in a flat buffer and rewrite it in place, so
 * they are pure logic: the worker hands them mbuf data, the unit tests, the
 * fuzzer and popbench hand them byte arrays. No allocation, no syscall, no
 * lock; all state they write is the caller's per-core counters.
 */
#ifndef POP_NET_H
#define POP_NET_H

#include <stdbool.h>
#include <stdint.h>

#define NET_ETHER_ADDR_LEN 6
#define NET_MAX_VIPS	   16

/**
 * Why a frame was dropped. Every drop is counted under exactly one reason;
 * the names are stable identifiers shown by `popctl stats`.
 */
#define NET_DROP_REASONS(X)                                                                        \
	X(ETH_TRUNCATED, "eth_truncated")                                                          \
	X(ETH_NOT_FOR_US, "eth_not_for_us")                                                        \
	X(ETH_VLAN, "eth_vlan_tagged")                                                             \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_ethertype")                                               \
	X(ARP_MALFORMED, "arp_malformed")                                                          \
	X(ARP_NOT_REQUEST, "arp_not_request")                                                      \
	X(ARP_NOT_FOR_VIP, "arp_not_for_vip")                                                      \
	X(IP4_MALFORMED, "ipv4_malformed")                                                         \
	X(IP4_BAD_CHECKSUM, "ipv4_bad_checksum")                                                   \
	X(IP4_FRAGMENT, "ipv4_fragment")                                                           \
	X(IP4_NOT_FOR_VIP, "ipv4_not_for_vip")                                                     \
	X(IP4_BAD_SOURCE, "ipv4_bad_source")                                                       \
	X(IP4_UNKNOWN_PROTO, "ipv4_unknown_protocol")                                              \
	X(ICMP4_MALFORMED, "icmp_malformed")                                                       \
	X(ICMP4_UNHANDLED, "icmp_unhandled_type")                                                  \
	X(IP6_MALFORMED, "ipv6_malformed")                                                         \
	X(IP6_NOT_FOR_VIP, "ipv6_not_for_vip")                                                     \
	X(IP6_BAD_SOURCE, "ipv6_bad_source")                                                       \
	X(IP6_FRAGMENT, "ipv6_fragment")                                                           \
	X(IP6_UNKNOWN_NEXT_HEADER, "ipv6_unknown_next_header")                                     \
	X(ICMP6_MALFORMED, "icmpv6_malformed")                                                     \
	X(ICMP6_UNHANDLED, "icmpv6_unhandled_type")                                                \
	X(NDP_MALFORMED, "ndp_malformed")                                                          \
	X(NDP_NOT_FOR_VIP, "ndp_not_for_vip")                                                      \
	X(UDP_NO_LISTENER, "udp_no_listener")                                                      \
	X(UDP_MALFORMED, "udp_malformed")                                                          \
	X(UDP_BAD_CHECKSUM, "udp_bad_checksum")                                                    \
	X(TCP_NO_LISTENER, "tcp_no_listener")                                                      \
	X(TCP_MALFORMED, "tcp_malformed")                                                          \
	X(TCP_BAD_CHECKSUM, "tcp_bad_checksum")

enum net_drop_reason {
#define NET_DROP_ENUM(id, name) NET_DROP_##id,
	NET_DROP_REASONS(NET_DROP_ENUM)
#undef NET_DROP_ENUM
	    NET_DROP_MAX
};

/** What the caller does with the frame after net_rx_frame(). */
enum net_verdict {
	NET_VERDICT_DROP = 0, /**< free it; the reason is already counted */
	NET_VERDICT_TX = 1,   /**< send it back out of the port it came in on */
	NET_VERDICT_DNS = 2,  /**< a UDP datagram to port 53 of a VIP: see struct net_l4 */
	NET_VERDICT_TCP = 3,  /**< a TCP segment to a VIP (checksum good): see struct net_l4 */
};

#define NET_DNS_PORT 53

/** Where a datagram handed to an upper layer sits in its frame. */
struct net_l4 {
	uint8_t family;	      /**< 4 or 6 */
	uint8_t src_addr[16]; /**< the sender's address (4 or 16 bytes used) */
	uint16_t src_port, dst_port;
	uint16_t l3_off;      /**< the IP header */
	uint16_t l4_off;      /**< the UDP header */
	uint16_t payload_off; /**< the datagram's payload */
	uint16_t payload_len;
	uint16_t max_reply_payload; /**< the largest payload a reply may carry (MTU 1500) */
	uint8_t dst_addr[16];	    /**< the VIP it was sent to (TCP only) */
};

/** Per-core counters: written only by the worker that owns them. */
struct net_counters {
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t arp_replies;
	uint64_t icmp4_echo_replies;
	uint64_t icmp6_echo_replies;
	uint64_t ndp_adverts;
	uint64_t dns_datagrams; /**< handed up (NET_VERDICT_DNS): neither sent nor dropped here */
	uint64_t tcp_segments;	/**< handed up (NET_VERDICT_TCP) */
	uint64_t drops[NET_DROP_MAX];
} __attribute__((aligned(64)));

/** One interface's identity: its MAC and the VIPs it answers for. */
struct net_iface {
	uint8_t mac[NET_ETHER_ADDR_LEN];
	unsigned n_vip4;
	unsigned n_vip6;
	uint32_t vip4[NET_MAX_VIPS];	/**< network byte order */
	uint8_t vip6[NET_MAX_VIPS][16]; /**< network byte order */
};

/**
 * Add a VIP given as text (IPv4 dotted quad or IPv6).
 * @return 0, -EINVAL if @p addr is not an address or not a unicast one,
 *   -EEXIST if present, -POP_ELIMIT past NET_MAX_VIPS. Control thread.
 */
int net_iface_add_vip(struct net_iface *ifc, const char *addr);

/**
 * Handle one received frame.
 * @param ifc  the receiving interface (read only).
 * @param frame the frame, starting at the Ethernet header; rewritten in place
 *   when the verdict is NET_VERDICT_TX.
 * @param len  in: received length; out: length of the frame to send.
 * @param cap  bytes writable at @p frame (a reply may be longer than the
 *   request, e.g. a neighbour advertisement answering a DAD probe).
 * @param c    the calling core's counters.
 * @return the verdict. Worker threads; any number in parallel on their own
 *   frames and counters.
 */
enum net_verdict net_rx_frame(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
			      uint16_t cap, struct net_counters *c);

/**
 * As net_rx_frame(), and when @p l4 is not NULL, a UDP datagram to port 53 of
 * a VIP (valid header, length and checksum) is handed up: the verdict is
 * NET_VERDICT_DNS and @p l4 says where it is. The caller writes its reply
 * payload at frame + l4->payload_off and calls net_udp_reply(). With @p l4
 * NULL such datagrams are dropped as udp_no_listener.
 */
enum net_verdict net_rx_frame_l4(const struct net_iface *ifc, uint8_t *frame, uint16_t *len,
				 uint16_t cap, struct net_counters *c, struct net_l4 *l4);

/**
 * Turn the datagram of @p l4 into its reply: @p payload_len bytes were
 * written at frame + l4->payload_off. Swaps addresses and ports, sets
 * lengths, TTL/hop limit and checksums (IPv6 extension headers are not
 * echoed).
 * @return the reply frame's length. Worker threads.
 */
uint16_t net_udp_reply(const struct net_iface *ifc, uint8_t *frame, const struct net_l4 *l4,
		       uint16_t payload_len);

/**
 * With @p l4 given to net_rx_frame_l4(), a TCP segment to a VIP with a good
 * checksum is handed up as NET_VERDICT_TCP: l4_off is the TCP header,
 * payload_off equals it and payload_len is the whole segment (header and
 * data), dst_addr the VIP. (Without @p l4: dropped as tcp_no_listener.)
 */

/** Offset of the TCP header in a frame net_tcp_frame() builds: Ethernet + IP. */
static inline unsigned net_tcp_header_offset(uint8_t family)
{
	return 14u + (family == 4 ? 20u : 40u);
}

/**
 * Complete a TCP frame whose segment (header and payload, @p tcp_len bytes,
 * checksum field zero) is already at frame + net_tcp_header_offset(): write
 * the Ethernet header (from our MAC to @p dst_mac), the IP header (no
 * options, DF set, TTL/hop limit 64) and the TCP checksum.
 * @return the frame's length. Worker threads.
 */
uint16_t net_tcp_frame(const struct net_iface *ifc, uint8_t *frame, uint8_t family,
		       const uint8_t *src_addr, const uint8_t *dst_addr, const uint8_t *dst_mac,
		       uint16_t tcp_len);

/** One piece of a payload in several places (net_csum_iov(), net_tcp_frame_iov()). */
struct net_iov {
	const void *base;
	uint32_t len;
};

/**
 * As net_tcp_frame() with the payload elsewhere, in @p n pieces totalling
 * @p payload_len bytes: only the TCP header (@p hdr_len bytes, a multiple of
 * 4) is at frame + net_tcp_header_offset(); the checksum covers the pieces.
 * @return the length of what is in @p frame (headers only). Worker threads.
 */
uint16_t net_tcp_frame_iov(const struct net_iface *ifc, uint8_t *frame, uint8_t family,
			   const uint8_t *src_addr, const uint8_t *dst_addr, const uint8_t *dst_mac,
			   uint16_t hdr_len, const struct net_iov *payload, unsigned n,
			   uint16_t payload_len);

/** Stable name of a drop reason, or "unknown". */
const char *net_drop_reason_name(unsigned reason);

/** Add @p from into @p into (the main thread sums the workers' counters). */
void net_counters_add(struct net_counters *into, const struct net_counters *from);

/**
 * Internet checksum (RFC 1071) of @p len bytes, folded, not complemented,
 * starting from the partial sum @p sum. Exposed for tests and upper layers.
 */
uint32_t net_csum_partial(const void *data, uint32_t len, uint32_t sum);

/** Fold a partial sum to 16 bits and complement it: the value to store. */
uint16_t net_csum_finish(uint32_t sum);

/**
 * Flow steering: a hash of a TCP frame's 5-tuple that is the same for both
 * directions of the flow (the endpoints are put in order before hashing),
 * keyed by @p seed (one per process, so every core agrees). False, and
 * @p hash untouched, for anything but an unfragmented TCP segment over IPv4
 * or IPv6 (no extension headers): such frames stay where they arrived.
 * Reads at most the IP header and the ports; no validation beyond that.
 */
bool net_flow_hash(const uint8_t *frame, uint16_t len, uint64_t seed, uint32_t *hash);

/** The worker (0..@p n_workers-1) that owns flows of @p hash: an even split of the range. */
static inline unsigned net_flow_owner(uint32_t hash, unsigned n_workers)
{
	return (unsigned)(((uint64_t)hash * n_workers) >> 32);
}

/**
 * net_csum_partial() over the concatenation of @p n pieces (any lengths,
 * odd ones included), starting at an even offset.
 */
uint32_t net_csum_iov(const struct net_iov *iov, unsigned n, uint32_t sum);

#endif /* POP_NET_H */
