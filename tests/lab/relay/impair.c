/* SPDX-License-Identifier: BSD-3-Clause */
#include "impair.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t impair_rand(struct impair_dir *dir)
{
	uint64_t *s = dir->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* 1 with probability ppm / 1e6, from the high 32 bits of r. */
static int chance(uint64_t r, uint32_t ppm)
{
	return (uint32_t)(((r >> 32) * IMPAIR_PPM_ONE) >> 32) < ppm;
}

void impair_config_default(struct impair_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	for (int d = 0; d < IMPAIR_NDIRS; d++)
		cfg->dir[d].queue_limit = IMPAIR_DEFAULT_QUEUE;
}

void impair_dir_init(struct impair_dir *dir, const struct impair_config *cfg, enum impair_dir_id d)
{
	/* Each direction has its own stream, so the decisions of one do not
	 * depend on how the frames of the two interleave. */
	uint64_t x = cfg->seed ^ (0x5851f42d4c957f2dull * (uint64_t)(d + 1));

	memset(dir, 0, sizeof(*dir));
	dir->p = cfg->dir[d];
	for (int i = 0; i < 4; i++)
		dir->rng[i] = splitmix64(&x);
}

void impair_decide(struct impair_dir *dir, uint64_t now_ns, uint32_t len, uint32_t queued,
		   struct impair_verdict *v)
{
	const struct impair_params *p = &dir->p;
	/* Always four draws per frame: the k-th frame's fate depends on k only. */
	uint64_t r_loss = impair_rand(dir);
	uint64_t r_dup = impair_rand(dir);
	uint64_t r_reorder = impair_rand(dir);
	uint64_t r_jitter = impair_rand(dir);
	int64_t delay_us = p->delay_us;
	uint64_t start_ns = now_ns, depart_ns;

	memset(v, 0, sizeof(*v));
	dir->c.frames_in++;
	if (p->jitter_us) {
		double u = (double)(r_jitter >> 11) * (1.0 / 9007199254740992.0);
		int64_t span = 2 * (int64_t)p->jitter_us + 1;

		delay_us += (int64_t)(u * (double)span) - (int64_t)p->jitter_us;
		if (delay_us < 0)
			delay_us = 0;
	}
	v->drawn_delay_us = (uint32_t)delay_us;
	if (chance(r_loss, p->loss_ppm)) {
		v->lost = 1;
		dir->c.lost++;
		return;
	}
	v->copies = chance(r_dup, p->dup_ppm) ? 2 : 1;
	if (queued + (uint32_t)v->copies > p->queue_limit) {
		v->copies = 0;
		v->queue_drop = 1;
		dir->c.queue_drops++;
		return;
	}
	if (p->rate_bytes) {
		if (dir->link_free_ns > start_ns)
			start_ns = dir->link_free_ns;
		dir->link_free_ns =
		    start_ns + (uint64_t)len * (uint64_t)v->copies * 1000000000ull / p->rate_bytes;
	}
	if (p->reorder_ppm && chance(r_reorder, p->reorder_ppm)) {
		v->reordered = 1;
		dir->c.reordered++;
		depart_ns = start_ns;
	} else {
		depart_ns = start_ns + (uint64_t)delay_us * 1000u;
		if (!p->jitter_reorders && depart_ns < dir->last_depart_ns)
			depart_ns = dir->last_depart_ns;
		dir->last_depart_ns = depart_ns;
	}
	if (v->copies == 2)
		dir->c.duplicated++;
	if (depart_ns > now_ns)
		dir->c.delayed++;
	v->depart_ns = depart_ns;
}

/* ---- the spec parser ---- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* An unsigned decimal with an optional fraction, in millionths. */
static int parse_decimal_micro(const char *s, size_t n, uint64_t *out_micro, size_t *used)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0;
	int digits = 0, fdigits = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (whole > 1000000000000ull)
			return -1;
		whole = whole * 10 + (uint64_t)(s[i] - '0');
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (fdigits < 6) {
				frac = frac * 10 + (uint64_t)(s[i] - '0');
				fdigits++;
			}
			i++;
			digits++;
		}
		for (int k = fdigits; k < 6; k++)
			frac *= 10;
	}
	if (!digits)
		return -1;
	*out_micro = whole * 1000000ull + frac;
	*used = i;
	return 0;
}

