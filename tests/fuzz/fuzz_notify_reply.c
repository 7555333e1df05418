/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a secondary's response to a NOTIFY
 * (notify_parse_reply(), what popd reads from the network), and, as text, as
 * a Notify target of put-zone-transfer-policy (notify_target_parse()). A
 * parsed reply's question name must be a well-formed lowercased wire name;
 * a parsed target must format to text that parses back to the same target.
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const uint8_t *data, size_t size)
{
	struct notify_reply r;
	size_t pos = 0;

	if (notify_parse_reply(data, size, &r) != 0)
		return;
	if (r.id != (uint16_t)(data[0] << 8 | data[1]) || r.rcode != (data[3] & 0x0f) ||
	    (data[2] & 0x80) == 0 || r.qname_len > sizeof(r.qname))
		abort();
	if (r.qname_len == 0)
		return;
	for (;;) {
		uint8_t l;

		if (pos >= r.qname_len)
			abort();
		l = r.qname[pos];
		if (l > 63)
			abort();
		for (size_t i = 1; i <= l; i++)
			if (pos + i >= r.qname_len ||
			    (r.qname[pos + i] >= 'A' && r.qname[pos + i] <= 'Z'))
				abort();
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (pos != r.qname_len)
		abort();
}

static void check_target(const uint8_t *data, size_t size)
{
	char text[128], out[64];
	struct notify_target t, u;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (notify_target_parse(text, &t) != 0)
		return;
	if ((t.family != 4 && t.family != 6) || t.port == 0)
		abort();
	notify_target_format(&t, out, sizeof(out));
	if (notify_target_parse(out, &u) != 0 || !notify_target_equal(&t, &u))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The first byte picks: 'T' a target, anything else a response. */
	if (data[0] == 'T')
		check_target(data + 1, size - 1);
	else
		check_reply(data, size);
	return 0;
}
