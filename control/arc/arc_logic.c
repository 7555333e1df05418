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
