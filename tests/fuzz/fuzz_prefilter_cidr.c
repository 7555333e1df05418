/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: popd's prefilter CIDR parser (popctl prefilter block
 * --cidr ...). What it accepts has a valid family and length and no host
 * bit set.
 */
#include "prefilter_ctl.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[128];
	uint8_t family = 0, addr[16], len = 0;
	unsigned bits;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (prefilter_cidr_parse(text, &family, addr, &len) != 0)
		return 0;
	bits = family == 4 ? 32 : 128;
	if ((family != 4 && family != 6) || len > bits)
		abort();
	for (unsigned b = len; b < 128; b++)
		if (addr[b / 8] & (0x80u >> (b % 8)))
			abort();
	return 0;
}
