/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route 53's routing policies over the record sets of one name and type.
 * A record set is out when its health check reads unhealthy or its zone is
 * shifted away; when every candidate is out, Route 53 answers as if all were
 * in, so the same choice is made over all of them.
 */
#include "dns_pvt.h"

#include <math.h>

static bool usable(const struct dns_policy_env *e, const struct zones_rrset_rec *r)
{
	const struct tables_live *live = e->t->live;

	if (live == NULL)
		return true;
	if (r->health_slot != TABLES_LIVE_NONE &&
	    tables_live_get(live, TABLES_LIVE_HEALTH, r->health_slot) == TABLES_HEALTH_UNHEALTHY)
		return false;
	if (r->zone_slot != TABLES_LIVE_NONE &&
	    tables_live_get(live, TABLES_LIVE_ZONAL_SHIFT, r->zone_slot) != 0)
		return false;
	return true;
}

/* The geo facts of the client: the ECS address when one was given, else the source. */
static bool geo_facts(struct dns_policy_env *e)
{
	e->geo_dependent = true;
	if (e->geo_done)
		return e->geo_ok;
	e->geo_done = true;
	memset(&e->geo, 0, sizeof(e->geo));
	if (e->t->geo == NULL)
		return false;
	if (e->q->ecs && e->q->ecs_source > 0)
		e->geo_ok = e->t->geo(e->t->geo_ctx, e->q->ecs_family == 1 ? 4 : 6, e->q->ecs_addr,
				      &e->geo);
	else
		e->geo_ok = e->t->geo(e->t->geo_ctx, e->meta->family, e->meta->src_addr, &e->geo);
	return e->geo_ok;
}

/* A code of @p size bytes in a record (NUL padded) against a NUL-terminated geo code. */
static bool code_is(const char *rec, size_t size, const char *geo, size_t geo_size)
{
	for (size_t i = 0; i < size; i++) {
		char g = i < geo_size ? geo[i] : '\0';
		if (rec[i] != g)
			return false;
		if (g == '\0')
			return true;
	}
	return size >= geo_size || geo[size] == '\0';
}

/* How specifically a geolocation record set matches: 0 not at all, 1 default .. 4 subdivision. */
static int geo_level(const struct zones_rrset_rec *r, const struct dns_geo_answer *g, bool ok)
{
	if (r->country[0] == '*')
		return 1;
	if (!ok)
		return 0;
	if (r->subdivision[0] != '\0')
		return r->country[0] != '\0' && code_is(r->country, 2, g->country, 3) &&
			       code_is(r->subdivision, 3, g->subdivision, 4)
			   ? 4
			   : 0;
	if (r->country[0] != '\0')
		return code_is(r->country, 2, g->country, 3) && g->country[0] != '\0' ? 3 : 0;
	if (r->continent[0] != '\0')
		return code_is(r->continent, 2, g->continent, 3) && g->continent[0] != '\0' ? 2 : 0;
	return 0;
}

/* Approximate locations of AWS regions, for geoproximity records given by region. */
static const struct {
	const char *name;
	int32_t latitude_e4, longitude_e4;
} aws_regions[] = {
    {"us-east-1", 390438, -774874},	 {"us-east-2", 399612, -830007},
    {"us-west-1", 373382, -1218863},	 {"us-west-2", 458399, -1197000},
    {"af-south-1", -339249, 184241},	 {"ap-east-1", 223193, 1141694},
    {"ap-south-1", 190760, 728777},	 {"ap-south-2", 173850, 784867},
    {"ap-southeast-1", 13521, 1038198},	 {"ap-southeast-2", -338688, 1512093},
    {"ap-southeast-3", -62088, 1068456}, {"ap-southeast-4", -378136, 1449631},
    {"ap-northeast-1", 356762, 1396503}, {"ap-northeast-2", 375665, 1269780},
    {"ap-northeast-3", 346937, 1355023}, {"ca-central-1", 455017, -735673},
    {"ca-west-1", 510447, -1140719},	 {"eu-central-1", 501109, 86821},
    {"eu-central-2", 473769, 85417},	 {"eu-west-1", 533498, -62603},
    {"eu-west-2", 515072, -1276},	 {"eu-west-3", 488566, 23522},
    {"eu-north-1", 593293, 180686},	 {"eu-south-1", 454642, 91900},
    {"eu-south-2", 416488, -8891},	 {"il-central-1", 320853, 347818},
    {"me-south-1", 260667, 505577},	 {"me-central-1", 244539, 543773},
    {"sa-east-1", -235505, -466333},	 {"us-gov-west-1", 458399, -1197000},
    {"us-gov-east-1", 399612, -830007},	 {"cn-north-1", 399042, 1164074},
    {"cn-northwest-1", 384872, 1062621},
};

