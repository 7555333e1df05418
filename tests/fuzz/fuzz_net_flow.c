/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: flow steering's hash on any frame. It reads only within
 * the frame, and a frame it hashes gets the same hash with its endpoints
 * swapped (the other direction of the flow), hence the same owner.
 */
#include "net.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame, *rev;
	uint32_t h, hr;
	uint16_t len = size > 2048 ? 2048 : (uint16_t)size;
	unsigned off, alen;

	/* An exact-size copy, so ASan sees any read past the frame. */
	frame = malloc(len ? len : 1);
	rev = malloc(len ? len : 1);
	if (frame == NULL || rev == NULL)
		abort();
	memcpy(frame, data, len);
	if (net_flow_hash(frame, len, 0x1234, &h)) {
		/* Swap the addresses and the ports. */
		memcpy(rev, frame, len);
		if (frame[12] == 0x08) {
			alen = 4;
			off = 14 + 12;
		} else {
			alen = 16;
			off = 14 + 8;
		}
		memcpy(rev + off, frame + off + alen, alen);
		memcpy(rev + off + alen, frame + off, alen);
		{
			unsigned l4 = alen == 4 ? 14u + (frame[14] & 0x0fu) * 4u : 14u + 40u;
			memcpy(rev + l4, frame + l4 + 2, 2);
			memcpy(rev + l4 + 2, frame + l4, 2);
		}
		if (!net_flow_hash(rev, len, 0x1234, &hr) || hr != h || net_flow_owner(h, 7) >= 7)
			abort();
	}
	free(frame);
	free(rev);
	return 0;
}
