/* SPDX-License-Identifier: BSD-3-Clause */
/* tables/core: CRC-32C, root, snapshot builder/publish/map, live state. */
#include "base.h"
#include "scratch.h"
#include "tables.h"
#include "tables_pvt.h"
#include "tap.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

static char dir[256];

static void snap_name(char *out, size_t size, const char *kind, uint64_t gen)
{
	snprintf(out, size, "%s.%016" PRIx64, kind, gen);
}

static void reseal(uint8_t *file, size_t len)
{
	struct tables_snapshot_header *h = (struct tables_snapshot_header *)file;

	h->body_crc = tables_crc32c(0, file + 64, len - 64);
	h->header_crc = 0;
	h->header_crc = tables_crc32c(0, h, sizeof(*h));
}

/* A snapshot of @p kind whose body is @p len bytes of a pattern; its generation. */
static uint64_t publish_pattern(struct tables_root *root, enum tables_kind kind, size_t len)
{
	struct tables_builder *b = tables_builder_new(kind);
	uint64_t off, gen = 0;

	off = tables_builder_alloc(b, len, 8);
	uint8_t *p = tables_builder_at(b, off);
	for (size_t i = 0; p != NULL && i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	tables_builder_set_top(b, off);
	if (tables_builder_publish(b, root, &gen) != 0)
		return 0;
	return gen;
}

static void test_crc32c(void)
{
	static const char check[] = "123456789";
	uint8_t buf[1024];
	uint32_t x = 12345;

	CHECK_EQ(tables_crc32c(0, check, 9), 0xe3069283u);
	CHECK_EQ(tables_crc32c_sw(0, check, 9), 0xe3069283u);
	CHECK_EQ(tables_crc32c(0, NULL, 0), 0);
	CHECK_EQ(tables_crc32c(tables_crc32c(0, check, 4), check + 4, 5), 0xe3069283u);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	/* Every length and alignment near the 8-byte steps, both implementations. */
	for (size_t start = 0; start < 9; start++)
		for (size_t len = 0; len + start <= 300; len++) {
			uint32_t sw = tables_crc32c_sw(0, buf + start, len);
			CHECK_EQ(tables_crc32c(0, buf + start, len), sw);
			if (tables_crc32c_hw_available())
				CHECK_EQ(tables_crc32c_hw(0, buf + start, len), sw);
		}
	printf("# hardware CRC-32C: %s\n", tables_crc32c_hw_available() ? "yes" : "no");
}

static void test_kind_names(void)
{
	for (int k = 0; k < TABLES_KIND_MAX; k++)
		CHECK_EQ(tables_kind_parse(tables_kind_name((enum tables_kind)k)), k);
	CHECK(strcmp(tables_kind_name(TABLES_KIND_ZONES), "zones") == 0);
	CHECK(strcmp(tables_kind_name(TABLES_KIND_INVALIDATIONS), "invalidations") == 0);
	CHECK(strcmp(tables_kind_name(TABLES_KIND_MAX), "unknown") == 0);
	CHECK_EQ(tables_kind_parse("zone"), -EINVAL);
	CHECK_EQ(tables_kind_parse(NULL), -EINVAL);
}

static void test_root_create_open_reopen(void)
{
	char sub[300];
	struct tables_root *root = NULL, *again = NULL;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/run/pop/demo/tables", dir);
	CHECK_EQ(tables_root_open(sub, false, &root), -ENOENT);
	CHECK(root == NULL);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0750);
	CHECK(strcmp(tables_root_dir(root), sub) == 0);
	for (int k = 0; k < TABLES_KIND_MAX; k++) {
		CHECK_EQ(tables_root_published(root, (enum tables_kind)k), 0);
		CHECK_EQ(tables_root_applied(root, (enum tables_kind)k), 0);
	}
	tables_root_set_applied(root, TABLES_KIND_GEO, 7);
	tables_root_close(root);
	CHECK_EQ(tables_root_open(sub, false, &again), 0);
	if (again != NULL) {
		CHECK_EQ(tables_root_applied(again, TABLES_KIND_GEO), 7);
		CHECK_EQ(tables_root_applied(again, TABLES_KIND_ZONES), 0);
	}
	/* Opening with create an existing, good root keeps it. */
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root != NULL)
		CHECK_EQ(tables_root_applied(root, TABLES_KIND_GEO), 7);
	tables_root_close(root);
	tables_root_close(again);
	tables_root_close(NULL);
	CHECK_EQ(tables_root_open("", true, &root), -EINVAL);
}

