/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiler of the zones table: one scan of r53_rrsets in primary-key
 * order. Simple record sets carry their wire data in columns, so only the
 * few with a routing policy, an alias or a health check parse their JSON.
 */
#include "route53_pvt.h"

#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct r53_az_prefix {
	char az[24];
	uint8_t family, len;
	uint8_t addr[16];
};

struct r53_compile {
	struct r53_az_prefix *azp; /* availability zones of targets (az_prefixes) */
	size_t n_azp;
	sqlite3 *db;
	struct zones_builder *zb;
	char (*ids)[33]; /* zone ids, in id order, index = builder zone index */
	size_t n_zones;
	sqlite3_stmt *health, *target;
};

/* The CIDR blocks of a stored JSON array into @p out (at most @p max); their count. */
static size_t prefixes_from_json(const char *json, struct zones_prefix *out, size_t max)
{
	json_t *list = json != NULL ? json_loads(json, 0, NULL) : NULL;
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(list) && n < max; i++) {
		const char *text = json_string_value(json_array_get(list, i));
		const char *slash = text != NULL ? strchr(text, '/') : NULL;
		char addr[64];
		struct zones_prefix *p = &out[n];

		if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
			continue;
		memcpy(addr, text, (size_t)(slash - text));
		addr[slash - text] = '\0';
		memset(p, 0, sizeof(*p));
		if (inet_pton(AF_INET, addr, p->addr) == 1)
			p->family = 4;
		else if (inet_pton(AF_INET6, addr, p->addr) == 1)
			p->family = 6;
		else
			continue;
		p->len = (uint8_t)atoi(slash + 1);
		n++;
	}
	json_decref(list);
	return n;
}

