/* SPDX-License-Identifier: BSD-3-Clause */
#include "impair.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

#define MILLION 1000000u

static struct impair_config parsed(const char *spec)
{
	struct impair_config cfg;
	char err[200] = "";

	impair_config_default(&cfg);
	if (impair_parse_spec(&cfg, spec, err, sizeof(err)) != 0)
		printf("#   parse of %s failed: %s\n", spec, err);
	return cfg;
}

static void test_same_seed_same_decisions(void)
{
	struct impair_config cfg =
	    parsed("loss=5%,dup=3%,reorder=2%,delay=20ms,jitter=5ms,seed=42");
	struct impair_config other = cfg;
	struct impair_dir a, b, c, ba;
	int differ = 0, same_as_ba = 1;

	other.seed = 43;
	impair_dir_init(&a, &cfg, IMPAIR_AB);
	impair_dir_init(&b, &cfg, IMPAIR_AB);
	impair_dir_init(&c, &other, IMPAIR_AB);
	impair_dir_init(&ba, &cfg, IMPAIR_BA);
	for (int i = 0; i < 100000; i++) {
		struct impair_verdict va, vb, vc, vba;
		uint64_t t = (uint64_t)i * 10000;

		/* Lengths and times differ between a and b: the decisions must not. */
		impair_decide(&a, t, 100, 0, &va);
		impair_decide(&b, 2 * t, 1500, 0, &vb);
		impair_decide(&c, t, 100, 0, &vc);
		impair_decide(&ba, t, 100, 0, &vba);
		CHECK_EQ(va.lost, vb.lost);
		CHECK_EQ(va.copies, vb.copies);
		CHECK_EQ(va.reordered, vb.reordered);
		CHECK_EQ(va.drawn_delay_us, vb.drawn_delay_us);
		differ += va.lost != vc.lost || va.drawn_delay_us != vc.drawn_delay_us;
		if (va.lost != vba.lost || va.drawn_delay_us != vba.drawn_delay_us)
			same_as_ba = 0;
	}
	CHECK(differ > 50000);
	CHECK(!same_as_ba);
	CHECK_EQ(a.c.lost, b.c.lost);
	CHECK_EQ(a.c.duplicated, b.c.duplicated);
}

/* count within expected +- tol (both in frames). */
static int near(uint64_t count, double expected, double tol)
{
	double d = (double)count - expected;

	if (d < -tol || d > tol) {
		printf("#   %llu frames, expected %.0f +- %.0f\n", (unsigned long long)count,
		       expected, tol);
		return 0;
	}
	return 1;
}

static void test_rates_over_a_million_frames(void)
{
	struct impair_config cfg =
	    parsed("loss=1%,dup=1%,reorder=1%,delay=25ms,jitter=10ms,queue=1000000,seed=7");
	struct impair_config ten = parsed("loss=10%,dup=0.5%,seed=9");
	struct impair_dir d, t;
	uint64_t copies = 0;

	impair_dir_init(&d, &cfg, IMPAIR_AB);
	impair_dir_init(&t, &ten, IMPAIR_BA);
	for (uint32_t i = 0; i < MILLION; i++) {
		struct impair_verdict v;

		impair_decide(&d, (uint64_t)i * 1000, 1000, 0, &v);
		copies += (uint64_t)v.copies;
		impair_decide(&t, (uint64_t)i * 1000, 1000, 0, &v);
	}
	CHECK_EQ(d.c.frames_in, MILLION);
	/* Five standard deviations of a binomial around the mean. */
	CHECK(near(d.c.lost, 10000, 500));
	CHECK(near(d.c.duplicated, 9900, 500));
	CHECK(near(d.c.reordered, 9900, 500));
	CHECK_EQ(copies, MILLION - d.c.lost + d.c.duplicated);
	CHECK(near(t.c.lost, 100000, 1500));
	CHECK(near(t.c.duplicated, 4500, 340));
	CHECK_EQ(t.c.reordered, 0);
}

