/* SPDX-License-Identifier: BSD-3-Clause */
#include "base.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static void test_strerror_names_every_code(void)
{
	CHECK(strcmp(pop_strerror(0), "success") == 0);
	CHECK(strcmp(pop_strerror(-ENOENT), "No such file or directory") == 0);
	for (int e = POP_ERR_BASE + 1; e < POP_ERR_END; e++)
		CHECK(strcmp(pop_strerror(-e), "unknown error") != 0);
	CHECK(strcmp(pop_strerror(-POP_ERR_END), "unknown error") == 0);
	CHECK(strcmp(pop_strerror(-999999), "unknown error") == 0);
}

static void test_log_level_parse(void)
{
	CHECK_EQ(pop_log_level_parse("debug"), POP_LOG_DEBUG);
	CHECK_EQ(pop_log_level_parse("WARNING"), POP_LOG_WARNING);
	CHECK_EQ(pop_log_level_parse("loud"), -EINVAL);
}

static void test_clock_is_monotonic(void)
{
	uint64_t a = pop_now_ns(), b = pop_now_ns();
	CHECK(b >= a);
	CHECK(a > 0);
}

int main(void)
{
	RUN(test_strerror_names_every_code);
	RUN(test_log_level_parse);
	RUN(test_clock_is_monotonic);
	return tap_done();
}
