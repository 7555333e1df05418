/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one frame through the data plane's link and network
 * layers. Every frame must be either dropped under exactly one reason or
 * answered with a reply that fits the buffer.
 */
#include "net.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_iface ifc;
	static int ready;
	struct net_counters c;
	struct net_l4 l4;
	uint8_t frame[2048];
	uint16_t len;
	uint64_t sum;

	if (!ready) {
		static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
		memcpy(ifc.mac, mac, 6);
		net_iface_add_vip(&ifc, "198.18.0.1");
		net_iface_add_vip(&ifc, "2001:2::1");
		ready = 1;
	}
	if (size > 1600)
		return 0;
	memset(&c, 0, sizeof(c));
	memcpy(frame, data, size);
	len = (uint16_t)size;
	/* The capacity is exactly the input: replies longer than that must be refused. */
	switch (net_rx_frame_l4(&ifc, frame, &len, (uint16_t)(size < 60 ? 60 : size), &c, &l4)) {
	case NET_VERDICT_TX:
		if (len > (size < 60 ? 60 : size) || c.tx_frames != 1)
			abort();
		break;
	case NET_VERDICT_DNS:
		/* The datagram lies inside the frame; echo it back as the reply. */
		if (c.dns_datagrams != 1 || (size_t)l4.payload_off + l4.payload_len > size ||
		    l4.payload_off < 14 + 20 + 8)
			abort();
		if (net_udp_reply(&ifc, frame, &l4, l4.payload_len) > size)
			abort();
		break;
	default:
		break;
	}
	sum = c.tx_frames + c.dns_datagrams;
	for (int r = 0; r < NET_DROP_MAX; r++)
		sum += c.drops[r];
	if (sum != 1 || c.rx_frames != 1)
		abort();
	return 0;
}