static void test_root_bad_magic_and_version(void)
{
	char sub[300];
	struct tables_root *root = NULL;
	uint8_t junk[4096];
	uint8_t *good;
	size_t len = 0;

	snprintf(sub, sizeof(sub), "%s/badroot", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	tables_root_set_applied(root, TABLES_KIND_ZONES, 3);
	tables_root_close(root);
	good = scratch_read(sub, "root", &len);
	CHECK(good != NULL && len == 4096);
	if (good == NULL)
		return;

	memset(junk, 0x5a, sizeof(junk));
	CHECK_EQ(scratch_write(sub, "root", junk, sizeof(junk)), 0);
	CHECK_EQ(tables_root_open(sub, false, &root), -POP_EFORMAT);
	CHECK_EQ(scratch_write(sub, "root", junk, 10), 0);
	CHECK_EQ(tables_root_open(sub, false, &root), -POP_EFORMAT);

	struct tables_root_segment *seg = (struct tables_root_segment *)good;
	seg->format_version = TABLES_FORMAT_VERSION + 1;
	CHECK_EQ(scratch_write(sub, "root", good, len), 0);
	CHECK_EQ(tables_root_open(sub, false, &root), -POP_EVERSION);
	CHECK(root == NULL);

	/* create reinitialises: generations back to 0. */
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root != NULL) {
		CHECK_EQ(tables_root_applied(root, TABLES_KIND_ZONES), 0);
		CHECK_EQ(tables_root_published(root, TABLES_KIND_ZONES), 0);
	}
	tables_root_close(root);
	CHECK_EQ(tables_root_open(sub, false, &root), 0);
	tables_root_close(root);
	free(good);
}

static void test_root_published_applied_per_kind(void)
{
	char sub[300];
	struct tables_root *popd = NULL, *popdp = NULL;

	snprintf(sub, sizeof(sub), "%s/kinds", dir);
	CHECK_EQ(tables_root_open(sub, true, &popd), 0);
	CHECK_EQ(tables_root_open(sub, false, &popdp), 0);
	if (popd == NULL || popdp == NULL)
		return;
	CHECK_EQ(publish_pattern(popd, TABLES_KIND_ZONES, 100), 1);
	CHECK_EQ(publish_pattern(popd, TABLES_KIND_ZONES, 100), 2);
	CHECK_EQ(publish_pattern(popd, TABLES_KIND_EDGE, 100), 1);
	/* Another mapping (another process) sees the same words. */
	CHECK_EQ(tables_root_published(popdp, TABLES_KIND_ZONES), 2);
	CHECK_EQ(tables_root_published(popdp, TABLES_KIND_EDGE), 1);
	CHECK_EQ(tables_root_published(popdp, TABLES_KIND_GEO), 0);
	tables_root_set_applied(popdp, TABLES_KIND_ZONES, 2);
	tables_root_set_applied(popdp, TABLES_KIND_EDGE, 1);
	CHECK_EQ(tables_root_applied(popd, TABLES_KIND_ZONES), 2);
	CHECK_EQ(tables_root_applied(popd, TABLES_KIND_EDGE), 1);
	CHECK_EQ(tables_root_applied(popd, TABLES_KIND_PREFILTER), 0);
	CHECK_EQ(tables_root_published(popd, TABLES_KIND_MAX), 0);
	tables_root_close(popdp);
	tables_root_close(popd);
	/* A new popd continues from the published generation. */
	CHECK_EQ(tables_root_open(sub, true, &popd), 0);
	if (popd != NULL)
		CHECK_EQ(publish_pattern(popd, TABLES_KIND_ZONES, 100), 3);
	tables_root_close(popd);
}

