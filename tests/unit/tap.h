/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal TAP producer for pop's unit tests: each test is a function, each
 * CHECK that fails prints a diagnostic and marks the test failed; the binary
 * exits non-zero when any test failed. Output is TAP 13, which meson reads.
 */
#ifndef POP_TAP_H
#define POP_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_current_failed;
static const char *tap_skip_reason
    __attribute__((unused)); /* set by TAP_SKIP(): the test did not run */
static int tap_count;
static int tap_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
			tap_current_failed = 1;                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);                        \
		if (tap_a_ != tap_b_) {                                                            \
			printf("#   %s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__,     \
			       __LINE__, #a, #b, tap_a_, tap_b_);                                  \
			tap_current_failed = 1;                                                    \
		}                                                                                  \
	} while (0)

/* Leave the current test as skipped, with the reason printed. */
#define TAP_SKIP(reason)                                                                           \
	do {                                                                                       \
		tap_skip_reason = (reason);                                                        \
		return;                                                                            \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		tap_current_failed = 0;                                                            \
		tap_skip_reason = NULL;                                                            \
		fn();                                                                              \
		tap_count++;                                                                       \
		printf("%sok %d - %s%s%s\n", tap_current_failed ? "not " : "", tap_count, #fn,     \
		       tap_skip_reason ? " # SKIP " : "", tap_skip_reason ? tap_skip_reason : ""); \
		tap_failures += tap_current_failed;                                                \
		fflush(stdout);                                                                    \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