static int parse_ppm(const char *v, size_t n, uint32_t *ppm)
{
	uint64_t micro;
	size_t used;

	if (parse_decimal_micro(v, n, &micro, &used))
		return -1;
	if (used + 1 == n && v[used] == '%')
		micro /= 100; /* 1% = 1,000,000 micro-percent -> 10,000 ppm */
	else if (used != n)
		return -1;
	if (micro > IMPAIR_PPM_ONE)
		return -1;
	*ppm = (uint32_t)micro;
	return 0;
}

static int suffix_is(const char *s, size_t n, const char *suf)
{
	return strlen(suf) == n && memcmp(s, suf, n) == 0;
}

static int parse_time_us(const char *v, size_t n, uint32_t *us)
{
	uint64_t micro, val;
	size_t used;

	if (parse_decimal_micro(v, n, &micro, &used))
		return -1;
	if (suffix_is(v + used, n - used, "us"))
		val = micro / 1000000ull;
	else if (suffix_is(v + used, n - used, "ms") || used == n)
		val = micro / 1000ull;
	else if (suffix_is(v + used, n - used, "s"))
		val = micro;
	else
		return -1;
	if (val > IMPAIR_MAX_DELAY_US)
		return -1;
	*us = (uint32_t)val;
	return 0;
}

static int parse_rate(const char *v, size_t n, uint64_t *bytes)
{
	uint64_t micro, mult = 1, bits = 0;
	size_t used;
	const char *s;
	size_t sn;

	if (parse_decimal_micro(v, n, &micro, &used))
		return -1;
	s = v + used;
	sn = n - used;
	if (sn >= 3 && memcmp(s + sn - 3, "bit", 3) == 0) {
		bits = 1;
		sn -= 3;
	}
	if (sn == 1 && (s[0] == 'k' || s[0] == 'K'))
		mult = 1000;
	else if (sn == 1 && (s[0] == 'm' || s[0] == 'M'))
		mult = 1000000;
	else if (sn == 1 && (s[0] == 'g' || s[0] == 'G'))
		mult = 1000000000;
	else if (sn != 0)
		return -1;
	if (micro > IMPAIR_MAX_RATE_BYTES * 8 * 1000000ull / mult)
		return -1;
	micro = micro / 1000000ull * mult + (micro % 1000000ull) * mult / 1000000ull;
	if (bits)
		micro /= 8;
	if (micro > IMPAIR_MAX_RATE_BYTES)
		return -1;
	*bytes = micro;
	return 0;
}