/* Where a geoproximity record set is; false when its region is unknown. */
static bool record_location(const struct dns_policy_env *e, const struct zones_rrset_rec *r,
			    int32_t *lat, int32_t *lon)
{
	if (r->region_len == 0) {
		*lat = r->latitude_e4;
		*lon = r->longitude_e4;
		return true;
	}
	const char *name = tables_snapshot_at(e->t->zones, r->region_off, r->region_len);
	if (name == NULL)
		return false;
	for (size_t i = 0; i < sizeof(aws_regions) / sizeof(aws_regions[0]); i++)
		if (strlen(aws_regions[i].name) == r->region_len &&
		    memcmp(aws_regions[i].name, name, r->region_len) == 0) {
			*lat = aws_regions[i].latitude_e4;
			*lon = aws_regions[i].longitude_e4;
			return true;
		}
	return false;
}

/* Central angle between two points (radians): the great-circle distance on a unit sphere. */
static double central_angle(int32_t lat1_e4, int32_t lon1_e4, int32_t lat2_e4, int32_t lon2_e4)
{
	const double k = M_PI / 180.0 / 10000.0;
	double p1 = lat1_e4 * k, p2 = lat2_e4 * k;
	double dp = p2 - p1, dl = (lon2_e4 - lon1_e4) * k;
	double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	if (a > 1.0)
		a = 1.0;
	return 2.0 * asin(sqrt(a));
}

/* Route 53's bias: positive shrinks the effective distance, negative stretches it. */
static double biased(double distance, int bias)
{
	if (bias > 0)
		return distance * (1.0 - bias / 100.0);
	if (bias < 0)
		return distance / (1.0 + bias / 100.0);
	return distance;
}

static unsigned pick_weighted(struct dns_policy_env *e, const struct zones_rrset_rec *rs,
			      uint32_t n, uint16_t type, const struct zones_rrset_rec **out)
{
	uint64_t w_in = 0, w_all = 0;
	uint32_t zero_in = 0, n_all = 0;
	int mode;

	for (uint32_t i = 0; i < n; i++) {
		if (rs[i].type != type)
			continue;
		n_all++;
		w_all += rs[i].weight;
		if (usable(e, &rs[i])) {
			w_in += rs[i].weight;
			zero_in += rs[i].weight == 0;
		}
	}
	/*
	 * Weight 0 is off while a record of non-zero weight is in; the zero
	 * ones share equally when they are all that is left (or all there is).
	 */
	if (w_in > 0)
		mode = 0; /* by weight among those in */
	else if (zero_in > 0)
		mode = 1; /* equally among the zero-weight ones in */
	else if (w_all > 0)
		mode = 2; /* all out: by weight among all */
	else
		mode = 3; /* all out, all zero: equally among all */
	uint64_t total = mode == 0 ? w_in : mode == 1 ? zero_in : mode == 2 ? w_all : n_all;
	if (total == 0 || total > UINT32_MAX)
		return 0;
	uint32_t r = dns_random_below(e->ctx, (uint32_t)total);
	for (uint32_t i = 0; i < n; i++) {
		if (rs[i].type != type)
			continue;
		uint32_t share;
		switch (mode) {
		case 0:
			share = usable(e, &rs[i]) ? rs[i].weight : 0;
			break;
		case 1:
			share = rs[i].weight == 0 && usable(e, &rs[i]);
			break;
		case 2:
			share = rs[i].weight;
			break;
		default:
			share = 1;
			break;
		}
		if (r < share) {
			out[0] = &rs[i];
			return 1;
		}
		r -= share;
	}
	return 0;
}

static unsigned pick_failover(struct dns_policy_env *e, const struct zones_rrset_rec *rs,
			      uint32_t n, uint16_t type, const struct zones_rrset_rec **out)
{
	const struct zones_rrset_rec *primary = NULL, *secondary = NULL;

	for (uint32_t i = 0; i < n; i++) {
		if (rs[i].type != type)
			continue;
		if (rs[i].failover == ZONES_FAILOVER_SECONDARY) {
			if (secondary == NULL)
				secondary = &rs[i];
		} else if (primary == NULL) {
			primary = &rs[i];
		}
	}
	if (primary != NULL && usable(e, primary))
		out[0] = primary;
	else if (secondary != NULL && usable(e, secondary))
		out[0] = secondary;
	else
		out[0] = primary != NULL ? primary : secondary; /* both out: the primary */
	return out[0] != NULL;
}

/* Up to DNS_SELECT_MAX at random (reservoir sampling), among those in, else among all. */
static unsigned pick_multivalue(struct dns_policy_env *e, const struct zones_rrset_rec *rs,
				uint32_t n, uint16_t type, const struct zones_rrset_rec **out)
{
	for (int pass = 0; pass < 2; pass++) {
		uint32_t seen = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (rs[i].type != type || (pass == 0 && !usable(e, &rs[i])))
				continue;
			if (seen < DNS_SELECT_MAX) {
				out[seen] = &rs[i];
			} else {
				uint32_t j = dns_random_below(e->ctx, seen + 1);
				if (j < DNS_SELECT_MAX)
					out[j] = &rs[i];
			}
			seen++;
		}
		if (seen > 0) {
			unsigned k = seen < DNS_SELECT_MAX ? seen : DNS_SELECT_MAX;
			/* Shuffle, so the order of the answers is random too. */
			for (unsigned a = k; a > 1; a--) {
				unsigned b = dns_random_below(e->ctx, a);
				const struct zones_rrset_rec *tmp = out[a - 1];
				out[a - 1] = out[b];
				out[b] = tmp;
			}
			return k;
		}
	}
	return 0;
}

