/* SPDX-License-Identifier: BSD-3-Clause */
/* Route 53's health rules, with no I/O and no clock. */
#include "health.h"

uint8_t health_threshold_step(struct health_view *v, bool ok, unsigned threshold)
{
	uint8_t seen = ok ? HEALTH_HEALTHY : HEALTH_UNHEALTHY;

	if (threshold == 0)
		threshold = 1;
	if (v->status == HEALTH_UNKNOWN || v->status == seen) {
		v->status = seen;
		v->run = 0;
		return v->status;
	}
	/* A result against the view: it takes `threshold` in a row to flip. */
	if (++v->run >= threshold) {
		v->status = seen;
		v->run = 0;
	}
	return v->status;
}

uint8_t health_vote(const uint8_t *statuses, size_t n, unsigned share_percent)
{
	size_t known = 0, healthy = 0;

	for (size_t i = 0; i < n; i++) {
		if (statuses[i] == HEALTH_UNKNOWN)
			continue;
		known++;
		healthy += statuses[i] == HEALTH_HEALTHY;
	}
	if (known == 0)
		return HEALTH_UNKNOWN;
	return healthy * 100 > (size_t)share_percent * known ? HEALTH_HEALTHY : HEALTH_UNHEALTHY;
}

uint8_t health_finish(uint8_t raw, bool inverted, bool disabled)
{
	if (disabled)
		return inverted ? HEALTH_UNHEALTHY : HEALTH_HEALTHY;
	if (!inverted || raw == HEALTH_UNKNOWN)
		return raw;
	return raw == HEALTH_HEALTHY ? HEALTH_UNHEALTHY : HEALTH_HEALTHY;
}

uint8_t health_calculated(const uint8_t *children, size_t n, unsigned threshold)
{
	size_t healthy = 0;

	for (size_t i = 0; i < n; i++)
		healthy += children[i] != HEALTH_UNHEALTHY;
	return healthy >= threshold ? HEALTH_HEALTHY : HEALTH_UNHEALTHY;
}