static int parse_u64(const char *v, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

int impair_parse_spec(struct impair_config *cfg, const char *spec, char *err, size_t errlen)
{
	int dmask = 3; /* both */
	size_t pos = 0, total = strlen(spec);

	while (pos < total) {
		const char *item = spec + pos, *eq, *val;
		size_t ilen = strcspn(item, ","), klen, vlen;
		uint64_t u64 = 0;
		int rc = 0;

		if (ilen == 0)
			return fail(err, errlen, "empty item at byte %zu", pos);
		eq = memchr(item, '=', ilen);
		if (!eq)
			return fail(err, errlen, "item at byte %zu has no '=': %.*s", pos,
				    (int)ilen, item);
		klen = (size_t)(eq - item);
		val = eq + 1;
		vlen = ilen - klen - 1;
		if (suffix_is(item, klen, "dir")) {
			if (suffix_is(val, vlen, "both"))
				dmask = 3;
			else if (suffix_is(val, vlen, "ab"))
				dmask = 1;
			else if (suffix_is(val, vlen, "ba"))
				dmask = 2;
			else
				rc = -1;
		} else if (suffix_is(item, klen, "seed")) {
			rc = parse_u64(val, vlen, UINT64_MAX, &cfg->seed);
		} else {
			for (int d = 0; d < IMPAIR_NDIRS && rc == 0; d++) {
				struct impair_params *p = &cfg->dir[d];

				if (!(dmask & (1 << d)))
					continue;
				if (suffix_is(item, klen, "loss"))
					rc = parse_ppm(val, vlen, &p->loss_ppm);
				else if (suffix_is(item, klen, "dup"))
					rc = parse_ppm(val, vlen, &p->dup_ppm);
				else if (suffix_is(item, klen, "reorder"))
					rc = parse_ppm(val, vlen, &p->reorder_ppm);
				else if (suffix_is(item, klen, "delay"))
					rc = parse_time_us(val, vlen, &p->delay_us);
				else if (suffix_is(item, klen, "jitter"))
					rc = parse_time_us(val, vlen, &p->jitter_us);
				else if (suffix_is(item, klen, "rate"))
					rc = parse_rate(val, vlen, &p->rate_bytes);
				else if (suffix_is(item, klen, "queue")) {
					rc = parse_u64(val, vlen, IMPAIR_MAX_QUEUE, &u64);
					if (rc == 0 && u64 == 0)
						rc = -1;
					p->queue_limit = rc == 0 ? (uint32_t)u64 : p->queue_limit;
				} else if (suffix_is(item, klen, "jitter-reorders")) {
					rc = parse_u64(val, vlen, 1, &u64);
					p->jitter_reorders =
					    rc == 0 ? (int)u64 : p->jitter_reorders;
				} else
					return fail(err, errlen, "unknown key at byte %zu: %.*s",
						    pos, (int)klen, item);
			}
		}
		if (rc)
			return fail(err, errlen, "bad value for %.*s at byte %zu: %.*s", (int)klen,
				    item, (size_t)(val - spec), (int)vlen, val);
		pos += ilen;
		if (pos < total) {
			pos++; /* the comma */
			if (pos == total)
				return fail(err, errlen, "trailing ',' at byte %zu", pos - 1);
		}
	}
	return 0;
}

int impair_config_check(const struct impair_config *cfg, char *err, size_t errlen)
{
	static const char *const names[IMPAIR_NDIRS] = {"ab", "ba"};

	for (int d = 0; d < IMPAIR_NDIRS; d++) {
		const struct impair_params *p = &cfg->dir[d];

		if (p->reorder_ppm && !p->delay_us)
			return fail(err, errlen,
				    "%s: reorder needs a delay (reordered frames are sent ahead "
				    "of the delayed ones)",
				    names[d]);
		if (p->jitter_us > p->delay_us)
			return fail(err, errlen,
				    "%s: jitter %" PRIu32 " us exceeds delay %" PRIu32
				    " us (delays would be clipped at zero)",
				    names[d], p->jitter_us, p->delay_us);
		if (p->queue_limit == 0 || p->queue_limit > IMPAIR_MAX_QUEUE)
			return fail(err, errlen, "%s: queue must be 1 to %u frames", names[d],
				    IMPAIR_MAX_QUEUE);
	}
	return 0;
}

void impair_params_format(const struct impair_params *p, char *buf, size_t len)
{
	snprintf(buf, len,
		 "loss=%" PRIu32 "ppm dup=%" PRIu32 "ppm reorder=%" PRIu32 "ppm delay=%" PRIu32
		 "us jitter=%" PRIu32 "us%s rate=%" PRIu64 "B/s queue=%" PRIu32,
		 p->loss_ppm, p->dup_ppm, p->reorder_ppm, p->delay_us, p->jitter_us,
		 p->jitter_reorders ? " (reorders)" : "", p->rate_bytes, p->queue_limit);
}

/* ---- the queue ---- */

static int slot_before(const struct impair_slot *a, const struct impair_slot *b)
{
	return a->depart_ns < b->depart_ns || (a->depart_ns == b->depart_ns && a->seq < b->seq);
}

void impair_queue_init(struct impair_queue *q, struct impair_slot *slots, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	q->heap = slots;
	q->cap = cap;
}

int impair_queue_push(struct impair_queue *q, uint64_t depart_ns, uint32_t handle)
{
	uint32_t i;

	if (q->len >= q->cap)
		return -ENOBUFS;
	i = q->len++;
	q->heap[i] = (struct impair_slot){depart_ns, q->next_seq++, handle};
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		struct impair_slot tmp;

		if (!slot_before(&q->heap[i], &q->heap[parent]))
			break;
		tmp = q->heap[i];
		q->heap[i] = q->heap[parent];
		q->heap[parent] = tmp;
		i = parent;
	}
	if (q->len > q->max_len)
		q->max_len = q->len;
	return 0;
}

uint64_t impair_queue_next_ns(const struct impair_queue *q)
{
	return q->len ? q->heap[0].depart_ns : UINT64_MAX;
}

int impair_queue_pop_due(struct impair_queue *q, uint64_t now_ns, uint32_t *handle)
{
	uint32_t i = 0;

	if (q->len == 0 || q->heap[0].depart_ns > now_ns)
		return 0;
	*handle = q->heap[0].handle;
	q->heap[0] = q->heap[--q->len];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		struct impair_slot tmp;

		if (l < q->len && slot_before(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->len && slot_before(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = q->heap[i];
		q->heap[i] = q->heap[m];
		q->heap[m] = tmp;
		i = m;
	}
	return 1;
}