static void test_jitter_bounds_and_fifo(void)
{
	struct impair_config raw = parsed("delay=25ms,jitter=10ms,jitter-reorders=1,seed=3");
	struct impair_config fifo = parsed("delay=25ms,jitter=10ms,seed=3");
	struct impair_dir r, f;
	uint32_t lo = UINT32_MAX, hi = 0;
	uint64_t sum = 0, prev_fifo = 0, overtaken = 0, prev_raw = 0;
	int bins[4] = {0};

	impair_dir_init(&r, &raw, IMPAIR_AB);
	impair_dir_init(&f, &fifo, IMPAIR_AB);
	for (uint32_t i = 0; i < MILLION; i++) {
		struct impair_verdict vr, vf;
		uint64_t now = (uint64_t)i * 100000; /* a frame every 100 us */

		impair_decide(&r, now, 100, 0, &vr);
		impair_decide(&f, now, 100, 0, &vf);
		lo = vr.drawn_delay_us < lo ? vr.drawn_delay_us : lo;
		hi = vr.drawn_delay_us > hi ? vr.drawn_delay_us : hi;
		sum += vr.drawn_delay_us;
		if (vr.drawn_delay_us >= 15000 && vr.drawn_delay_us <= 35000)
			bins[(vr.drawn_delay_us - 15000) * 4 / 20001]++;
		CHECK_EQ(vr.depart_ns, now + (uint64_t)vr.drawn_delay_us * 1000);
		overtaken += vr.depart_ns < prev_raw;
		prev_raw = vr.depart_ns;
		CHECK(vf.depart_ns >= prev_fifo);
		CHECK(vf.depart_ns >= now + 15000000ull);
		prev_fifo = vf.depart_ns;
	}
	CHECK(lo >= 15000);
	CHECK(hi <= 35000);
	CHECK(lo < 15100);
	CHECK(hi > 34900);
	CHECK(near(sum / MILLION, 25000, 50));
	for (int b = 0; b < 4; b++)
		CHECK(near((uint64_t)bins[b], MILLION / 4, 3000));
	/* With a 100 us gap and 20 ms of spread, raw jitter reorders a lot. */
	CHECK(overtaken > MILLION / 4);
}

static void test_reorder_sends_ahead(void)
{
	struct impair_config cfg = parsed("reorder=10%,delay=25ms,seed=11");
	struct impair_config bad = parsed("reorder=1%");
	struct impair_dir d;
	char err[200] = "";
	uint64_t max_depart = 0;
	int ahead = 0, reordered = 0;

	impair_dir_init(&d, &cfg, IMPAIR_AB);
	for (int i = 0; i < 10000; i++) {
		struct impair_verdict v;
		uint64_t now = (uint64_t)i * 1000000; /* a frame every ms */

		impair_decide(&d, now, 100, 0, &v);
		if (v.reordered) {
			reordered++;
			CHECK_EQ(v.depart_ns, now);
			/* Frames that arrived before it are still waiting. */
			ahead += i > 0 && v.depart_ns < max_depart;
		} else {
			CHECK_EQ(v.depart_ns, now + 25000000ull);
			max_depart = v.depart_ns;
		}
	}
	CHECK(reordered > 800 && reordered < 1200);
	CHECK_EQ(ahead, reordered);
	CHECK_EQ(impair_config_check(&cfg, err, sizeof(err)), 0);
	CHECK_EQ(impair_config_check(&bad, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "reorder needs a delay") != NULL);
}

static void test_queue_bound_and_order(void)
{
	struct impair_config cfg = parsed("delay=1ms,queue=100,dup=50%,seed=5");
	struct impair_dir d;
	struct impair_slot slots[8];
	struct impair_queue q;
	struct impair_verdict v;
	uint32_t h, last = 0;
	uint64_t prev = 0;
	int popped = 0;

	impair_dir_init(&d, &cfg, IMPAIR_AB);
	impair_decide(&d, 0, 100, 100, &v);
	CHECK_EQ(v.copies, 0);
	CHECK_EQ(v.queue_drop, 1);
	CHECK_EQ(d.c.queue_drops, 1);
	for (int i = 0; i < 100; i++) {
		impair_decide(&d, 0, 100, 99, &v);
		/* A duplicate would need two places. */
		CHECK(v.lost || v.copies == 1 || v.queue_drop);
	}
	CHECK(d.c.queue_drops > 20);
	impair_decide(&d, 0, 100, 10, &v);
	CHECK(v.copies >= 1);

	impair_queue_init(&q, slots, 8);
	static const uint64_t times[8] = {50, 10, 30, 10, 70, 20, 10, 60};
	for (uint32_t i = 0; i < 8; i++)
		CHECK_EQ(impair_queue_push(&q, times[i], i), 0);
	CHECK_EQ(impair_queue_push(&q, 5, 99), -ENOBUFS);
	CHECK_EQ(q.max_len, 8);
	CHECK_EQ(impair_queue_next_ns(&q), 10);
	CHECK_EQ(impair_queue_pop_due(&q, 9, &h), 0);
	while (impair_queue_pop_due(&q, 1000, &h)) {
		CHECK(times[h] >= prev);
		/* Equal times leave in the order they came. */
		if (times[h] == prev && popped)
			CHECK(h > last);
		prev = times[h];
		last = h;
		popped++;
	}
	CHECK_EQ(popped, 8);
	CHECK_EQ(impair_queue_next_ns(&q), UINT64_MAX);
}

