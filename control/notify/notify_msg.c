/* SPDX-License-Identifier: BSD-3-Clause */
/* NOTIFY messages: targets, building, reading the responses. */
#include "notify_pvt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_TYPE_SOA 6
#define DNS_CLASS_IN 1
#define HDR_LEN	     12

int notify_target_parse(const char *text, struct notify_target *t)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t alen;

	if (text == NULL)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -EINVAL;
		alen = (size_t)(close - text - 1);
		if (alen == 0 || alen >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, text + 1, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET6, addr, t->addr) != 1)
			return -EINVAL;
		t->family = 6;
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(text, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Two colons or more: a bare IPv6 address. */
			if (strlen(text) >= sizeof(addr) || inet_pton(AF_INET6, text, t->addr) != 1)
				return -EINVAL;
			t->family = 6;
		} else {
			alen = colon != NULL ? (size_t)(colon - text) : strlen(text);
			if (alen == 0 || alen >= sizeof(addr))
				return -EINVAL;
			memcpy(addr, text, alen);
			addr[alen] = '\0';
			if (inet_pton(AF_INET, addr, t->addr) != 1)
				return -EINVAL;
			t->family = 4;
			if (colon != NULL)
				port = colon + 1;
		}
	}
	t->port = 53;
	if (port != NULL) {
		unsigned long v = 0;
		size_t i;

		for (i = 0; port[i] != '\0'; i++) {
			if (port[i] < '0' || port[i] > '9' || i >= 5)
				return -EINVAL;
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (i == 0 || v == 0 || v > 65535)
			return -EINVAL;
		t->port = (uint16_t)v;
	}
	return 0;
}

void notify_target_format(const struct notify_target *t, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(t->family == 6 ? AF_INET6 : AF_INET, t->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	if (t->family == 6)
		snprintf(out, len, "[%s]:%u", a, t->port);
	else
		snprintf(out, len, "%s:%u", a, t->port);
}

bool notify_target_equal(const struct notify_target *a, const struct notify_target *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->family == 6 ? 16 : 4) == 0;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int notify_build(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *apex, size_t apex_len,
		 uint32_t ttl, const uint8_t *rdata, size_t rdata_len)
{
	size_t need = HDR_LEN + apex_len + 4 + 2 + 10 + rdata_len;
	uint8_t *p = buf;

	if (apex_len == 0 || apex_len > 255 || rdata_len > 65535 || apex[apex_len - 1] != 0)
		return -EINVAL;
	if (need > cap)
		return -ENOSPC;
	memset(p, 0, HDR_LEN);
	put16(p, id);
	p[2] = (uint8_t)(NOTIFY_OPCODE << 3) | 0x04; /* opcode NOTIFY, AA */
	put16(p + 4, 1);			     /* QDCOUNT */
	put16(p + 6, 1);			     /* ANCOUNT */
	p += HDR_LEN;
	memcpy(p, apex, apex_len);
	p += apex_len;
	put16(p, DNS_TYPE_SOA);
	put16(p + 2, DNS_CLASS_IN);
	p += 4;
	put16(p, 0xc000 | HDR_LEN); /* the owner: the question's name */
	put16(p + 2, DNS_TYPE_SOA);
	put16(p + 4, DNS_CLASS_IN);
	p[6] = (uint8_t)(ttl >> 24);
	p[7] = (uint8_t)(ttl >> 16);
	p[8] = (uint8_t)(ttl >> 8);
	p[9] = (uint8_t)ttl;
	put16(p + 10, (unsigned)rdata_len);
	p += 12;
	memcpy(p, rdata, rdata_len);
	p += rdata_len;
	return (int)(p - buf);
}

/* Read a (possibly compressed) name at *off into out, lowercased; *off moves past it. */
static int read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len)
{
	size_t pos = *off, n = 0, jumps = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -EINVAL;
		uint8_t l = msg[pos];

		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 64)
				return -EINVAL;
			size_t to = (size_t)(l & 0x3f) << 8 | msg[pos + 1];

			if (!jumped)
				*off = pos + 2;
			jumped = true;
			if (to >= pos)
				return -EINVAL; /* pointers go back only: no loops */
			pos = to;
			continue;
		}
		if ((l & 0xc0) != 0)
			return -EINVAL;
		if (pos + 1 + l > len || n + 1 + l > 255)
			return -EINVAL;
		out[n++] = l;
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[pos + 1 + i];

			out[n++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		}
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = pos;
	*out_len = n;
	return 0;
}

int notify_parse_reply(const uint8_t *msg, size_t len, struct notify_reply *r)
{
	unsigned qdcount;
	size_t off = HDR_LEN;

	memset(r, 0, sizeof(*r));
	if (len < HDR_LEN || (msg[2] & 0x80) == 0 || ((msg[2] >> 3) & 0x0f) != NOTIFY_OPCODE)
		return -EINVAL;
	r->id = (uint16_t)(msg[0] << 8 | msg[1]);
	r->rcode = msg[3] & 0x0f;
	qdcount = (unsigned)(msg[4] << 8 | msg[5]);
	if (qdcount > 1)
		return -EINVAL;
	if (qdcount == 1) {
		if (read_name(msg, len, &off, r->qname, &r->qname_len) < 0 || off + 4 > len)
			return -EINVAL;
		if ((msg[off] << 8 | msg[off + 1]) != DNS_TYPE_SOA ||
		    (msg[off + 2] << 8 | msg[off + 3]) != DNS_CLASS_IN)
			return -EINVAL;
	}
	return 0;
}
