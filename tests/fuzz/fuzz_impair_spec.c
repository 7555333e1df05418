/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the impairment relay's spec parser. A spec either fails
 * with a message, or yields a config whose values are inside the documented
 * bounds, which the model then runs on without trouble.
 */
#include "impair.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct impair_config cfg;
	struct impair_dir dir;
	struct impair_verdict v;
	char spec[4097], err[256], desc[256];
	uint32_t queued = 0;

	if (size >= sizeof(spec))
		size = sizeof(spec) - 1;
	memcpy(spec, data, size);
	spec[size] = '\0';
	impair_config_default(&cfg);
	err[0] = '\0';
	if (impair_parse_spec(&cfg, spec, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	for (int d = 0; d < IMPAIR_NDIRS; d++) {
		const struct impair_params *p = &cfg.dir[d];

		if (p->loss_ppm > IMPAIR_PPM_ONE || p->dup_ppm > IMPAIR_PPM_ONE ||
		    p->reorder_ppm > IMPAIR_PPM_ONE || p->delay_us > IMPAIR_MAX_DELAY_US ||
		    p->jitter_us > IMPAIR_MAX_DELAY_US || p->rate_bytes > IMPAIR_MAX_RATE_BYTES ||
		    p->queue_limit == 0 || p->queue_limit > IMPAIR_MAX_QUEUE)
			abort();
		impair_params_format(p, desc, sizeof(desc));
	}
	if (impair_config_check(&cfg, err, sizeof(err)) < 0)
		return 0;
	impair_dir_init(&dir, &cfg, IMPAIR_AB);
	for (int i = 0; i < 64; i++) {
		impair_decide(&dir, (uint64_t)i * 1000, 1500, queued, &v);
		if (v.copies < 0 || v.copies > 2 || queued + (uint32_t)v.copies > dir.p.queue_limit)
			abort();
		queued += (uint32_t)v.copies;
	}
	return 0;
}
