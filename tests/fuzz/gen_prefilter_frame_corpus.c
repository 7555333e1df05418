/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of fuzz_prefilter_frame: every frame of the
 * prefilter's fixtures (tests/unit/ebpf/prefilter_fixtures.h), one file each.
 * Usage: gen_prefilter_frame_corpus DIR
 */
#include <stdio.h>

#include "prefilter_fixtures.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < N_FIXTURES; i++) {
		char path[4096];
		struct frame f;
		FILE *out;

		fixture_build(&fixtures[i], &f, 0);
		snprintf(path, sizeof(path), "%s/%s", argv[1], fixtures[i].name);
		out = fopen(path, "wb");
		if (out == NULL || fwrite(f.bytes, 1, f.len, out) != f.len || fclose(out) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