static int add_zones(struct r53_compile *c)
{
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc = sqlite3_prepare_v2(c->db,
				    "SELECT id, apex, private, source_prefixes, xfr_prefixes "
				    "FROM r53_zones ORDER BY id",
				    -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct zones_prefix prefixes[100], xfr[ZONES_XFR_PREFIXES_MAX];
		struct zones_zone_spec spec = {0};
		uint32_t index;

		if (c->n_zones == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char(*ids)[33] = realloc(c->ids, ncap * sizeof(*ids));

			if (ids == NULL) {
				rc = -ENOMEM;
				break;
			}
			c->ids = ids;
			cap = ncap;
		}
		snprintf(c->ids[c->n_zones], sizeof(c->ids[0]), "%s",
			 (const char *)sqlite3_column_text(q, 0));
		spec.id = c->ids[c->n_zones];
		spec.apex = sqlite3_column_blob(q, 1);
		spec.apex_len = (size_t)sqlite3_column_bytes(q, 1);
		spec.private_zone = sqlite3_column_int(q, 2) != 0;
		spec.n_prefixes =
		    prefixes_from_json((const char *)sqlite3_column_text(q, 3), prefixes, 100);
		spec.prefixes = prefixes;
		spec.n_xfr_prefixes = prefixes_from_json((const char *)sqlite3_column_text(q, 4),
							 xfr, ZONES_XFR_PREFIXES_MAX);
		spec.xfr_prefixes = xfr;
		rc = zones_builder_add_zone(c->zb, &spec, &index);
		if (rc < 0)
			break;
		c->n_zones++;
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	return rc < 0 ? rc : store_error(rc);
}

static long zone_index(const struct r53_compile *c, const char *id)
{
	size_t lo = 0, hi = c->n_zones;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(c->ids[mid], id);

		if (cmp == 0)
			return (long)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void copy_code(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);

	memset(dst, 0, size);
	if (s != NULL)
		strncpy(dst, s, size - 1);
}

static int32_t degrees_e4(const char *s)
{
	double d = s != NULL ? strtod(s, NULL) : 0.0;

	return (int32_t)(d * 10000.0 + (d < 0 ? -0.5 : 0.5));
}

/*
 * Fill the routing and alias fields of spec from a stored body. An alias
 * to a record set of one of pop's zones takes that set's data and TTL; any
 * other target (a CloudFront distribution) is left to the engine with no data.
 * *alias_data receives the target's data to free.
 */
static int complex_rrset(struct r53_compile *c, const json_t *body, struct zones_rrset_spec *spec,
			 uint8_t *target, uint8_t **alias_data)
{
	const json_t *geo = json_object_get(body, "GeoLocation");
	const json_t *prox = json_object_get(body, "GeoProximityLocation");
	const json_t *alias = json_object_get(body, "AliasTarget");
	const char *health = json_string_value(json_object_get(body, "HealthCheckId"));

	spec->set_identifier = json_string_value(json_object_get(body, "SetIdentifier"));
	if (json_object_get(body, "Weight") != NULL) {
		spec->policy = ZONES_POLICY_WEIGHTED;
		spec->weight = (uint32_t)json_integer_value(json_object_get(body, "Weight"));
	} else if (json_object_get(body, "Region") != NULL) {
		spec->policy = ZONES_POLICY_LATENCY;
		spec->region = json_string_value(json_object_get(body, "Region"));
	} else if (json_object_get(body, "Failover") != NULL) {
		spec->policy = ZONES_POLICY_FAILOVER;
		spec->failover =
		    strcmp(json_string_value(json_object_get(body, "Failover")), "PRIMARY") == 0
			? ZONES_FAILOVER_PRIMARY
			: ZONES_FAILOVER_SECONDARY;
	} else if (geo != NULL) {
		spec->policy = ZONES_POLICY_GEOLOCATION;
		copy_code(spec->continent, sizeof(spec->continent),
			  json_object_get(geo, "ContinentCode"));
		copy_code(spec->country, sizeof(spec->country),
			  json_object_get(geo, "CountryCode"));
		copy_code(spec->subdivision, sizeof(spec->subdivision),
			  json_object_get(geo, "SubdivisionCode"));
	} else if (json_object_get(body, "MultiValueAnswer") != NULL) {
		spec->policy = ZONES_POLICY_MULTIVALUE;
		spec->multivalue = json_is_true(json_object_get(body, "MultiValueAnswer"));
	} else if (prox != NULL) {
		const json_t *coords = json_object_get(prox, "Coordinates");

		spec->policy = ZONES_POLICY_GEOPROXIMITY;
		spec->geoproximity_region = json_string_value(json_object_get(prox, "AWSRegion"));
		if (spec->geoproximity_region == NULL)
			spec->geoproximity_region =
			    json_string_value(json_object_get(prox, "LocalZoneGroup"));
		spec->bias = (int8_t)json_integer_value(json_object_get(prox, "Bias"));
		if (coords != NULL) {
			spec->latitude_e4 =
			    degrees_e4(json_string_value(json_object_get(coords, "Latitude")));
			spec->longitude_e4 =
			    degrees_e4(json_string_value(json_object_get(coords, "Longitude")));
		}
	}
	if (health != NULL) {
		sqlite3_reset(c->health);
		sqlite3_bind_text(c->health, 1, health, -1, SQLITE_STATIC);
		if (sqlite3_step(c->health) == SQLITE_ROW)
			spec->health_slot = (uint32_t)sqlite3_column_int64(c->health, 0);
	}
	if (alias != NULL) {
		const char *zone_id = json_string_value(json_object_get(alias, "HostedZoneId"));
		const char *name = json_string_value(json_object_get(alias, "DNSName"));
		uint8_t key[DNS_NAME_MAX_BYTES + 1];
		size_t key_len;

		spec->alias = true;
		spec->evaluate_target_health =
		    json_is_true(json_object_get(alias, "EvaluateTargetHealth"));
		if (name == NULL ||
		    dnstext_name_from_text(name, strlen(name), NULL, 0, DNS_TEXT_OCTAL, target,
					   &spec->alias_target_len, NULL, 0) < 0)
			return -EINVAL;
		spec->alias_target = target;
		spec->ttl = 60; /* what Route 53 answers for targets it does not host */
		spec->rdata = NULL;
		spec->rdata_len = 0;
		spec->rdata_count = 0;
		if (zone_id == NULL || zone_index(c, zone_id) < 0)
			return 0;
		key_len = r53_sort_key(target, spec->alias_target_len, key);
		sqlite3_reset(c->target);
		sqlite3_bind_text(c->target, 1, zone_id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(c->target, 2, key, (int)key_len, SQLITE_STATIC);
		sqlite3_bind_int(c->target, 3, spec->type);
		if (sqlite3_step(c->target) == SQLITE_ROW &&
		    sqlite3_column_bytes(c->target, 0) > 0) {
			size_t len = (size_t)sqlite3_column_bytes(c->target, 0);

			*alias_data = malloc(len);
			if (*alias_data == NULL)
				return -ENOMEM;
			memcpy(*alias_data, sqlite3_column_blob(c->target, 0), len);
			spec->rdata = *alias_data;
			spec->rdata_len = len;
			spec->rdata_count = (uint32_t)sqlite3_column_int(c->target, 1);
			spec->ttl = (uint32_t)sqlite3_column_int64(c->target, 2);
		}
		sqlite3_reset(c->target);
	}
	return 0;
}

static int load_az_prefixes(struct r53_compile *c)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(c->db, "SELECT az, prefix FROM az_prefixes", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(q, 1);
		const char *slash = strchr(text, '/');
		struct r53_az_prefix p = {0}, *a;
		char addr[64];

		if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
			continue;
		memcpy(addr, text, (size_t)(slash - text));
		addr[slash - text] = '\0';
		if (inet_pton(AF_INET, addr, p.addr) == 1)
			p.family = 4;
		else if (inet_pton(AF_INET6, addr, p.addr) == 1)
			p.family = 6;
		else
			continue;
		p.len = (uint8_t)atoi(slash + 1);
		snprintf(p.az, sizeof(p.az), "%s", (const char *)sqlite3_column_text(q, 0));
		a = realloc(c->azp, (c->n_azp + 1) * sizeof(*a));
		if (a == NULL) {
			sqlite3_finalize(q);
			return -ENOMEM;
		}
		c->azp = a;
		c->azp[c->n_azp++] = p;
	}
	sqlite3_finalize(q);
	return 0;
}

static bool prefix_has(const struct r53_az_prefix *p, const uint8_t *addr)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, addr, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

/*
 * The zonal-shift word of an A or AAAA record set: the availability zone
 * whose prefix (longest first) holds its first address, one word per
 * (hosted zone, availability zone), made the first time it is needed.
 */
static uint32_t zone_slot(struct r53_compile *c, const char *zone_id,
			  const struct zones_rrset_spec *spec)
{
	const struct r53_az_prefix *best = NULL;
	uint8_t family = spec->type == 1 ? 4 : spec->type == 28 ? 6 : 0;
	size_t alen = family == 4 ? 4 : 16;
	sqlite3_stmt *q;
	uint32_t slot = TABLES_LIVE_NONE;

	if (family == 0 || c->n_azp == 0 || spec->rdata == NULL || spec->rdata_len < 2 + alen ||
	    ((spec->rdata[0] << 8) | spec->rdata[1]) != (int)alen)
		return TABLES_LIVE_NONE;
	for (size_t i = 0; i < c->n_azp; i++)
		if (c->azp[i].family == family && prefix_has(&c->azp[i], spec->rdata + 2) &&
		    (best == NULL || c->azp[i].len > best->len))
			best = &c->azp[i];
	if (best == NULL)
		return TABLES_LIVE_NONE;
	for (int attempt = 0; attempt < 2 && slot == TABLES_LIVE_NONE; attempt++) {
		if (sqlite3_prepare_v2(
			c->db,
			attempt == 0 ? "SELECT slot FROM zonal_slots WHERE zone_id = ?1 AND az = ?2"
				     : "INSERT OR IGNORE INTO zonal_slots (zone_id, az, slot) "
				       "SELECT ?1, ?2, COALESCE(MAX(slot) + 1, 0) FROM "
				       "zonal_slots RETURNING slot",
			-1, &q, NULL) != SQLITE_OK)
			return TABLES_LIVE_NONE;
		sqlite3_bind_text(q, 1, zone_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, best->az, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) < TABLES_LIVE_SLOTS)
			slot = (uint32_t)sqlite3_column_int64(q, 0);
		while (sqlite3_step(q) == SQLITE_ROW)
			;
		sqlite3_finalize(q);
	}
	return slot;
}

