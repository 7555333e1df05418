/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: ARC's page tokens (NextToken / nextToken from a
 * client). A token is refused, or it reads back to keys that make the same
 * token again.
 */
#include "arc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = {"cp", "rc", "sr", "zs", "mr"};
	static char token[ARC_TOKEN_MAX + 2], again[ARC_TOKEN_MAX + 1];
	static char k1[ARC_TOKEN_KEY_MAX + 1], k2[ARC_TOKEN_KEY_MAX + 1];

	if (size >= sizeof(token))
		size = sizeof(token) - 1;
	memcpy(token, data, size);
	token[size] = '\0';
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		if (arc_token_parse(token, tags[t], k1, k2, sizeof(k1)) < 0)
			continue;
		if (k1[0] == '\0' || strlen(k1) > ARC_TOKEN_KEY_MAX ||
		    strlen(k2) > ARC_TOKEN_KEY_MAX)
			abort();
		if (arc_token_make(tags[t], k1, k2, again, sizeof(again)) < 0 ||
		    strcmp(again, token) != 0)
			abort();
	}
	return 0;
}