static void test_builder_alloc(void)
{
	struct tables_builder *b = tables_builder_new(TABLES_KIND_GEO);
	uint64_t a, c, d;

	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(tables_builder_new(TABLES_KIND_MAX) == NULL);
	CHECK_EQ(tables_builder_size(b), 64);
	a = tables_builder_put(b, "abc", 3);
	CHECK_EQ(a, 64);
	c = tables_builder_alloc(b, 16, 64);
	CHECK_EQ(c, 128);
	uint8_t *p = tables_builder_at(b, c);
	int zero = 1;
	for (int i = 0; p != NULL && i < 16; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	CHECK(tables_builder_at(b, 0) == NULL);
	CHECK(tables_builder_at(b, 63) == NULL);
	CHECK(tables_builder_at(b, 144) == NULL);
	/* Growth past the first arena keeps what was written and zeroes the rest. */
	d = tables_builder_alloc(b, 1 << 20, 8);
	CHECK_EQ(d, 144);
	p = tables_builder_at(b, a);
	CHECK(p != NULL && memcmp(p, "abc", 3) == 0);
	p = tables_builder_at(b, d + (1 << 20) - 1);
	CHECK(p != NULL && *p == 0);
	CHECK_EQ(tables_builder_status(b), 0);
	/* Past the format's limit: 0, and the builder is failed for good. */
	CHECK_EQ(tables_builder_alloc(b, (size_t)TABLES_SNAPSHOT_MAX_SIZE, 8), 0);
	CHECK_EQ(tables_builder_status(b), -POP_ELIMIT);
	CHECK_EQ(tables_builder_put(b, "x", 1), 0);
	tables_builder_free(b);

	b = tables_builder_new(TABLES_KIND_GEO);
	CHECK_EQ(tables_builder_alloc(b, 8, 3), 0);
	CHECK_EQ(tables_builder_status(b), -EINVAL);
	tables_builder_free(b);
	tables_builder_free(NULL);
}

static void test_snapshot_round_trip(void)
{
	char sub[300], name[64], path[400];
	struct tables_root *root = NULL;
	struct tables_snapshot *s = NULL;
	struct stat st;
	uint64_t gen = 0;

	snprintf(sub, sizeof(sub), "%s/roundtrip", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	struct tables_builder *b = tables_builder_new(TABLES_KIND_EDGE);
	uint64_t top = tables_builder_alloc(b, 16, 8);
	uint64_t str = tables_builder_put(b, "hello, edge", 11);
	uint64_t *w = tables_builder_at(b, top);
	w[0] = str;
	w[1] = 11;
	tables_builder_set_top(b, top);
	size_t size = tables_builder_size(b);
	CHECK_EQ(tables_builder_publish(b, root, &gen), 0);
	CHECK_EQ(gen, 1);
	CHECK_EQ(tables_root_published(root, TABLES_KIND_EDGE), 1);
	snap_name(name, sizeof(name), "edge", 1);
	snprintf(path, sizeof(path), "%s/%s", sub, name);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0444 && (size_t)st.st_size == size);

	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_EDGE, 1, &s), 0);
	if (s != NULL) {
		const struct tables_snapshot_header *h = tables_snapshot_header(s);
		CHECK_EQ(s->generation, 1);
		CHECK_EQ(s->kind, TABLES_KIND_EDGE);
		CHECK_EQ(s->size, size);
		CHECK_EQ(h->magic, TABLES_SNAPSHOT_MAGIC);
		CHECK_EQ(h->top, top);
		const uint64_t *t = tables_snapshot_at(s, h->top, 16);
		CHECK(t != NULL);
		if (t != NULL) {
			const char *text = tables_snapshot_at(s, t[0], t[1]);
			CHECK(text != NULL && memcmp(text, "hello, edge", 11) == 0);
		}
		CHECK(tables_snapshot_at(s, 0, 1) == NULL);
		CHECK(tables_snapshot_at(s, 63, 1) == NULL);
		CHECK(tables_snapshot_at(s, size, 0) != NULL);
		CHECK(tables_snapshot_at(s, size, 1) == NULL);
		CHECK(tables_snapshot_at(s, size - 1, UINT64_MAX) == NULL);
		CHECK(tables_snapshot_at(s, UINT64_MAX, 2) == NULL);
	}
	tables_snapshot_unmap(s);
	tables_snapshot_unmap(NULL);
	/* No top at all is fine too. */
	b = tables_builder_new(TABLES_KIND_EDGE);
	CHECK_EQ(tables_builder_publish(b, root, &gen), 0);
	CHECK_EQ(gen, 2);
	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_EDGE, 2, &s), 0);
	if (s != NULL)
		CHECK_EQ(s->size, 64);
	tables_snapshot_unmap(s);
	tables_root_close(root);
}

