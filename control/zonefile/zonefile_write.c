/* SPDX-License-Identifier: BSD-3-Clause */
/* The canonical writer. */
#include "zonefile.h"

#include "dnstext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zf_out {
	char *p;
	size_t n, cap;
};

static int out_put(struct zf_out *o, const char *s, size_t len)
{
	if (o->n + len + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *p;

		while (cap < o->n + len + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (p == NULL)
			return -ENOMEM;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
	o->p[o->n] = '\0';
	return 0;
}

/* SOA first, NS next, then by type code. */
static unsigned type_rank(uint16_t type)
{
	if (type == DNS_TYPE_SOA)
		return 0;
	if (type == DNS_TYPE_NS)
		return 1;
	return 2u + type;
}

struct zf_sort {
	const struct zonefile_record *r;
	size_t index;
};

static int compare(const void *a, const void *b)
{
	const struct zf_sort *x = a, *y = b;
	int c;

	if ((x->r->type == DNS_TYPE_SOA) != (y->r->type == DNS_TYPE_SOA))
		return x->r->type == DNS_TYPE_SOA ? -1 : 1;
	c = dnstext_name_compare(x->r->owner, x->r->owner_len, y->r->owner, y->r->owner_len);
	if (c != 0)
		return c;
	if (type_rank(x->r->type) != type_rank(y->r->type))
		return type_rank(x->r->type) < type_rank(y->r->type) ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

int zonefile_write(const struct zonefile_record *records, size_t n, const uint8_t *origin,
		   size_t origin_len, char **out, size_t *out_len)
{
	struct zf_out o = {0};
	struct zf_sort *order = NULL;
	char name[DNS_NAME_TEXT_MAX];
	char *rdata = NULL;
	char line[64];
	int rc, l;

	*out = NULL;
	*out_len = 0;
	rdata = malloc(DNS_RDATA_MAX_BYTES * 4 + 16);
	if (n > 0)
		order = malloc(n * sizeof(*order));
	if (rdata == NULL || (n > 0 && order == NULL)) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (struct zf_sort){&records[i], i};
	if (n > 1)
		qsort(order, n, sizeof(*order), compare);

	l = dnstext_name_to_text(origin, origin_len, 0, name, sizeof(name));
	if (l < 0) {
		rc = -EINVAL;
		goto done;
	}
	if ((rc = out_put(&o, "$ORIGIN ", 8)) < 0 || (rc = out_put(&o, name, (size_t)l)) < 0 ||
	    (rc = out_put(&o, "\n", 1)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const struct zonefile_record *r = order[i].r;
		const char *type = dnstext_type_name(r->type);
		int rl;

		l = dnstext_name_to_text(r->owner, r->owner_len, 0, name, sizeof(name));
		rl = dnstext_rdata_to_text(r->type, r->rdata, r->rdata_len, 0, rdata,
					   DNS_RDATA_MAX_BYTES * 4 + 16);
		if (l < 0 || rl < 0 || type == NULL) {
			rc = -EINVAL;
			goto done;
		}
		snprintf(line, sizeof(line), "\t%u\tIN\t%s\t", r->ttl, type);
		if ((rc = out_put(&o, name, (size_t)l)) < 0 ||
		    (rc = out_put(&o, line, strlen(line))) < 0 ||
		    (rc = out_put(&o, rdata, (size_t)rl)) < 0 || (rc = out_put(&o, "\n", 1)) < 0)
			goto done;
	}
	*out = o.p;
	*out_len = o.n;
	o.p = NULL;
	rc = 0;
done:
	free(o.p);
	free(order);
	free(rdata);
	return rc;
}
