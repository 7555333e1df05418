/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one zone file through the parser. What parses is written
 * in the canonical form, and that must parse back to the same records and
 * write the same bytes again.
 */
#include "base.h"
#include "dnstext.h"
#include "zonefile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = "\7example\3com";

static struct zonefile_record *copy_records(const struct zonefile *zf)
{
	size_t n = zonefile_count(zf);
	struct zonefile_record *recs = malloc((n ? n : 1) * sizeof(*recs));

	if (recs == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		recs[i] = *zonefile_record(zf, i);
	return recs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zonefile_options opt = {
	    .origin = origin,
	    .origin_len = sizeof(origin),
	    .max_bytes = 1u << 20,
	    .max_records = 5000,
	};
	struct zonefile *zf = NULL, *again = NULL;
	struct zonefile_record *recs, *recs2;
	char err[256], *out = NULL, *out2 = NULL;
	size_t out_len = 0, out2_len = 0, n;
	int rc;

	err[0] = '\0';
	rc = zonefile_parse((const char *)data, size, &opt, &zf, err, sizeof(err));
	if (rc < 0) {
		/* A refusal always says where (or why), and returns nothing. */
		if (zf != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	n = zonefile_count(zf);
	recs = copy_records(zf);
	rc = zonefile_write(recs, n, origin, sizeof(origin), &out, &out_len);
	if (rc < 0 || out == NULL || strlen(out) != out_len)
		abort();
	opt.max_bytes = 0;
	opt.max_records = 0;
	if (zonefile_parse(out, out_len, &opt, &again, err, sizeof(err)) < 0 ||
	    zonefile_count(again) != n)
		abort();
	recs2 = copy_records(again);
	if (zonefile_write(recs2, n, origin, sizeof(origin), &out2, &out2_len) < 0 ||
	    out2_len != out_len || memcmp(out, out2, out_len) != 0)
		abort();
	free(recs);
	free(recs2);
	free(out);
	free(out2);
	zonefile_free(zf);
	zonefile_free(again);
	return 0;
}