/* Map @p bytes written as generation @p gen of @p kind; the result. */
static int map_bytes(const char *sub, const char *kind_name, enum tables_kind kind, uint64_t gen,
		     const uint8_t *bytes, size_t len)
{
	char name[64];
	struct tables_snapshot *s = NULL;
	int rc;

	snap_name(name, sizeof(name), kind_name, gen);
	if (scratch_write(sub, name, bytes, len) != 0)
		return -9999;
	rc = tables_snapshot_map(sub, kind, gen, &s);
	CHECK((rc == 0) == (s != NULL));
	tables_snapshot_unmap(s);
	return rc;
}

static void test_snapshot_refusals(void)
{
	char sub[300], name[64];
	struct tables_root *root = NULL;
	uint8_t *good, *bad;
	size_t len = 0;

	snprintf(sub, sizeof(sub), "%s/refusals", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 1000), 1);
	snap_name(name, sizeof(name), "zones", 1);
	good = scratch_read(sub, name, &len);
	CHECK(good != NULL && len == 1064);
	if (good == NULL)
		return;
	bad = malloc(len);
	struct tables_snapshot_header *h = (struct tables_snapshot_header *)bad;

	/* The same bytes under another generation's name: accepted only as gen 1. */
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, good, len), 0);
	/* wrong generation in the file */
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 2, good, len), -POP_EFORMAT);
	/* wrong kind */
	CHECK_EQ(map_bytes(sub, "edge", TABLES_KIND_EDGE, 1, good, len), -POP_EFORMAT);
	/* bad magic */
	memcpy(bad, good, len);
	h->magic ^= 1;
	reseal(bad, len);
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 3, bad, len), -POP_EFORMAT);
	/* bad version */
	memcpy(bad, good, len);
	h->format_version = TABLES_FORMAT_VERSION + 1;
	h->generation = 4;
	reseal(bad, len);
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 4, bad, len), -POP_EVERSION);
	/* truncated: one byte short, and shorter than a header */
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, good, len - 1), -POP_EFORMAT);
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, good, 40), -POP_EFORMAT);
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, good, 0), -POP_EFORMAT);
	/* a size field that does not match the file, sealed */
	memcpy(bad, good, len);
	h->size = len + 8;
	reseal(bad, len);
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, bad, len), -POP_EFORMAT);
	/* body bit flips, anywhere in the body */
	for (size_t at = 64; at < len; at += 97) {
		memcpy(bad, good, len);
		bad[at] ^= (uint8_t)(1u << (at % 8));
		CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, bad, len), -POP_ECHECKSUM);
	}
	/* header bit flips past the magic and version (those have their own codes) */
	for (size_t at = 12; at < 64; at++) {
		memcpy(bad, good, len);
		bad[at] ^= 0x10;
		int rc = map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, bad, len);
		CHECK_EQ(rc, -POP_ECHECKSUM);
		if (rc != -POP_ECHECKSUM)
			printf("#   header byte %zu\n", at);
	}
	/* After all that, the good bytes still map. */
	CHECK_EQ(map_bytes(sub, "zones", TABLES_KIND_ZONES, 1, good, len), 0);
	free(bad);
	free(good);
	tables_root_close(root);
}

static void test_snapshot_enoent(void)
{
	struct tables_snapshot *s = (struct tables_snapshot *)1;

	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_ZONES, 99, &s), -ENOENT);
	CHECK(s == NULL);
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_ZONES, 0, &s), -ENOENT);
	CHECK_EQ(tables_snapshot_map("/nonexistent/pop", TABLES_KIND_ZONES, 1, &s), -ENOENT);
	CHECK_EQ(tables_snapshot_map(dir, TABLES_KIND_MAX, 1, &s), -EINVAL);
}

