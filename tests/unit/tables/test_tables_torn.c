/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The publish protocol under load: one publisher writes 10,000 generations
 * while reader threads loop tightly over root → map → verify → unmap. A
 * reader checks each body itself (its own CRC and the generation written
 * into it), so a torn or mixed-up snapshot cannot pass unseen. Bounded: it
 * stops after 10,000 publishes or 20 s, whichever comes first.
 */
#include "base.h"
#include "scratch.h"
#include "tables.h"
#include "tap.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#define GENERATIONS 10000
#define READERS	    3
#define MAX_SECONDS 20

static char dir[256];

/* The body: what a reader verifies without trusting the header. */
struct body {
	uint64_t generation;
	uint32_t payload_len;
	uint32_t payload_crc;
	uint8_t payload[];
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int publish_one(struct tables_root *root, uint64_t *gen)
{
	uint64_t seed =
	    tables_root_published(root, TABLES_KIND_PREFILTER) * 0x9e3779b97f4a7c15ull + 1;
	uint32_t len = 64 + (uint32_t)(xorshift(&seed) % 4000);
	struct tables_builder *b = tables_builder_new(TABLES_KIND_PREFILTER);
	uint64_t off;

	if (b == NULL)
		return -ENOMEM;
	off = tables_builder_alloc(b, sizeof(struct body) + len, 8);
	struct body *body = tables_builder_at(b, off);
	if (body == NULL) {
		tables_builder_free(b);
		return -ENOMEM;
	}
	body->generation = tables_root_published(root, TABLES_KIND_PREFILTER) + 1;
	body->payload_len = len;
	for (uint32_t i = 0; i < len; i++)
		body->payload[i] = (uint8_t)xorshift(&seed);
	body->payload_crc = tables_crc32c(0, body->payload, len);
	tables_builder_set_top(b, off);
	return tables_builder_publish(b, root, gen);
}

struct reader {
	pthread_t thread;
	volatile int *stop;
	long maps, retries, failures, torn;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct tables_root *root = NULL;
	uint64_t last = 0;

	if (tables_root_open(dir, false, &root) != 0) {
		r->failures++;
		return NULL;
	}
	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		uint64_t gen = tables_root_published(root, TABLES_KIND_PREFILTER);
		struct tables_snapshot *s = NULL;
		int rc;

		if (gen < last)
			r->torn++; /* the root went backwards */
		last = gen;
		rc = tables_snapshot_map(dir, TABLES_KIND_PREFILTER, gen, &s);
		if (rc == -ENOENT) {
			r->retries++; /* two newer ones came out meanwhile: read the root again */
			continue;
		}
		if (rc != 0) {
			r->failures++;
			printf("#   map of %" PRIu64 ": %s\n", gen, pop_strerror(rc));
			continue;
		}
		r->maps++;
		const struct tables_snapshot_header *h = tables_snapshot_header(s);
		const struct body *body = tables_snapshot_at(s, h->top, sizeof(*body));
		if (s->generation != gen || h->generation != gen || h->size != s->size ||
		    tables_crc32c(0, s->base + 64, s->size - 64) != h->body_crc || body == NULL ||
		    body->generation != gen ||
		    tables_snapshot_at(s, h->top + sizeof(*body), body->payload_len) == NULL ||
		    tables_crc32c(0, body->payload, body->payload_len) != body->payload_crc)
			r->torn++;
		tables_snapshot_unmap(s);
	}
	tables_root_close(root);
	return NULL;
}

static double seconds(void)
{
	return (double)pop_now_ns() / 1e9;
}

static void test_torn_reads(void)
{
	struct tables_root *root = NULL;
	struct reader readers[READERS];
	volatile int stop = 0;
	uint64_t gen = 0, first_gen;
	int fds0, files0, published = 0;
	double t0, t1;

	CHECK_EQ(tables_root_open(dir, true, &root), 0);
	if (root == NULL)
		return;
	/* Two generations first: the steady state is two files on disk. */
	CHECK_EQ(publish_one(root, &gen), 0);
	CHECK_EQ(publish_one(root, &gen), 0);
	first_gen = gen;
	fds0 = scratch_count_fds();
	files0 = scratch_count(dir, "prefilter.");
	CHECK_EQ(files0, 2);

	memset(readers, 0, sizeof(readers));
	for (int i = 0; i < READERS; i++) {
		readers[i].stop = &stop;
		CHECK_EQ(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]), 0);
	}
	t0 = seconds();
	while (published < GENERATIONS && seconds() - t0 < MAX_SECONDS) {
		int rc = publish_one(root, &gen);
		if (rc != 0) {
			printf("#   publish: %s\n", pop_strerror(rc));
			CHECK_EQ(rc, 0);
			break;
		}
		published++;
	}
	t1 = seconds();
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);

	long maps = 0, retries = 0, failures = 0, torn = 0;
	for (int i = 0; i < READERS; i++) {
		pthread_join(readers[i].thread, NULL);
		maps += readers[i].maps;
		retries += readers[i].retries;
		failures += readers[i].failures;
		torn += readers[i].torn;
	}
	printf("# %d generations published in %.2f s (%.0f/s) with %d readers: %ld maps "
	       "verified, %ld ENOENT retries\n",
	       published, t1 - t0, published / (t1 - t0), READERS, maps, retries);
	CHECK_EQ(published, GENERATIONS);
	CHECK_EQ(gen, first_gen + (uint64_t)published);
	CHECK_EQ(torn, 0);
	CHECK_EQ(failures, 0);
	CHECK(maps > 0);
	CHECK_EQ(scratch_count_fds(), fds0);
	CHECK_EQ(scratch_count(dir, "prefilter."), files0);
	CHECK_EQ(scratch_count(dir, "."), 0); /* no temporary file */
	tables_root_close(root);
}

int main(void)
{
	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0') {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	RUN(test_torn_reads);
	scratch_remove(dir);
	return tap_done();
}