static unsigned pick_geolocation(struct dns_policy_env *e, const struct zones_rrset_rec *rs,
				 uint32_t n, uint16_t type, const struct zones_rrset_rec **out)
{
	bool ok = geo_facts(e);
	const struct zones_rrset_rec *best_in = NULL, *best_all = NULL;
	int level_in = 0, level_all = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (rs[i].type != type)
			continue;
		int level = geo_level(&rs[i], &e->geo, ok);
		if (level > level_all) {
			level_all = level;
			best_all = &rs[i];
		}
		if (level > level_in && usable(e, &rs[i])) {
			level_in = level;
			best_in = &rs[i];
		}
	}
	/* An unhealthy match gives way to the next larger region that is in. */
	out[0] = best_in != NULL ? best_in : best_all;
	return out[0] != NULL;
}

static unsigned pick_latency(struct dns_policy_env *e, const struct zones_rrset_rec *rs, uint32_t n,
			     uint16_t type, const struct zones_rrset_rec **out)
{
	bool ok = geo_facts(e);
	size_t rlen = ok ? strnlen(e->geo.region, sizeof(e->geo.region)) : 0;
	const struct zones_rrset_rec *first_in = NULL, *first = NULL;

	for (uint32_t i = 0; i < n; i++) {
		if (rs[i].type != type)
			continue;
		bool in = usable(e, &rs[i]);
		if (rlen > 0 && in && rs[i].region_len == rlen) {
			const char *name = tables_snapshot_at(e->t->zones, rs[i].region_off, rlen);
			if (name != NULL && memcmp(name, e->geo.region, rlen) == 0) {
				out[0] = &rs[i];
				return 1;
			}
		}
		if (first == NULL)
			first = &rs[i];
		if (in && first_in == NULL)
			first_in = &rs[i];
	}
	out[0] = first_in != NULL ? first_in : first;
	return out[0] != NULL;
}

static unsigned pick_geoproximity(struct dns_policy_env *e, const struct zones_rrset_rec *rs,
				  uint32_t n, uint16_t type, const struct zones_rrset_rec **out)
{
	bool ok = geo_facts(e) && e->geo.have_location;

	for (int pass = 0; pass < 2; pass++) {
		const struct zones_rrset_rec *best = NULL, *first = NULL;
		double best_d = 0;

		for (uint32_t i = 0; i < n; i++) {
			int32_t lat, lon;

			if (rs[i].type != type || (pass == 0 && !usable(e, &rs[i])))
				continue;
			if (first == NULL)
				first = &rs[i];
			if (!ok || !record_location(e, &rs[i], &lat, &lon))
				continue;
			double d =
			    biased(central_angle(e->geo.latitude_e4, e->geo.longitude_e4, lat, lon),
				   rs[i].bias);
			if (best == NULL || d < best_d) {
				best = &rs[i];
				best_d = d;
			}
		}
		out[0] = best != NULL ? best : first;
		if (out[0] != NULL)
			return 1;
	}
	return 0;
}

unsigned dns_policy_select(struct dns_policy_env *e, const struct zones_rrset_rec *rs, uint32_t n,
			   uint16_t type, const struct zones_rrset_rec **out)
{
	uint32_t first = n;
	unsigned k = 0;

	for (uint32_t i = 0; i < n; i++)
		if (rs[i].type == type) {
			first = i;
			break;
		}
	if (first == n)
		return 0;
	if (rs[first].policy != ZONES_POLICY_SIMPLE)
		e->volatile_used = true;
	switch (rs[first].policy) {
	case ZONES_POLICY_WEIGHTED:
		return pick_weighted(e, rs, n, type, out);
	case ZONES_POLICY_FAILOVER:
		return pick_failover(e, rs, n, type, out);
	case ZONES_POLICY_MULTIVALUE:
		return pick_multivalue(e, rs, n, type, out);
	case ZONES_POLICY_GEOLOCATION:
		return pick_geolocation(e, rs, n, type, out);
	case ZONES_POLICY_LATENCY:
		return pick_latency(e, rs, n, type, out);
	case ZONES_POLICY_GEOPROXIMITY:
		return pick_geoproximity(e, rs, n, type, out);
	default:
		/* Simple: every record set of the type (one, normally). */
		for (uint32_t i = first; i < n && k < DNS_SELECT_MAX; i++)
			if (rs[i].type == type)
				out[k++] = &rs[i];
		return k;
	}
}
