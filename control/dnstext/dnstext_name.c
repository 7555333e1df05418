/* SPDX-License-Identifier: BSD-3-Clause */
/* Names: text <-> lowercased wire; TTLs. */
#include "dnstext.h"
#include "dnstext_pvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int dnstext_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const struct {
	uint16_t code;
	const char *name;
} dnstext_types[] = {
    {DNS_TYPE_A, "A"},	       {DNS_TYPE_NS, "NS"},	{DNS_TYPE_CNAME, "CNAME"},
    {DNS_TYPE_SOA, "SOA"},     {DNS_TYPE_PTR, "PTR"},	{DNS_TYPE_MX, "MX"},
    {DNS_TYPE_TXT, "TXT"},     {DNS_TYPE_AAAA, "AAAA"}, {DNS_TYPE_SRV, "SRV"},
    {DNS_TYPE_NAPTR, "NAPTR"}, {DNS_TYPE_DS, "DS"},	{DNS_TYPE_SPF, "SPF"},
    {DNS_TYPE_CAA, "CAA"},
};

const char *dnstext_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(dnstext_types) / sizeof(dnstext_types[0]); i++)
		if (dnstext_types[i].code == type)
			return dnstext_types[i].name;
	return NULL;
}

int dnstext_type_from_name(const char *text, size_t len)
{
	for (size_t i = 0; i < sizeof(dnstext_types) / sizeof(dnstext_types[0]); i++)
		if (strlen(dnstext_types[i].name) == len &&
		    strncasecmp(dnstext_types[i].name, text, len) == 0)
			return dnstext_types[i].code;
	return -EINVAL;
}

/* One escaped byte at text[*i] (just past the backslash). */
int dnstext_unescape(const char *text, size_t len, size_t *i, unsigned flags, uint8_t *byte)
{
	unsigned base = (flags & DNS_TEXT_OCTAL) ? 8 : 10;

	if (*i >= len)
		return -EINVAL;
	if (text[*i] >= '0' && text[*i] <= '9') {
		unsigned v = 0;

		if (*i + 3 > len)
			return -EINVAL;
		for (int k = 0; k < 3; k++) {
			char c = text[*i + (size_t)k];
			if (c < '0' || c > '9' || (unsigned)(c - '0') >= base)
				return -EINVAL;
			v = v * base + (unsigned)(c - '0');
		}
		if (v > 255)
			return -EINVAL;
		*byte = (uint8_t)v;
		*i += 3;
		return 0;
	}
	*byte = (uint8_t)text[*i];
	*i += 1;
	return 0;
}

int dnstext_name_from_text(const char *text, size_t len, const uint8_t *origin, size_t origin_len,
			   unsigned flags, uint8_t *out, size_t *out_len, char *err, size_t err_len)
{
	size_t n = 0;	     /* bytes written to out */
	size_t label_at = 0; /* where the current label's length byte is */
	size_t label_len = 0;
	bool absolute = false;
	size_t i = 0;

	if (len == 0)
		return dnstext_fail(err, err_len, -EINVAL,
				    "DomainNameEmpty (Domain name is empty)");
	if (len == 1 && text[0] == '@' && origin != NULL) {
		memcpy(out, origin, origin_len);
		*out_len = origin_len;
		return 0;
	}
	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		*out_len = 1;
		return 0;
	}
	n = 1; /* room for the first label's length */
	while (i < len) {
		char c = text[i];
		uint8_t byte;

		if (c == '.') {
			if (label_len == 0)
				return dnstext_fail(err, err_len, -EINVAL,
						    "DomainLabelEmpty (Domain label is empty)");
			out[label_at] = (uint8_t)label_len;
			i++;
			if (i == len) {
				absolute = true;
				break;
			}
			label_at = n++;
			label_len = 0;
			if (n > DNS_NAME_MAX_BYTES)
				return dnstext_fail(err, err_len, -EINVAL,
						    "DomainNameTooLong (Domain name is too long)");
			continue;
		}
		if (c == '\\') {
			i++;
			if (dnstext_unescape(text, len, &i, flags, &byte) < 0)
				return dnstext_fail(err, err_len, -EINVAL,
						    "InvalidEscape (Escape sequence is not valid)");
		} else {
			if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f)
				return dnstext_fail(
				    err, err_len, -EINVAL,
				    "DomainNameIllegalCharacter (Domain name contains an illegal "
				    "character)");
			byte = (uint8_t)c;
			i++;
		}
		if (byte >= 'A' && byte <= 'Z')
			byte = (uint8_t)(byte - 'A' + 'a');
		if (label_len == DNS_LABEL_MAX_BYTES)
			return dnstext_fail(err, err_len, -EINVAL,
					    "DomainLabelTooLong (Domain label is too long)");
		if (n + 1 > DNS_NAME_MAX_BYTES)
			return dnstext_fail(err, err_len, -EINVAL,
					    "DomainNameTooLong (Domain name is too long)");
		out[n++] = byte;
		label_len++;
	}
	if (!absolute) {
		out[label_at] = (uint8_t)label_len;
		if (origin != NULL) {
			if (n + origin_len > DNS_NAME_MAX_BYTES)
				return dnstext_fail(err, err_len, -EINVAL,
						    "DomainNameTooLong (Domain name is too long)");
			memcpy(out + n, origin, origin_len);
			*out_len = n + origin_len;
			return 0;
		}
	}
	if (n + 1 > DNS_NAME_MAX_BYTES)
		return dnstext_fail(err, err_len, -EINVAL,
				    "DomainNameTooLong (Domain name is too long)");
	out[n++] = 0;
	*out_len = n;
	return 0;
}

