/* SPDX-License-Identifier: BSD-3-Clause */
/* ARC's rules with no I/O and no clock. */
#include "arc.h"

#include <errno.h>
#include <string.h>

bool arc_rule_holds(enum arc_rule_type type, unsigned threshold, bool inverted, const bool *on,
		    size_t n)
{
	size_t count = 0;
	bool holds;

	for (size_t i = 0; i < n; i++)
		count += on[i];
	switch (type) {
	case ARC_RULE_AND:
		holds = count == n;
		break;
	case ARC_RULE_OR:
		holds = count > 0;
		break;
	default:
		holds = count >= threshold;
		break;
	}
	return inverted ? !holds : holds;
}

int arc_expires_in_parse(const char *text, int64_t *seconds)
{
	int64_t n = 0, unit;
	size_t len = text != NULL ? strlen(text) : 0, i;

	if (len < 2 || len > 8 || text[0] < '1' || text[0] > '9')
		return -EINVAL;
	for (i = 0; i + 1 < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		n = n * 10 + (text[i] - '0');
	}
	switch (text[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	default:
		return -EINVAL;
	}
	if (n * unit > ARC_MAX_EXPIRES_S)
		return -EINVAL;
	*seconds = n * unit;
	return 0;
}

static int hex_put(const char *text, char *out, size_t len, size_t *at)
{
	static const char digits[] = "0123456789abcdef";

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*at + 2 >= len)
			return -ENOSPC;
		out[(*at)++] = digits[*p >> 4];
		out[(*at)++] = digits[*p & 15];
	}
	return 0;
}

int arc_token_make(const char *tag, const char *key1, const char *key2, char *out, size_t len)
{
	size_t at = strlen(tag);

	if (at + 2 >= len || strchr(tag, '.') != NULL)
		return -ENOSPC;
	memcpy(out, tag, at);
	out[at++] = '.';
	if (hex_put(key1, out, len, &at) < 0)
		return -ENOSPC;
	out[at++] = '.';
	if (hex_put(key2 != NULL ? key2 : "", out, len, &at) < 0)
		return -ENOSPC;
	out[at] = '\0';
	return (int)at;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode the hex of [p, end) into out (NUL-terminated); no NUL bytes inside. */
static int hex_get(const char *p, const char *end, char *out, size_t len)
{
	size_t n = 0;

	if ((end - p) % 2 != 0 || (size_t)(end - p) / 2 >= len)
		return -EINVAL;
	for (; p < end; p += 2) {
		int hi = hex_value(p[0]), lo = hex_value(p[1]);
		if (hi < 0 || lo < 0 || (hi | lo) == 0)
			return -EINVAL;
		out[n++] = (char)(hi << 4 | lo);
	}
	out[n] = '\0';
	return 0;
}

int arc_token_parse(const char *token, const char *tag, char *key1, char *key2, size_t key_len)
{
	size_t tag_len = strlen(tag);
	const char *dot;

	if (token == NULL || strlen(token) > ARC_TOKEN_MAX || strncmp(token, tag, tag_len) != 0 ||
	    token[tag_len] != '.')
		return -EINVAL;
	token += tag_len + 1;
	dot = strchr(token, '.');
	if (dot == NULL || strchr(dot + 1, '.') != NULL || hex_get(token, dot, key1, key_len) < 0 ||
	    hex_get(dot + 1, dot + 1 + strlen(dot + 1), key2, key_len) < 0 || key1[0] == '\0')
		return -EINVAL;
	return 0;
}

int64_t arc_wait_left_ms(int64_t changed_ms, int64_t wait_ms, int64_t now_ms)
{
	int64_t left;

	if (changed_ms <= 0 || wait_ms <= 0)
		return 0;
	left = changed_ms + wait_ms - now_ms;
	/* A clock stepped back never makes the wait longer than one period. */
	return left <= 0 ? 0 : left > wait_ms ? wait_ms : left;
}