static void test_old_generations_unlinked(void)
{
	char sub[300];
	struct tables_root *root = NULL;
	struct tables_snapshot *old = NULL, *again = NULL;

	snprintf(sub, sizeof(sub), "%s/cleanup", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 256), 1);
	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_ZONES, 1, &old), 0);
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 256), 2);
	CHECK_EQ(scratch_count(sub, "zones."), 2);
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 256), 3);
	/* gen 1 is gone after two newer publishes; 2 (the previous) stays. */
	CHECK_EQ(scratch_count(sub, "zones."), 2);
	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_ZONES, 1, &again), -ENOENT);
	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_ZONES, 2, &again), 0);
	tables_snapshot_unmap(again);
	tables_snapshot_unmap(old);
	CHECK_EQ(publish_pattern(root, TABLES_KIND_EDGE, 256), 1);
	CHECK_EQ(scratch_count(sub, "zones."), 2);
	CHECK_EQ(scratch_count(sub, "edge."), 1);
	CHECK_EQ(scratch_count(sub, "."), 0);
	tables_root_close(root);
}

static void test_mapping_outlives_unlink(void)
{
	char sub[300];
	struct tables_root *root = NULL;
	struct tables_snapshot *s = NULL;

	snprintf(sub, sizeof(sub), "%s/outlive", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	CHECK_EQ(publish_pattern(root, TABLES_KIND_GEO, 5000), 1);
	CHECK_EQ(tables_snapshot_map(sub, TABLES_KIND_GEO, 1, &s), 0);
	for (int i = 0; i < 3; i++)
		publish_pattern(root, TABLES_KIND_GEO, 10);
	CHECK_EQ(scratch_count(sub, "geo.0000000000000001"), 0);
	if (s != NULL) {
		const uint8_t *p = tables_snapshot_at(s, tables_snapshot_header(s)->top, 5000);
		CHECK(p != NULL && p[4999] == (uint8_t)(4999 * 7 + 3));
		CHECK_EQ(tables_crc32c(0, s->base + 64, s->size - 64),
			 tables_snapshot_header(s)->body_crc);
	}
	tables_snapshot_unmap(s);
	tables_root_close(root);
}

static void test_failed_builder_publishes_nothing(void)
{
	char sub[300];
	struct tables_root *root = NULL;
	struct tables_builder *b;
	struct rlimit old, small;
	uint64_t gen = 77;

	snprintf(sub, sizeof(sub), "%s/failed", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	/* A builder that failed before publish. */
	b = tables_builder_new(TABLES_KIND_ZONES);
	tables_builder_alloc(b, (size_t)TABLES_SNAPSHOT_MAX_SIZE + 1, 8);
	CHECK_EQ(tables_builder_publish(b, root, &gen), -POP_ELIMIT);
	CHECK_EQ(gen, 77);
	CHECK_EQ(tables_root_published(root, TABLES_KIND_ZONES), 0);
	CHECK_EQ(scratch_count(sub, ""), 1); /* the root alone */

	/* A write that fails halfway (file size limit): no temp file left behind. */
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 100), 1);
	b = tables_builder_new(TABLES_KIND_ZONES);
	tables_builder_alloc(b, 256 * 1024, 8);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 64 * 1024;
	setrlimit(RLIMIT_FSIZE, &small);
	int rc = tables_builder_publish(b, root, &gen);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_EQ(rc, -EFBIG);
	CHECK_EQ(tables_root_published(root, TABLES_KIND_ZONES), 1);
	CHECK_EQ(scratch_count(sub, ".zones"), 0);
	CHECK_EQ(scratch_count(sub, "zones."), 1);

	/* A directory that vanished. */
	char moved[320];
	snprintf(moved, sizeof(moved), "%s-moved", sub);
	CHECK_EQ(rename(sub, moved), 0);
	b = tables_builder_new(TABLES_KIND_ZONES);
	CHECK_EQ(tables_builder_publish(b, root, &gen), -ENOENT);
	CHECK_EQ(tables_root_published(root, TABLES_KIND_ZONES), 1);
	CHECK_EQ(rename(moved, sub), 0);
	CHECK_EQ(scratch_count(sub, ".zones"), 0);
	tables_root_close(root);
}

