/* SPDX-License-Identifier: BSD-3-Clause */
/* The pure rules of health checks and ARC: no clock, no sockets. */
#include "arc.h"
#include "health.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void test_threshold(void)
{
	struct health_view v = {0};

	CHECK_EQ(health_threshold_step(&v, false, 3), HEALTH_UNHEALTHY); /* first result sets it */
	CHECK_EQ(health_threshold_step(&v, true, 3), HEALTH_UNHEALTHY);
	CHECK_EQ(health_threshold_step(&v, true, 3), HEALTH_UNHEALTHY);
	CHECK_EQ(health_threshold_step(&v, true, 3), HEALTH_HEALTHY); /* third in a row flips */
	/* Alternating faster than the threshold never flips. */
	for (int i = 0; i < 20; i++)
		CHECK_EQ(health_threshold_step(&v, i % 2 != 0, 3), HEALTH_HEALTHY);
	CHECK_EQ(health_threshold_step(&v, false, 1), HEALTH_UNHEALTHY);
}

static void test_vote(void)
{
	uint8_t s[5] = {HEALTH_UNHEALTHY, HEALTH_UNHEALTHY, HEALTH_UNHEALTHY, HEALTH_UNHEALTHY,
			HEALTH_HEALTHY};

	CHECK_EQ(health_vote(s, 5, 18), HEALTH_HEALTHY);   /* 20% > 18% */
	CHECK_EQ(health_vote(s, 5, 20), HEALTH_UNHEALTHY); /* 20% is not more than 20% */
	s[4] = HEALTH_UNKNOWN;
	CHECK_EQ(health_vote(s, 5, 18), HEALTH_UNHEALTHY);
	memset(s, HEALTH_UNKNOWN, sizeof(s));
	CHECK_EQ(health_vote(s, 5, 18), HEALTH_UNKNOWN);
	CHECK_EQ(health_vote(s, 0, 18), HEALTH_UNKNOWN);
}

static void test_finish_and_calculated(void)
{
	uint8_t c[3] = {HEALTH_HEALTHY, HEALTH_UNHEALTHY, HEALTH_UNKNOWN};

	CHECK_EQ(health_finish(HEALTH_HEALTHY, true, false), HEALTH_UNHEALTHY);
	CHECK_EQ(health_finish(HEALTH_UNKNOWN, true, false), HEALTH_UNKNOWN);
	CHECK_EQ(health_finish(HEALTH_UNHEALTHY, false, true), HEALTH_HEALTHY);
	CHECK_EQ(health_finish(HEALTH_HEALTHY, true, true), HEALTH_UNHEALTHY);
	CHECK_EQ(health_calculated(c, 3, 2), HEALTH_HEALTHY); /* unknown counts as healthy */
	CHECK_EQ(health_calculated(c, 3, 3), HEALTH_UNHEALTHY);
	CHECK_EQ(health_calculated(c, 0, 0), HEALTH_HEALTHY);
}

static void test_rules(void)
{
	bool on[3] = {true, false, false};

	CHECK(arc_rule_holds(ARC_RULE_ATLEAST, 1, false, on, 3));
	CHECK(!arc_rule_holds(ARC_RULE_ATLEAST, 2, false, on, 3));
	CHECK(!arc_rule_holds(ARC_RULE_AND, 0, false, on, 3));
	CHECK(arc_rule_holds(ARC_RULE_OR, 0, false, on, 3));
	CHECK(!arc_rule_holds(ARC_RULE_OR, 0, true, on, 3));
	on[0] = false;
	CHECK(!arc_rule_holds(ARC_RULE_ATLEAST, 1, false, on, 3));
}

static void test_expires(void)
{
	int64_t s = 0;

	CHECK(arc_expires_in_parse("30m", &s) == 0 && s == 1800);
	CHECK(arc_expires_in_parse("2h", &s) == 0 && s == 7200);
	CHECK(arc_expires_in_parse("45s", &s) == 0 && s == 45);
	CHECK(arc_expires_in_parse("72h", &s) == 0 && s == 259200);
	CHECK(arc_expires_in_parse("73h", &s) < 0);
	CHECK(arc_expires_in_parse("0m", &s) < 0);
	CHECK(arc_expires_in_parse("m", &s) < 0);
	CHECK(arc_expires_in_parse("5d", &s) < 0);
	CHECK(arc_expires_in_parse("1 m", &s) < 0);
	CHECK(arc_expires_in_parse(NULL, &s) < 0);
	CHECK(arc_expires_in_parse("99999999999m", &s) < 0);
}

/* Page tokens: what is made reads back; anything else is refused. */
static void test_tokens(void)
{
	char tok[ARC_TOKEN_MAX + 1], k1[64], k2[64], big[2000];
	static const char *const bad[] = {
	    "",		"rc",	    "rc.",    "rc..",	 "cp.61.", "rc.6.", "rc.6g.", "rc.61.62.63",
	    "rc.0061.", "rc.61.00", "rc.4A.", "xrc.61.", "rc.61",
	};

	CHECK(arc_token_make("rc", "a b", "arn:x/y", tok, sizeof(tok)) > 0);
	CHECK(strcmp(tok, "rc.612062.61726e3a782f79") == 0);
	CHECK(arc_token_parse(tok, "rc", k1, k2, sizeof(k1)) == 0);
	CHECK(strcmp(k1, "a b") == 0 && strcmp(k2, "arn:x/y") == 0);
	CHECK(arc_token_parse(tok, "cp", k1, k2, sizeof(k1)) == -EINVAL);
	CHECK(arc_token_make("mr", "Z1", NULL, tok, sizeof(tok)) > 0);
	CHECK(arc_token_parse(tok, "mr", k1, k2, sizeof(k1)) == 0 && k2[0] == '\0');
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool refused = arc_token_parse(bad[i], "rc", k1, k2, sizeof(k1)) == -EINVAL;
		if (!refused)
			printf("#   accepted %s\n", bad[i]);
		CHECK(refused);
	}
	/* A key longer than the reader's buffer, and a token longer than its buffer. */
	memset(big, 'k', 100);
	big[100] = '\0';
	CHECK(arc_token_make("rc", big, NULL, tok, sizeof(tok)) > 0);
	CHECK(arc_token_parse(tok, "rc", k1, k2, sizeof(k1)) == -EINVAL);
	CHECK(arc_token_make("rc", big, NULL, tok, 50) == -ENOSPC);
	CHECK(arc_token_parse(NULL, "rc", k1, k2, sizeof(k1)) == -EINVAL);
}

static void test_wait_left(void)
{
	CHECK_EQ(arc_wait_left_ms(0, 5000, 1000), 0); /* never changed */
	CHECK_EQ(arc_wait_left_ms(1000, 0, 1000), 0); /* no wait */
	CHECK_EQ(arc_wait_left_ms(1000, 5000, 1000), 5000);
	CHECK_EQ(arc_wait_left_ms(1000, 5000, 5999), 1);
	CHECK_EQ(arc_wait_left_ms(1000, 5000, 6000), 0);
	CHECK_EQ(arc_wait_left_ms(1000, 5000, 10), 5000); /* the clock went back */
}

int main(void)
{
	RUN(test_threshold);
	RUN(test_vote);
	RUN(test_finish_and_calculated);
	RUN(test_rules);
	RUN(test_expires);
	RUN(test_tokens);
	RUN(test_wait_left);
	return tap_done();
}
