/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the AWS API endpoint's XML request parser, walked by the
 * shapes of the bodies clients send (a change batch, a distribution config,
 * an invalidation batch). A body either fails with a message or yields JSON
 * that renders back to XML and parses again to the same JSON.
 */
#include "api_pvt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int shape_named(const char *name)
{
	for (size_t i = 0; i < api_shape_count; i++)
		if (strcmp(api_shapes[i].name, name) == 0)
			return (int)i;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const roots[] = {"ChangeResourceRecordSetsRequest", "DistributionConfig",
					    "InvalidationBatch", "CreateHostedZoneRequest"};
	const char *root;
	json_t *out = NULL, *again = NULL;
	char err[512];
	struct api_buf b = {0};
	int shape, rc;

	if (size < 1)
		return 0;
	root = roots[data[0] % 4];
	shape = shape_named(root);
	err[0] = '\0';
	rc = api_xml_parse((const char *)data + 1, size - 1, shape, root, &out, err, sizeof(err));
	if (rc < 0) {
		if (out != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	api_xml_render(&b, root, shape, out);
	if (b.failed)
		abort();
	if (api_xml_parse(b.data, b.len, shape, root, &again, err, sizeof(err)) < 0 ||
	    !json_equal(out, again))
		abort();
	free(b.data);
	json_decref(out);
	json_decref(again);
	return 0;
}