static void test_stale_files_removed(void)
{
	char sub[300], name[128];
	struct tables_root *root = NULL;
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(sub, sizeof(sub), "%s/stale", dir);
	CHECK_EQ(tables_root_open(sub, true, &root), 0);
	if (root == NULL)
		return;
	/* Left by a writer that died, by a root since reinitialised, and a live writer's. */
	snprintf(name, sizeof(name), ".zones.0000000000000009.tmp.%ld.0", (long)dead);
	CHECK_EQ(scratch_write(sub, name, "x", 1), 0);
	CHECK_EQ(scratch_write(sub, "zones.00000000000000ff", "x", 1), 0);
	snprintf(name, sizeof(name), ".zones.0000000000000009.tmp.%ld.0", (long)getppid());
	CHECK_EQ(scratch_write(sub, name, "x", 1), 0);
	CHECK_EQ(scratch_write(sub, "zones.notagen", "x", 1), 0);
	CHECK_EQ(publish_pattern(root, TABLES_KIND_ZONES, 10), 1);
	CHECK_EQ(scratch_count(sub, "zones.00000000000000ff"), 0);
	CHECK_EQ(scratch_count(sub, ".zones"), 1); /* the parent's is kept */
	CHECK_EQ(scratch_count(sub, "zones.notagen"), 1);
	CHECK_EQ(scratch_count(sub, "zones.0000000000000001"), 1);
	tables_root_close(root);
}

static void test_live_set_get(void)
{
	char sub[300];
	struct tables_live *live = NULL;

	snprintf(sub, sizeof(sub), "%s/live", dir);
	CHECK_EQ(tables_live_open(sub, false, &live), -ENOENT);
	CHECK_EQ(tables_live_open(sub, true, &live), 0);
	if (live == NULL)
		return;
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, 0), TABLES_HEALTH_UNKNOWN);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, 0), UINT32_MAX);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, TABLES_LIVE_SLOTS - 1), UINT32_MAX);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_ZONAL_SHIFT, 5), 0);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_HEALTH, 5, TABLES_HEALTH_UNHEALTHY), 0);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_ROUTING_CONTROL, TABLES_LIVE_SLOTS - 1, 1), 0);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_WEIGHT, 5, 40), 0);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, 5), TABLES_HEALTH_UNHEALTHY);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_ROUTING_CONTROL, TABLES_LIVE_SLOTS - 1), 1);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, 5), 40);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_ZONAL_SHIFT, 5), 0);
	/* Ranges. */
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_HEALTH, TABLES_LIVE_SLOTS, 1), -ERANGE);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_HEALTH, TABLES_LIVE_NONE, 1), -ERANGE);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_ARRAY_MAX, 0, 1), -EINVAL);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, TABLES_LIVE_NONE), 0);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, TABLES_LIVE_NONE), 0);
	CHECK_EQ(tables_live_get(live, TABLES_LIVE_ARRAY_MAX, 0), 0);
	tables_live_close(live);
	tables_live_close(NULL);
}