static void test_rate_limit_spaces_frames(void)
{
	struct impair_config cfg = parsed("rate=1m,queue=1000,seed=2");
	struct impair_config bits = parsed("rate=8mbit");
	struct impair_dir d;

	CHECK_EQ(cfg.dir[0].rate_bytes, 1000000);
	CHECK_EQ(bits.dir[1].rate_bytes, 1000000);
	impair_dir_init(&d, &cfg, IMPAIR_BA);
	for (int i = 0; i < 100; i++) {
		struct impair_verdict v;

		impair_decide(&d, 0, 1000, 0, &v);
		/* 1000 bytes at 1 MB/s: one frame a millisecond. */
		CHECK_EQ(v.depart_ns, (uint64_t)i * 1000000);
	}
}

static void test_spec_parser(void)
{
	struct impair_config cfg;
	char err[200];

	cfg = parsed("loss=1%,delay=25ms,jitter=10ms,dup=1%,reorder=1%,seed=42");
	for (int d = 0; d < IMPAIR_NDIRS; d++) {
		CHECK_EQ(cfg.dir[d].loss_ppm, 10000);
		CHECK_EQ(cfg.dir[d].delay_us, 25000);
		CHECK_EQ(cfg.dir[d].jitter_us, 10000);
		CHECK_EQ(cfg.dir[d].dup_ppm, 10000);
		CHECK_EQ(cfg.dir[d].reorder_ppm, 10000);
	}
	CHECK_EQ(cfg.seed, 42);
	cfg = parsed("dir=ab,loss=0.5%,delay=1.5s,dir=ba,loss=0.25,delay=500us,queue=7");
	CHECK_EQ(cfg.dir[IMPAIR_AB].loss_ppm, 5000);
	CHECK_EQ(cfg.dir[IMPAIR_AB].delay_us, 1500000);
	CHECK_EQ(cfg.dir[IMPAIR_AB].queue_limit, IMPAIR_DEFAULT_QUEUE);
	CHECK_EQ(cfg.dir[IMPAIR_BA].loss_ppm, 250000);
	CHECK_EQ(cfg.dir[IMPAIR_BA].delay_us, 500);
	CHECK_EQ(cfg.dir[IMPAIR_BA].queue_limit, 7);
	cfg = parsed("");
	CHECK_EQ(cfg.dir[0].loss_ppm, 0);

	static const char *const bad[] = {
	    "loss",
	    "loss=",
	    "loss=101%",
	    "loss=1%%",
	    "loss=x",
	    "delay=25h",
	    "delay=11s",
	    "frob=1",
	    "loss=1%,",
	    ",loss=1%",
	    "queue=0",
	    "seed=-1",
	    "dir=up",
	    "rate=5q",
	    "seed=99999999999999999999999",
	    "jitter-reorders=2",
	    "loss=1.%x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		impair_config_default(&cfg);
		err[0] = 0;
		if (impair_parse_spec(&cfg, bad[i], err, sizeof(err)) != -EINVAL) {
			printf("#   accepted: %s\n", bad[i]);
			CHECK(0);
		}
		CHECK(err[0] != 0);
	}
	impair_config_default(&cfg);
	impair_parse_spec(&cfg, "loss=1%,delay=25h", err, sizeof(err));
	CHECK(strstr(err, "delay") != NULL && strstr(err, "byte 14") != NULL);
	cfg = parsed("delay=5ms,jitter=6ms");
	CHECK_EQ(impair_config_check(&cfg, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	RUN(test_same_seed_same_decisions);
	RUN(test_rates_over_a_million_frames);
	RUN(test_jitter_bounds_and_fifo);
	RUN(test_reorder_sends_ahead);
	RUN(test_queue_bound_and_order);
	RUN(test_rate_limit_spaces_frames);
	RUN(test_spec_parser);
	return tap_done();
}
