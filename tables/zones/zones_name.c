/* SPDX-License-Identifier: BSD-3-Clause */
#include "zones_pvt.h"

#include <string.h>

uint32_t zones_name_hash(const uint8_t *name, size_t len)
{
	return tables_crc32c(0, name, len);
}

int zones_name_labels(const uint8_t *name, size_t len, bool lowercase)
{
	size_t pos = 0;
	int labels = 0;

	if (name == NULL || len == 0 || len > ZONES_NAME_MAX)
		return -1;
	for (;;) {
		uint8_t l = name[pos];
		if (l == 0)
			return pos + 1 == len ? labels : -1;
		if (l > 63 || pos + 1 + l >= len)
			return -1;
		if (lowercase)
			for (size_t i = pos + 1; i <= pos + l; i++)
				if (name[i] >= 'A' && name[i] <= 'Z')
					return -1;
		pos += 1u + l;
		labels++;
	}
}

size_t zones_name_span(const uint8_t *p, size_t avail)
{
	size_t pos = 0;

	for (;;) {
		if (pos >= avail || pos >= ZONES_NAME_MAX)
			return 0;
		uint8_t l = p[pos];
		if (l == 0)
			return pos + 1;
		if (l > 63)
			return 0;
		pos += 1u + l;
	}
}

static bool name_exactly(const uint8_t *p, size_t len)
{
	return len > 0 && zones_name_span(p, len) == len;
}

static bool rdata_entry_ok(uint16_t type, const uint8_t *p, size_t l)
{
	size_t n1, n2, pos;

	switch (type) {
	case ZONES_TYPE_A:
		return l == 4;
	case ZONES_TYPE_AAAA:
		return l == 16;
	case ZONES_TYPE_NS:
	case ZONES_TYPE_CNAME:
	case ZONES_TYPE_PTR:
	case ZONES_TYPE_DNAME:
		return name_exactly(p, l);
	case ZONES_TYPE_MX:
		return l > 2 && name_exactly(p + 2, l - 2);
	case ZONES_TYPE_SRV:
		return l > 6 && name_exactly(p + 6, l - 6);
	case ZONES_TYPE_SOA:
		n1 = zones_name_span(p, l);
		if (n1 == 0)
			return false;
		n2 = zones_name_span(p + n1, l - n1);
		return n2 != 0 && n1 + n2 + 20 == l;
	case ZONES_TYPE_TXT:
		/* One or more <character-string>s, tiling the rdata exactly. */
		if (l == 0)
			return false;
		for (pos = 0; pos < l; pos += 1u + p[pos])
			;
		return pos == l;
	case ZONES_TYPE_CAA:
		return l >= 2 && p[1] >= 1 && (size_t)p[1] + 2 <= l;
	case ZONES_TYPE_DS:
		return l >= 4;
	default:
		return true;
	}
}

int zones_rdata_check(uint16_t type, const uint8_t *rdata, size_t len, uint32_t count)
{
	size_t pos = 0;

	if (len > 0 && rdata == NULL)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		if (len - pos < 2)
			return -1;
		size_t l = (size_t)rdata[pos] << 8 | rdata[pos + 1];
		pos += 2;
		if (len - pos < l || !rdata_entry_ok(type, rdata + pos, l))
			return -1;
		pos += l;
	}
	return pos == len ? 0 : -1;
}

bool zones_name_under(const uint8_t *name, size_t len, int labels, const uint8_t *apex,
		      size_t apex_len, int apex_labels)
{
	size_t pos = 0;

	if (labels < apex_labels)
		return false;
	for (int i = 0; i < labels - apex_labels; i++)
		pos += 1u + name[pos];
	return len - pos == apex_len && memcmp(name + pos, apex, apex_len) == 0;
}