static void test_live_reopen_and_refusals(void)
{
	char sub[300];
	struct tables_live *live = NULL;
	uint8_t *bytes;
	size_t len = 0;

	snprintf(sub, sizeof(sub), "%s/live2", dir);
	CHECK_EQ(tables_live_open(sub, true, &live), 0);
	if (live == NULL)
		return;
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_HEALTH, 9, TABLES_HEALTH_HEALTHY), 0);
	CHECK_EQ(tables_live_set(live, TABLES_LIVE_WEIGHT, 9, 0), 0);
	tables_live_close(live);
	CHECK_EQ(tables_live_open(sub, false, &live), 0);
	if (live != NULL) {
		CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, 9), TABLES_HEALTH_HEALTHY);
		CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, 9), 0);
	}
	tables_live_close(live);
	CHECK_EQ(tables_live_open(sub, true, &live), 0);
	if (live != NULL)
		CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, 9), TABLES_HEALTH_HEALTHY);
	tables_live_close(live);

	bytes = scratch_read(sub, "live", &len);
	CHECK(bytes != NULL);
	if (bytes == NULL)
		return;
	bytes[0] ^= 1;
	CHECK_EQ(scratch_write(sub, "live", bytes, len), 0);
	CHECK_EQ(tables_live_open(sub, false, &live), -POP_EFORMAT);
	bytes[0] ^= 1;
	bytes[8] ^= 4; /* format version */
	CHECK_EQ(scratch_write(sub, "live", bytes, len), 0);
	CHECK_EQ(tables_live_open(sub, false, &live), -POP_EVERSION);
	bytes[8] ^= 4;
	CHECK_EQ(scratch_write(sub, "live", bytes, len / 2), 0);
	CHECK_EQ(tables_live_open(sub, false, &live), -POP_EFORMAT);
	/* create reinitialises. */
	CHECK_EQ(tables_live_open(sub, true, &live), 0);
	if (live != NULL) {
		CHECK_EQ(tables_live_get(live, TABLES_LIVE_HEALTH, 9), 0);
		CHECK_EQ(tables_live_get(live, TABLES_LIVE_WEIGHT, 9), UINT32_MAX);
	}
	tables_live_close(live);
	free(bytes);
}

/* Values the writer stores: the low half is the high half inverted. */
static uint32_t live_value(uint32_t k)
{
	return k << 16 | (~k & 0xffffu);
}

struct live_reader {
	const char *dir;
	volatile int stop;
	long reads, bad;
};

static void *live_reader_main(void *arg)
{
	struct live_reader *r = arg;
	struct tables_live *live = NULL;
	uint32_t last[64] = {0};

	if (tables_live_open(r->dir, false, &live) != 0) {
		__atomic_store_n(&r->bad, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t slot = 0; slot < 64; slot++) {
			uint32_t v = tables_live_get(live, TABLES_LIVE_WEIGHT, slot);
			__atomic_fetch_add(&r->reads, 1, __ATOMIC_RELAXED);
			if (v == UINT32_MAX)
				continue; /* not written yet */
			/* Only written values, and never older than one seen before. */
			if ((v & 0xffffu) != (~(v >> 16) & 0xffffu) || v < last[slot])
				__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED);
			last[slot] = v;
		}
	}
	tables_live_close(live);
	return NULL;
}

static void test_live_concurrent_reader(void)
{
	char sub[300];
	struct tables_live *live = NULL;
	struct live_reader r = {.dir = sub};
	pthread_t th;

	snprintf(sub, sizeof(sub), "%s/live3", dir);
	CHECK_EQ(tables_live_open(sub, true, &live), 0);
	if (live == NULL)
		return;
	CHECK_EQ(pthread_create(&th, NULL, live_reader_main, &r), 0);
	/* Write while the reader reads: wait for its first pass, then 60,000 stores. */
	while (__atomic_load_n(&r.reads, __ATOMIC_RELAXED) == 0 &&
	       __atomic_load_n(&r.bad, __ATOMIC_RELAXED) == 0)
		sched_yield();
	for (uint32_t k = 1; k < 60000; k++)
		tables_live_set(live, TABLES_LIVE_WEIGHT, k % 64, live_value(k));
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK_EQ(r.bad, 0);
	CHECK(r.reads > 0);
	tables_live_close(live);
}

int main(void)
{
	scratch_dir(dir, sizeof(dir));
	if (dir[0] == '\0') {
		printf("Bail out! no scratch directory\n");
		return 1;
	}
	RUN(test_crc32c);
	RUN(test_kind_names);
	RUN(test_root_create_open_reopen);
	RUN(test_root_bad_magic_and_version);
	RUN(test_root_published_applied_per_kind);
	RUN(test_builder_alloc);
	RUN(test_snapshot_round_trip);
	RUN(test_snapshot_refusals);
	RUN(test_snapshot_enoent);
	RUN(test_old_generations_unlinked);
	RUN(test_mapping_outlives_unlink);
	RUN(test_failed_builder_publishes_nothing);
	RUN(test_stale_files_removed);
	RUN(test_live_set_get);
	RUN(test_live_reopen_and_refusals);
	RUN(test_live_concurrent_reader);
	scratch_remove(dir);
	return tap_done();
}