static int add_rrsets(struct r53_compile *c)
{
	sqlite3_stmt *q;
	char current[33] = "";
	long zi = -1;
	int rc = sqlite3_prepare_v2(c->db,
				    "SELECT zone_id, owner, type_code, ttl, rdata, rdata_count, "
				    "plain, body FROM r53_rrsets ORDER BY zone_id, sort_key, type, "
				    "set_id",
				    -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_error(rc);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *zone_id = (const char *)sqlite3_column_text(q, 0);
		struct zones_rrset_spec spec;
		uint8_t target[DNS_NAME_MAX_BYTES];
		uint8_t *alias_data = NULL;
		json_t *body = NULL;

		if (strcmp(zone_id, current) != 0) {
			snprintf(current, sizeof(current), "%s", zone_id);
			zi = zone_index(c, zone_id);
		}
		if (zi < 0)
			continue; /* a row of a zone that is gone: not served */
		memset(&spec, 0, sizeof(spec));
		spec.owner = sqlite3_column_blob(q, 1);
		spec.owner_len = (size_t)sqlite3_column_bytes(q, 1);
		spec.type = (uint16_t)sqlite3_column_int(q, 2);
		spec.ttl = (uint32_t)sqlite3_column_int64(q, 3);
		spec.rdata = sqlite3_column_blob(q, 4);
		spec.rdata_len = (size_t)sqlite3_column_bytes(q, 4);
		spec.rdata_count = (uint32_t)sqlite3_column_int(q, 5);
		spec.policy = ZONES_POLICY_SIMPLE;
		spec.health_slot = TABLES_LIVE_NONE;
		spec.zone_slot = TABLES_LIVE_NONE;
		if (!sqlite3_column_int(q, 6)) {
			body = json_loads((const char *)sqlite3_column_text(q, 7), 0, NULL);
			if (body == NULL) {
				rc = -POP_EFORMAT;
				break;
			}
			rc = complex_rrset(c, body, &spec, target, &alias_data);
			if (rc < 0) {
				json_decref(body);
				break;
			}
		}
		spec.zone_slot = zone_slot(c, zone_id, &spec);
		rc = zones_builder_add_rrset(c->zb, (uint32_t)zi, &spec);
		json_decref(body);
		free(alias_data);
		if (rc < 0) {
			R53_LOG(ERR,
				"zone %s: a record set of type %u was refused by the zones "
				"table: %s",
				zone_id, spec.type, pop_strerror(rc));
			break;
		}
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	return rc < 0 ? rc : store_error(rc);
}

int route53_compile_zones(struct popd_env *env, struct tables_builder *tb)
{
	struct r53_compile c = {.db = store_db(env->store)};
	int rc;

	c.zb = zones_builder_new();
	if (c.zb == NULL)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(c.db, "SELECT slot FROM health_slots WHERE id = ?", -1, &c.health,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c.db,
					"SELECT rdata, rdata_count, ttl FROM r53_rrsets WHERE "
					"zone_id = ? AND sort_key = ? AND type_code = ? AND "
					"set_id = '' AND plain = 1",
					-1, &c.target, NULL);
	rc = rc == SQLITE_OK ? 0 : store_error(rc);
	if (rc == 0)
		rc = load_az_prefixes(&c);
	if (rc == 0)
		rc = add_zones(&c);
	if (rc == 0)
		rc = add_rrsets(&c);
	sqlite3_finalize(c.health);
	sqlite3_finalize(c.target);
	free(c.ids);
	free(c.azp);
	if (rc < 0) {
		zones_builder_free(c.zb);
		return rc;
	}
	return zones_builder_finish(c.zb, tb);
}