static bool rfc1035_special(uint8_t c)
{
	return c == '.' || c == ';' || c == '\\' || c == '(' || c == ')' || c == '"' || c == '@' ||
	       c == '$';
}

int dnstext_name_to_text(const uint8_t *wire, size_t len, unsigned flags, char *out, size_t out_len)
{
	size_t pos = 0, n = 0;

	if (dnstext_name_wire_len(wire, len) != len)
		return -EINVAL;
	if (len == 1) {
		if (out_len < 2)
			return -ENOSPC;
		memcpy(out, ".", 2);
		return 1;
	}
	while (wire[pos] != 0) {
		uint8_t l = wire[pos++];

		for (uint8_t k = 0; k < l; k++) {
			uint8_t c = wire[pos++];
			char esc[5];
			size_t w;

			if (flags & DNS_TEXT_OCTAL) {
				if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
				    c == '_') {
					esc[0] = (char)c;
					w = 1;
				} else {
					snprintf(esc, sizeof(esc), "\\%03o", c);
					w = 4;
				}
			} else if (c <= 0x20 || c >= 0x7f) {
				snprintf(esc, sizeof(esc), "\\%03u", c);
				w = 4;
			} else if (rfc1035_special(c)) {
				esc[0] = '\\';
				esc[1] = (char)c;
				w = 2;
			} else {
				esc[0] = (char)c;
				w = 1;
			}
			if (n + w + 2 > out_len)
				return -ENOSPC;
			memcpy(out + n, esc, w);
			n += w;
		}
		out[n++] = '.';
	}
	out[n] = '\0';
	return (int)n;
}

size_t dnstext_name_wire_len(const uint8_t *wire, size_t max)
{
	size_t pos = 0;

	while (pos < max && pos < DNS_NAME_MAX_BYTES) {
		uint8_t l = wire[pos];

		if (l == 0)
			return pos + 1;
		if (l > DNS_LABEL_MAX_BYTES)
			return 0;
		pos += 1u + l;
	}
	return 0;
}

unsigned dnstext_name_labels(const uint8_t *wire, size_t len)
{
	unsigned labels = 0;
	size_t pos = 0;

	while (pos < len && wire[pos] != 0) {
		pos += 1u + wire[pos];
		labels++;
	}
	return labels;
}

bool dnstext_name_is_under(const uint8_t *name, size_t len, const uint8_t *apex, size_t apex_len)
{
	size_t pos = 0;

	if (apex_len > len)
		return false;
	/* Walk label boundaries so "xexample.com" is not under "example.com". */
	while (pos < len) {
		if (len - pos == apex_len)
			return memcmp(name + pos, apex, apex_len) == 0;
		if (name[pos] == 0)
			return false;
		pos += 1u + name[pos];
	}
	return false;
}

bool dnstext_name_is_wildcard(const uint8_t *wire, size_t len)
{
	return len >= 2 && wire[0] == 1 && wire[1] == '*';
}

int dnstext_name_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t aoff[128] = {0}, boff[128] = {0};
	unsigned na = 0, nb = 0;
	size_t pos;

	for (pos = 0; pos < alen && a[pos] != 0 && na < 128; pos += 1u + a[pos])
		aoff[na++] = pos;
	for (pos = 0; pos < blen && b[pos] != 0 && nb < 128; pos += 1u + b[pos])
		boff[nb++] = pos;
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + aoff[--na], *lb = b + boff[--nb];
		size_t m = la[0] < lb[0] ? la[0] : lb[0];
		int c = memcmp(la + 1, lb + 1, m);

		if (c != 0)
			return c;
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	return na > 0 ? 1 : nb > 0 ? -1 : 0;
}

int dnstext_ttl_from_text(const char *text, size_t len, uint32_t *ttl)
{
	uint64_t total = 0, part = 0;
	bool digits = false, units = false;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		uint64_t mul;

		if (c >= '0' && c <= '9') {
			part = part * 10 + (uint64_t)(c - '0');
			if (part > 0x7fffffffull)
				return -ERANGE;
			digits = true;
			continue;
		}
		switch (c) {
		case 'w':
		case 'W':
			mul = 604800;
			break;
		case 'd':
		case 'D':
			mul = 86400;
			break;
		case 'h':
		case 'H':
			mul = 3600;
			break;
		case 'm':
		case 'M':
			mul = 60;
			break;
		case 's':
		case 'S':
			mul = 1;
			break;
		default:
			return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		total += part * mul;
		if (total > 0x7fffffffull)
			return -ERANGE;
		part = 0;
		digits = false;
		units = true;
	}
	if (digits) {
		total += part; /* "1h30" ends in seconds, as BIND reads it */
	} else if (!units) {
		return -EINVAL;
	}
	if (total > 0x7fffffffull)
		return -ERANGE;
	*ttl = (uint32_t)total;
	return 0;
}
