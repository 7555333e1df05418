/* SPDX-License-Identifier: BSD-3-Clause */
/* Record sets: parsing a ResourceRecordSet, applying changes, listing. */
#include "route53_pvt.h"

#include "base.h"
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R53_LIST_RRSETS_MAX 300

/* ------------------------------------------------------------ messages */

void r53_messages_add(struct r53_messages *m, unsigned line, const char *fmt, ...)
{
	char buf[600];
	int n = 0;
	va_list ap;

	if (m->oom)
		return;
	if (line > 0)
		n = snprintf(buf, sizeof(buf), "line %u: ", line);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		char **msg = realloc(m->msg, cap * sizeof(*msg));

		if (msg == NULL) {
			m->oom = true;
			return;
		}
		m->msg = msg;
		m->cap = cap;
	}
	m->msg[m->n] = strdup(buf);
	if (m->msg[m->n] == NULL)
		m->oom = true;
	else
		m->n++;
}

void r53_messages_free(struct r53_messages *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->msg[i]);
	free(m->msg);
	memset(m, 0, sizeof(*m));
}

int r53_messages_fail(struct ctl_call *call, const struct r53_messages *m)
{
	char text[sizeof(call->error.message)];
	size_t n = 1;

	if (m->oom && m->n == 0)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	text[0] = '[';
	for (size_t i = 0; i < m->n; i++) {
		size_t len = strlen(m->msg[i]);
		const char *sep = i > 0 ? ", " : "";

		/* Keep room for ", ...]" when the list does not fit. */
		if (n + strlen(sep) + len + 7 > sizeof(text)) {
			if (i == 0) {
				snprintf(text + n, sizeof(text) - n, "%.*s...",
					 (int)(sizeof(text) - n - 8), m->msg[i]);
				n = strlen(text);
			} else {
				memcpy(text + n, ", ...", 5);
				n += 5;
			}
			break;
		}
		memcpy(text + n, sep, strlen(sep));
		n += strlen(sep);
		memcpy(text + n, m->msg[i], len);
		n += len;
	}
	text[n++] = ']';
	text[n] = '\0';
	return ctl_call_fail(call, -EINVAL, "InvalidChangeBatch", "%s", text);
}

/* ------------------------------------------------------------- parsing */

size_t r53_sort_key(const uint8_t *wire, size_t len, uint8_t *key)
{
	size_t off[128];
	unsigned labels = 0;
	size_t n = 0;

	for (size_t pos = 0; pos < len && wire[pos] != 0 && labels < 128; pos += 1u + wire[pos])
		off[labels++] = pos;
	if (labels == 0) {
		key[0] = '.';
		return 1;
	}
	while (labels > 0) {
		const uint8_t *l = wire + off[--labels];

		memcpy(key + n, l + 1, l[0]);
		n += l[0];
		key[n++] = '.';
	}
	return n;
}

void r53_rrset_release(struct r53_rrset *rs)
{
	json_decref(rs->body);
	free(rs->rdata);
	free(rs->mem);
	free(rs->alias_mem);
	rs->body = NULL;
	rs->rdata = NULL;
	rs->mem = NULL;
	rs->alias_mem = NULL;
}

/* Copy a wire name, its sort key and its display text into one allocation. */
static void *name_block(const uint8_t *wire, size_t len, uint8_t **owner, uint8_t **key,
			size_t *key_len, char **text)
{
	char buf[DNS_NAME_TEXT_MAX];
	uint8_t k[DNS_NAME_MAX_BYTES + 1];
	int tlen = dnstext_name_to_text(wire, len, DNS_TEXT_OCTAL, buf, sizeof(buf));
	size_t klen = r53_sort_key(wire, len, k);
	uint8_t *mem;

	if (tlen < 0)
		return NULL;
	mem = malloc(len + klen + (size_t)tlen + 1);
	if (mem == NULL)
		return NULL;
	memcpy(mem, wire, len);
	memcpy(mem + len, k, klen);
	memcpy(mem + len + klen, buf, (size_t)tlen + 1);
	*owner = mem;
	if (key != NULL) {
		*key = mem + len;
		*key_len = klen;
	}
	*text = (char *)mem + len + klen;
	return mem;
}

static const char *policy_name(int policy)
{
	switch (policy) {
	case ZONES_POLICY_WEIGHTED:
		return "weighted";
	case ZONES_POLICY_LATENCY:
		return "latency";
	case ZONES_POLICY_FAILOVER:
		return "failover";
	case ZONES_POLICY_GEOLOCATION:
		return "geolocation";
	case ZONES_POLICY_GEOPROXIMITY:
		return "geoproximity";
	case ZONES_POLICY_MULTIVALUE:
		return "multivalue answer";
	default:
		return "simple";
	}
}

/* "[name='x.example.com.', type='A']" with the set identifier when there is one. */
static void rrset_label(const struct r53_rrset *rs, char *out, size_t len)
{
	if (rs->set_id != NULL)
		snprintf(out, len, "[name='%s', type='%s', set-identifier='%s']", rs->name,
			 rs->type_name, rs->set_id);
	else
		snprintf(out, len, "[name='%s', type='%s']", rs->name, rs->type_name);
}

static int invalid_request(struct ctl_call *call, const char *what, const char *action,
			   const char *name, const char *type, const char *set_id)
{
	return ctl_call_fail(call, -EINVAL, "InvalidInput",
			     "Invalid request: %s in Change with [Action=%s, Name=%.255s, Type=%s, "
			     "SetIdentifier=%.128s]",
			     what, action, name, type, set_id != NULL ? set_id : "null");
}

static bool is_continent(const char *c)
{
	static const char *const continents[] = {"AF", "AN", "AS", "EU", "OC", "NA", "SA"};

	for (size_t i = 0; i < sizeof(continents) / sizeof(continents[0]); i++)
		if (strcmp(c, continents[i]) == 0)
			return true;
	return false;
}

static bool upper_alnum(const char *s, bool digits)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (digits && *s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* A decimal degree string ("-33.86", at most 2 decimals as Route 53 takes) into degrees x 10^4. */
static int parse_degrees(const char *s, long limit, int32_t *out)
{
	long whole = 0, frac = 0;
	int frac_digits = 0;
	bool neg = false, digits = false;

	if (*s == '-') {
		neg = true;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (*s - '0');
		digits = true;
		if (whole > limit)
			return -EINVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (frac_digits == 4)
				return -EINVAL;
			frac = frac * 10 + (*s - '0');
			frac_digits++;
		}
		if (frac_digits == 0)
			return -EINVAL;
	}
	if (*s != '\0' || !digits)
		return -EINVAL;
	for (; frac_digits < 4; frac_digits++)
		frac *= 10;
	if (whole * 10000 + frac > limit * 10000)
		return -EINVAL;
	*out = (int32_t)((whole * 10000 + frac) * (neg ? -1 : 1));
	return 0;
}

/* Members in the order of the ResourceRecordSet shape, for the stored body. */
static const char *const rrset_members[] = {
    "Name",	   "Type",	    "SetIdentifier",	    "Weight", "Region",
    "GeoLocation", "Failover",	    "MultiValueAnswer",	    "TTL",    "ResourceRecords",
    "AliasTarget", "HealthCheckId", "GeoProximityLocation", NULL};

static int cmp_record(const void *a, const void *b)
{
	const uint8_t *const *x = a, *const *y = b;
	size_t lx = (size_t)(*x)[0] << 8 | (*x)[1], ly = (size_t)(*y)[0] << 8 | (*y)[1];
	int c = memcmp(*x + 2, *y + 2, lx < ly ? lx : ly);

	return c != 0 ? c : lx < ly ? -1 : lx > ly ? 1 : 0;
}

/* Whether two {len16, bytes}* sequences hold the same records, in any order. */
static bool same_records(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	const uint8_t **pa = NULL, **pb = NULL;
	size_t na = 0, nb = 0, pos;
	bool same = false;

	if (alen != blen)
		return false;
	if (alen == 0)
		return true;
	pa = malloc((alen / 2 + 1) * sizeof(*pa));
	pb = malloc((blen / 2 + 1) * sizeof(*pb));
	if (pa == NULL || pb == NULL)
		goto done;
	for (pos = 0; pos + 2 <= alen; pos += 2u + ((size_t)a[pos] << 8 | a[pos + 1]))
		pa[na++] = a + pos;
	for (pos = 0; pos + 2 <= blen; pos += 2u + ((size_t)b[pos] << 8 | b[pos + 1]))
		pb[nb++] = b + pos;
	if (na != nb)
		goto done;
	qsort(pa, na, sizeof(*pa), cmp_record);
	qsort(pb, nb, sizeof(*pb), cmp_record);
	same = true;
	for (size_t i = 0; i < na && same; i++)
		same = cmp_record(&pa[i], &pb[i]) == 0;
done:
	free(pa);
	free(pb);
	return same;
}

static int parse_values(const json_t *records, struct r53_rrset *rs, struct r53_messages *msgs)
{
	uint8_t *wire = malloc(DNS_RDATA_MAX_BYTES);
	size_t cap = 0;
	char why[DNS_ERR_MAX];
	int rc = 0;

	if (wire == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < json_array_size(records); i++) {
		const char *value =
		    json_string_value(json_object_get(json_array_get(records, i), "Value"));
		size_t len = strlen(value), wlen;
		bool dup = false;

		rs->value_chars += len;
		rs->rdata_count++;
		if (dnstext_rdata_from_text(rs->type, value, len, NULL, 0, DNS_TEXT_OCTAL, wire,
					    DNS_RDATA_MAX_BYTES, &wlen, why, sizeof(why)) < 0) {
			r53_messages_add(msgs, rs->line,
					 "Invalid Resource Record: 'FATAL problem: %s encountered "
					 "with '%.200s''",
					 why, value);
			continue;
		}
		for (size_t pos = 0; pos + 2 <= rs->rdata_len && !dup;
		     pos += 2u + ((size_t)rs->rdata[pos] << 8 | rs->rdata[pos + 1]))
			dup = ((size_t)rs->rdata[pos] << 8 | rs->rdata[pos + 1]) == wlen &&
			      memcmp(rs->rdata + pos + 2, wire, wlen) == 0;
		if (dup) {
			r53_messages_add(msgs, rs->line, "Duplicate Resource Record: '%.200s'",
					 value);
			continue;
		}
		if (rs->rdata_len + 2 + wlen > cap) {
			size_t ncap = cap ? cap * 2 : 256;
			uint8_t *p;

			while (ncap < rs->rdata_len + 2 + wlen)
				ncap *= 2;
			p = realloc(rs->rdata, ncap);
			if (p == NULL) {
				rc = -ENOMEM;
				break;
			}
			rs->rdata = p;
			cap = ncap;
		}
		rs->rdata[rs->rdata_len] = (uint8_t)(wlen >> 8);
		rs->rdata[rs->rdata_len + 1] = (uint8_t)wlen;
		memcpy(rs->rdata + rs->rdata_len + 2, wire, wlen);
		rs->rdata_len += 2 + wlen;
	}
	free(wire);
	return rc;
}

int r53_rrset_parse(struct ctl_call *call, const json_t *rrs, const char *action,
		    const struct r53_zone *zone, struct r53_rrset *rs, struct r53_messages *msgs)
{
	static const char *const policy_members[] = {"Weight",
						     "Region",
						     "Failover",
						     "GeoLocation",
						     "MultiValueAnswer",
						     "GeoProximityLocation",
						     "CidrRoutingConfig",
						     NULL};
	const char *name_in = json_string_value(json_object_get(rrs, "Name"));
	const char *type_in = json_string_value(json_object_get(rrs, "Type"));
	const json_t *records = json_object_get(rrs, "ResourceRecords");
	const json_t *alias = json_object_get(rrs, "AliasTarget");
	const json_t *ttl = json_object_get(rrs, "TTL");
	const json_t *geo = json_object_get(rrs, "GeoLocation");
	const json_t *prox = json_object_get(rrs, "GeoProximityLocation");
	bool tp = json_object_get(rrs, "TrafficPolicyInstanceId") != NULL;
	char why[DNS_ERR_MAX];
	uint8_t wire[DNS_NAME_MAX_BYTES];
	size_t wire_len;
	int policies = 0, data = 0, rc;
	unsigned line = rs->line;

	memset(rs, 0, sizeof(*rs));
	rs->line = line;
	rs->ttl = -1;
	rs->set_id = json_string_value(json_object_get(rrs, "SetIdentifier"));
	rs->health_id = json_string_value(json_object_get(rrs, "HealthCheckId"));
	rs->type = (uint16_t)dnstext_type_from_name(type_in, strlen(type_in));
	rs->type_name = dnstext_type_name(rs->type);

	for (const char *const *m = policy_members; *m != NULL; m++)
		if (json_object_get(rrs, *m) != NULL)
			policies++;
	if (policies > 1)
		return invalid_request(call,
				       "Expected exactly one of [Weight, Region, Failover, "
				       "GeoLocation, MultiValueAnswer, GeoProximityLocation, or "
				       "CidrRoutingConfig], but found more than one",
				       action, name_in, type_in, rs->set_id);
	if (policies == 1 && rs->set_id == NULL)
		return invalid_request(call, "Missing field 'SetIdentifier'", action, name_in,
				       type_in, rs->set_id);
	if (policies == 0 && rs->set_id != NULL)
		return invalid_request(call,
				       "Expected exactly one of [Weight, Region, Failover, "
				       "GeoLocation, MultiValueAnswer, GeoProximityLocation, or "
				       "CidrRoutingConfig], but found none",
				       action, name_in, type_in, rs->set_id);
	data = (alias != NULL) + tp + (ttl != NULL && records != NULL);
	if (data > 1 || (data == 1 && (ttl != NULL) != (records != NULL)))
		return invalid_request(
		    call,
		    "Expected exactly one of [AliasTarget, all of [TTL, and "
		    "ResourceRecords], or TrafficPolicyInstanceId], but found more "
		    "than one",
		    action, name_in, type_in, rs->set_id);
	if (data == 0)
		return invalid_request(
		    call,
		    "Expected exactly one of [AliasTarget, all of [TTL, and "
		    "ResourceRecords], or TrafficPolicyInstanceId], but found none",
		    action, name_in, type_in, rs->set_id);
	if (tp)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "TrafficPolicyInstanceId: pop has no traffic policies");
	if (json_object_get(rrs, "CidrRoutingConfig") != NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "CidrRoutingConfig: pop has no CIDR collections; use "
				     "GeoLocation, latency (Region) or a private zone's "
				     "SourcePrefixes");
	if (alias != NULL && json_object_get(rrs, "MultiValueAnswer") != NULL)
		return invalid_request(call, "MultiValueAnswer cannot be used with AliasTarget",
				       action, name_in, type_in, rs->set_id);
	if (alias != NULL && (rs->type == DNS_TYPE_SOA || rs->type == DNS_TYPE_NS))
		return invalid_request(call, "AliasTarget cannot be used with type SOA or NS",
				       action, name_in, type_in, rs->set_id);

	/* The routing policy. */
	if (json_object_get(rrs, "Weight") != NULL) {
		rs->policy = ZONES_POLICY_WEIGHTED;
	} else if (json_object_get(rrs, "Region") != NULL) {
		rs->policy = ZONES_POLICY_LATENCY;
		snprintf(rs->policy_key, sizeof(rs->policy_key), "Region Name=%s",
			 json_string_value(json_object_get(rrs, "Region")));
	} else if (json_object_get(rrs, "Failover") != NULL) {
		rs->policy = ZONES_POLICY_FAILOVER;
		snprintf(rs->policy_key, sizeof(rs->policy_key), "Failover %s",
			 json_string_value(json_object_get(rrs, "Failover")));
	} else if (geo != NULL) {
		const char *cont = json_string_value(json_object_get(geo, "ContinentCode"));
		const char *country = json_string_value(json_object_get(geo, "CountryCode"));
		const char *sub = json_string_value(json_object_get(geo, "SubdivisionCode"));

		rs->policy = ZONES_POLICY_GEOLOCATION;
		if ((cont == NULL) == (country == NULL))
			return invalid_request(call,
					       "GeoLocation needs exactly one of ContinentCode and "
					       "CountryCode",
					       action, name_in, type_in, rs->set_id);
		if (cont != NULL && !is_continent(cont))
			return invalid_request(
			    call,
			    "GeoLocation.ContinentCode must be one of AF, AN, AS, "
			    "EU, OC, NA, SA",
			    action, name_in, type_in, rs->set_id);
		if (country != NULL && strcmp(country, "*") != 0 &&
		    (strlen(country) != 2 || !upper_alnum(country, false)))
			return invalid_request(
			    call,
			    "GeoLocation.CountryCode must be an ISO 3166 alpha-2 "
			    "code such as DE, or *",
			    action, name_in, type_in, rs->set_id);
		if (sub != NULL && (country == NULL ||
				    (strcmp(country, "US") != 0 && strcmp(country, "UA") != 0) ||
				    !upper_alnum(sub, true)))
			return invalid_request(
			    call,
			    "GeoLocation.SubdivisionCode is only for CountryCode "
			    "US (states) or UA",
			    action, name_in, type_in, rs->set_id);
		snprintf(
		    rs->policy_key, sizeof(rs->policy_key), "GeoLocation %s%s%s%s%s",
		    cont != NULL ? "ContinentCode=" : "CountryCode=", cont != NULL ? cont : country,
		    sub != NULL ? ", SubdivisionCode=" : "", sub != NULL ? sub : "", "");
	} else if (json_object_get(rrs, "MultiValueAnswer") != NULL) {
		rs->policy = ZONES_POLICY_MULTIVALUE;
	} else if (prox != NULL) {
		const json_t *coords = json_object_get(prox, "Coordinates");
		int kinds = (json_object_get(prox, "AWSRegion") != NULL) +
			    (json_object_get(prox, "LocalZoneGroup") != NULL) + (coords != NULL);
		int32_t deg;

		rs->policy = ZONES_POLICY_GEOPROXIMITY;
		if (kinds != 1)
			return invalid_request(
			    call,
			    "GeoProximityLocation needs exactly one of AWSRegion, "
			    "LocalZoneGroup and Coordinates",
			    action, name_in, type_in, rs->set_id);
		if (coords != NULL &&
		    (parse_degrees(json_string_value(json_object_get(coords, "Latitude")), 90,
				   &deg) < 0 ||
		     parse_degrees(json_string_value(json_object_get(coords, "Longitude")), 180,
				   &deg) < 0))
			return invalid_request(
			    call,
			    "GeoProximityLocation.Coordinates: Latitude from -90 "
			    "to 90 and Longitude from -180 to 180, in decimal "
			    "degrees with at most 4 decimals",
			    action, name_in, type_in, rs->set_id);
	}

	/* The name. */
	if (dnstext_name_from_text(name_in, strlen(name_in), NULL, 0, DNS_TEXT_OCTAL, wire,
				   &wire_len, why, sizeof(why)) < 0) {
		r53_messages_add(msgs, rs->line, "FATAL problem: %s encountered with '%.255s'", why,
				 name_in);
		return 0;
	}
	rs->mem = name_block(wire, wire_len, &rs->owner, &rs->key, &rs->key_len, &rs->name);
	if (rs->mem == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	rs->owner_len = wire_len;
	if (!dnstext_name_is_under(rs->owner, rs->owner_len, zone->apex, zone->apex_len)) {
		r53_messages_add(msgs, rs->line,
				 "RRSet with DNS name %s is not permitted in zone %s", rs->name,
				 zone->name);
		rs->owner_len = 0;
		return 0;
	}
	if (rs->type == DNS_TYPE_CNAME && rs->owner_len == zone->apex_len)
		r53_messages_add(msgs, rs->line,
				 "RRSet of type CNAME with DNS name %s is not permitted at apex in "
				 "zone %s",
				 rs->name, zone->name);
	if (rs->type == DNS_TYPE_SOA && rs->owner_len != zone->apex_len)
		r53_messages_add(msgs, rs->line,
				 "RRSet of type SOA with DNS name %s is not permitted: SOA records "
				 "belong at the apex of zone %s",
				 rs->name, zone->name);
	if (rs->type == DNS_TYPE_SOA && rs->set_id != NULL)
		r53_messages_add(
		    msgs, rs->line,
		    "RRSet of type SOA with DNS name %s is not permitted with a routing "
		    "policy",
		    rs->name);
	if (rs->type == DNS_TYPE_NS && dnstext_name_is_wildcard(rs->owner, rs->owner_len))
		r53_messages_add(
		    msgs, rs->line,
		    "RRSet of type NS with DNS name %s is not permitted: the * wildcard "
		    "cannot be used for NS records",
		    rs->name);

	/* The data. */
	if (records != NULL) {
		rs->ttl = json_integer_value(ttl);
		if ((rc = parse_values(records, rs, msgs)) < 0)
			return ctl_call_fail(call, rc, "InternalFailure", "out of memory");
		if ((rs->type == DNS_TYPE_CNAME || rs->type == DNS_TYPE_SOA) &&
		    json_array_size(records) > 1)
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet of type %s with DNS name %s has more than one value: "
			    "%s takes exactly one",
			    rs->type_name, rs->name, rs->type_name);
	} else {
		const char *target = json_string_value(json_object_get(alias, "DNSName"));

		rs->alias = true;
		r53_bare_id(json_string_value(json_object_get(alias, "HostedZoneId")),
			    "/hostedzone/", rs->alias_zone, sizeof(rs->alias_zone));
		if (dnstext_name_from_text(target, strlen(target), NULL, 0, DNS_TEXT_OCTAL, wire,
					   &wire_len, why, sizeof(why)) < 0) {
			r53_messages_add(msgs, rs->line,
					 "FATAL problem: %s encountered with '%.255s'", why,
					 target);
			rs->owner_len = 0;
			return 0;
		}
		rs->alias_mem =
		    name_block(wire, wire_len, &rs->alias_name, NULL, NULL, &rs->alias_text);
		if (rs->alias_mem == NULL)
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
		rs->alias_name_len = wire_len;
	}

	/* The stored body: the shape's member order, the name as Route 53 prints it. */
	rs->body = json_object();
	if (rs->body == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	for (const char *const *m = rrset_members; *m != NULL; m++) {
		json_t *v = json_object_get(rrs, *m);

		if (v == NULL)
			continue;
		if (strcmp(*m, "Name") == 0)
			v = json_string(rs->name);
		else if (strcmp(*m, "AliasTarget") == 0)
			v = json_pack("{s:s, s:s, s:O}", "HostedZoneId", rs->alias_zone, "DNSName",
				      rs->alias_text, "EvaluateTargetHealth",
				      json_object_get(v, "EvaluateTargetHealth"));
		else
			v = json_deep_copy(v);
		if (v == NULL || json_object_set_new(rs->body, *m, v) < 0)
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	/* set_id and health_id must outlive the request: point into the body. */
	rs->set_id = json_string_value(json_object_get(rs->body, "SetIdentifier"));
	rs->health_id = json_string_value(json_object_get(rs->body, "HealthCheckId"));
	return 0;
}

/* ------------------------------------------------------------- applying */

struct r53_stmts {
	sqlite3_stmt *get, *put, *del, *other_type, *group, *zone_apex, *target, *health;
};

static void stmts_free(struct r53_stmts *s)
{
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->other_type);
	sqlite3_finalize(s->group);
	sqlite3_finalize(s->zone_apex);
	sqlite3_finalize(s->target);
}

static int stmts_prepare(sqlite3 *db, struct r53_stmts *s)
{
	static const char *const sql[] = {
	    "SELECT body, rdata FROM r53_rrsets WHERE zone_id = ? AND sort_key = ? AND type = ? "
	    "AND set_id = ?",
	    "INSERT OR REPLACE INTO r53_rrsets (zone_id, sort_key, type, set_id, name, owner, "
	    "type_code, ttl, rdata, rdata_count, policy, policy_key, plain, health_id, body) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "DELETE FROM r53_rrsets WHERE zone_id = ? AND sort_key = ? AND type = ? AND set_id = ?",
	    "SELECT type FROM r53_rrsets WHERE zone_id = ?1 AND sort_key = ?2 AND "
	    "((?3 = 'CNAME' AND type != 'CNAME') OR (?3 != 'CNAME' AND type = 'CNAME')) LIMIT 1",
	    "SELECT set_id, policy, policy_key FROM r53_rrsets WHERE zone_id = ? AND sort_key = ? "
	    "AND type = ?",
	    "SELECT apex FROM r53_zones WHERE id = ?",
	    "SELECT 1 FROM r53_rrsets WHERE zone_id = ? AND sort_key = ? AND type = ? LIMIT 1",
	};
	sqlite3_stmt **out[] = {&s->get,   &s->put,	  &s->del,   &s->other_type,
				&s->group, &s->zone_apex, &s->target};

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		int rc = sqlite3_prepare_v2(db, sql[i], -1, out[i], NULL);
		if (rc != SQLITE_OK) {
			stmts_free(s);
			return rc;
		}
	}
	return SQLITE_OK;
}

static void bind_key(sqlite3_stmt *q, const char *zone_id, const struct r53_rrset *rs, bool set_id)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	sqlite3_bind_text(q, 1, zone_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, rs->key, (int)rs->key_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, rs->type_name, -1, SQLITE_STATIC);
	if (set_id)
		sqlite3_bind_text(q, 4, rs->set_id != NULL ? rs->set_id : "", -1, SQLITE_STATIC);
}

static int put_rrset(sqlite3 *db, struct r53_stmts *s, const char *zone_id,
		     const struct r53_rrset *rs)
{
	char *body = json_dumps(rs->body, JSON_COMPACT);
	bool plain = rs->set_id == NULL && !rs->alias && rs->health_id == NULL;
	int rc;

	if (body == NULL)
		return SQLITE_NOMEM;
	if (rs->health_id != NULL) {
		uint32_t slot;
		if (r53_health_slot(db, rs->health_id, true, &slot) < 0) {
			free(body);
			return SQLITE_FULL;
		}
	}
	bind_key(s->put, zone_id, rs, true);
	sqlite3_bind_text(s->put, 5, rs->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->put, 6, rs->owner, (int)rs->owner_len, SQLITE_STATIC);
	sqlite3_bind_int(s->put, 7, rs->type);
	sqlite3_bind_int64(s->put, 8, rs->ttl);
	if (rs->rdata_len > 0)
		sqlite3_bind_blob(s->put, 9, rs->rdata, (int)rs->rdata_len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(s->put, 9, 0);
	sqlite3_bind_int(s->put, 10, (int)rs->rdata_count);
	sqlite3_bind_int(s->put, 11, rs->policy);
	if (rs->policy_key[0] != '\0')
		sqlite3_bind_text(s->put, 12, rs->policy_key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->put, 13, plain);
	if (rs->health_id != NULL)
		sqlite3_bind_text(s->put, 14, rs->health_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put, 15, body, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	free(body);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Whether the stored row (get statement on a row) is the record set rs, exactly. */
static bool matches_stored(sqlite3_stmt *get, const struct r53_rrset *rs)
{
	const char *text = (const char *)sqlite3_column_text(get, 0);
	const uint8_t *rdata = sqlite3_column_blob(get, 1);
	size_t rdata_len = (size_t)sqlite3_column_bytes(get, 1);
	json_t *stored = json_loads(text != NULL ? text : "", 0, NULL);
	json_t *mine = json_copy(rs->body);
	bool same;

	json_object_del(stored, "ResourceRecords");
	json_object_del(mine, "ResourceRecords");
	same = stored != NULL && mine != NULL && json_equal(stored, mine) &&
	       same_records(rdata, rdata_len, rs->rdata, rs->rdata_len);
	json_decref(stored);
	json_decref(mine);
	return same;
}

struct r53_order {
	const struct r53_change *c;
	size_t index;
};

static int cmp_change_key(const void *a, const void *b)
{
	const struct r53_rrset *x = &((const struct r53_order *)a)->c->rs;
	const struct r53_rrset *y = &((const struct r53_order *)b)->c->rs;
	size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, m);

	if (c == 0 && x->key_len != y->key_len)
		c = x->key_len < y->key_len ? -1 : 1;
	if (c == 0)
		c = (int)x->type - (int)y->type;
	if (c == 0)
		c = strcmp(x->set_id != NULL ? x->set_id : "", y->set_id != NULL ? y->set_id : "");
	if (c == 0) {
		size_t i = ((const struct r53_order *)a)->index,
		       j = ((const struct r53_order *)b)->index;
		c = i < j ? -1 : i > j ? 1 : 0;
	}
	return c;
}

static bool same_key(const struct r53_rrset *x, const struct r53_rrset *y)
{
	return x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0 &&
	       x->type == y->type &&
	       strcmp(x->set_id != NULL ? x->set_id : "", y->set_id != NULL ? y->set_id : "") == 0;
}

/* The same record set twice: only DELETE then CREATE is a valid pair. */
static int check_duplicates(const struct r53_change *changes, size_t n, struct r53_messages *msgs)
{
	struct r53_order *order = malloc((n ? n : 1) * sizeof(*order));
	size_t m = 0;

	if (order == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (changes[i].rs.owner_len > 0)
			order[m++] = (struct r53_order){&changes[i], i};
	qsort(order, m, sizeof(*order), cmp_change_key);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;

		while (j < m && same_key(&order[i].c->rs, &order[j].c->rs))
			j++;
		if (j - i > 1 && !(j - i == 2 && order[i].c->action == R53_DELETE &&
				   order[i + 1].c->action == R53_CREATE))
			r53_messages_add(msgs, order[i + 1].c->rs.line,
					 "The request contains an invalid set of changes for a "
					 "resource record set '%s %s'",
					 order[i].c->rs.type_name, order[i].c->rs.name);
		i = j;
	}
	free(order);
	return 0;
}

/* The rules about record sets that share a name, after the batch is applied. */
static int check_neighbours(sqlite3 *db, struct r53_stmts *s, const struct r53_zone *zone,
			    const struct r53_rrset *rs, struct r53_messages *msgs)
{
	int rc;

	bind_key(s->other_type, zone->id, rs, false);
	rc = sqlite3_step(s->other_type);
	if (rc == SQLITE_ROW) {
		if (rs->type == DNS_TYPE_CNAME)
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet of type CNAME with DNS name %s is not permitted as it "
			    "conflicts with other records with the same DNS name in zone "
			    "%s",
			    rs->name, zone->name);
		else
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet of type %s with DNS name %s is not permitted because a "
			    "conflicting RRSet of type CNAME with the same DNS name "
			    "already exists in zone %s",
			    rs->type_name, rs->name, zone->name);
	} else if (rc != SQLITE_DONE) {
		return rc;
	}

	bind_key(s->group, zone->id, rs, false);
	while ((rc = sqlite3_step(s->group)) == SQLITE_ROW) {
		const char *set_id = (const char *)sqlite3_column_text(s->group, 0);
		int policy = sqlite3_column_int(s->group, 1);
		const char *key = (const char *)sqlite3_column_text(s->group, 2);

		if (strcmp(set_id, rs->set_id != NULL ? rs->set_id : "") == 0)
			continue;
		if (rs->set_id == NULL) {
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet with DNS name %s, type %s cannot be created as a %s "
			    "set exists with the same name and type.",
			    rs->name, rs->type_name, policy_name(policy));
			break;
		}
		if (policy != rs->policy) {
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet with DNS name %s, type %s, SetIdentifier %s cannot be "
			    "created as a non-%s set exists with the same name and type.",
			    rs->name, rs->type_name, rs->set_id, policy_name(rs->policy));
			break;
		}
		if (key != NULL && rs->policy_key[0] != '\0' && strcmp(key, rs->policy_key) == 0) {
			r53_messages_add(
			    msgs, rs->line,
			    "RRSet with DNS name %s, type %s, SetIdentifier %s, and %s "
			    "cannot be created because a %s RRSet with the same name, "
			    "type and %s already exists.",
			    rs->name, rs->type_name, rs->set_id, rs->policy_key,
			    policy_name(rs->policy),
			    rs->policy == ZONES_POLICY_LATENCY	  ? "region"
			    : rs->policy == ZONES_POLICY_FAILOVER ? "failover role"
								  : "location");
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;

	if (rs->alias) {
		sqlite3_reset(s->zone_apex);
		sqlite3_bind_text(s->zone_apex, 1, rs->alias_zone, -1, SQLITE_STATIC);
		rc = sqlite3_step(s->zone_apex);
		if (rc == SQLITE_ROW) {
			uint8_t key[DNS_NAME_MAX_BYTES + 1];
			struct r53_rrset target = {.key = key};
			const uint8_t *apex = sqlite3_column_blob(s->zone_apex, 0);
			size_t apex_len = (size_t)sqlite3_column_bytes(s->zone_apex, 0);

			if (!dnstext_name_is_under(rs->alias_name, rs->alias_name_len, apex,
						   apex_len)) {
				r53_messages_add(
				    msgs, rs->line,
				    "Tried to create an alias that targets %s, type %s in "
				    "zone %s, but the alias target name does not lie within "
				    "the target zone",
				    rs->alias_text, rs->type_name, rs->alias_zone);
			} else {
				target.key_len =
				    r53_sort_key(rs->alias_name, rs->alias_name_len, target.key);
				target.type_name = rs->type_name;
				bind_key(s->target, rs->alias_zone, &target, false);
				rc = sqlite3_step(s->target);
				if (rc == SQLITE_DONE)
					r53_messages_add(
					    msgs, rs->line,
					    "Tried to create an alias that targets %s, type "
					    "%s in zone %s, but that target was not found",
					    rs->alias_text, rs->type_name, rs->alias_zone);
				else if (rc != SQLITE_ROW)
					return rc;
			}
		} else if (rc != SQLITE_DONE) {
			return rc;
		}
	}
	return SQLITE_OK;
}

/* The apex keeps exactly one SOA and its NS records. */
static int check_apex(struct r53_stmts *s, const struct r53_zone *zone, struct r53_messages *msgs)
{
	uint8_t key[DNS_NAME_MAX_BYTES + 1];
	struct r53_rrset apex = {.key = key};
	int rc;

	apex.key_len = r53_sort_key(zone->apex, zone->apex_len, apex.key);
	apex.type_name = "SOA";
	bind_key(s->target, zone->id, &apex, false);
	rc = sqlite3_step(s->target);
	if (rc == SQLITE_DONE)
		r53_messages_add(msgs, 0, "A HostedZone must contain exactly one SOA record.");
	else if (rc != SQLITE_ROW)
		return rc;
	apex.type_name = "NS";
	bind_key(s->target, zone->id, &apex, false);
	rc = sqlite3_step(s->target);
	if (rc == SQLITE_DONE)
		r53_messages_add(msgs, 0,
				 "A HostedZone must contain at least one NS record for the zone "
				 "itself.");
	else if (rc != SQLITE_ROW)
		return rc;
	return SQLITE_OK;
}

int r53_apply(struct ctl_call *call, const struct r53_zone *zone, struct r53_change *changes,
	      size_t n, struct r53_messages *msgs)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	struct r53_stmts s;
	char label[DNS_NAME_TEXT_MAX + 200];
	long long delta = 0;
	bool apex_touched = false;
	int rc;

	if ((rc = check_duplicates(changes, n, msgs)) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "out of memory");
	if (msgs->n > 0 || msgs->oom)
		return r53_messages_fail(call, msgs);
	if ((rc = store_begin(env->store)) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	if ((rc = stmts_prepare(db, &s)) != SQLITE_OK) {
		rc = r53_db_fail(call, db, rc);
		store_rollback(env->store);
		return rc;
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		const struct r53_rrset *rs = &changes[i].rs;
		bool exists;

		if (rs->owner_len == zone->apex_len &&
		    (rs->type == DNS_TYPE_SOA || rs->type == DNS_TYPE_NS))
			apex_touched = true;
		bind_key(s.get, zone->id, rs, true);
		rc = sqlite3_step(s.get);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
		exists = rc == SQLITE_ROW;
		rc = SQLITE_OK;
		rrset_label(rs, label, sizeof(label));
		switch (changes[i].action) {
		case R53_CREATE:
			if (exists) {
				r53_messages_add(msgs, rs->line,
						 "Tried to create resource record set %s but it "
						 "already exists",
						 label);
				break;
			}
			rc = put_rrset(db, &s, zone->id, rs);
			delta++;
			break;
		case R53_DELETE:
			if (!exists) {
				r53_messages_add(
				    msgs, rs->line,
				    "Tried to delete resource record set %s but it was not "
				    "found",
				    label);
				break;
			}
			if (!matches_stored(s.get, rs)) {
				r53_messages_add(
				    msgs, rs->line,
				    "Tried to delete resource record set %s but the values "
				    "provided do not match the current values",
				    label);
				break;
			}
			sqlite3_reset(s.get);
			bind_key(s.del, zone->id, rs, true);
			rc = sqlite3_step(s.del);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			delta--;
			break;
		case R53_UPSERT:
			sqlite3_reset(s.get);
			rc = put_rrset(db, &s, zone->id, rs);
			delta += exists ? 0 : 1;
			break;
		}
		sqlite3_reset(s.get);
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK && msgs->n == 0; i++)
		if (changes[i].action != R53_DELETE)
			rc = check_neighbours(db, &s, zone, &changes[i].rs, msgs);
	if (rc == SQLITE_OK && msgs->n == 0 && apex_touched)
		rc = check_apex(&s, zone, msgs);
	if (rc == SQLITE_OK && msgs->n == 0 && delta != 0) {
		sqlite3_stmt *q;

		rc = sqlite3_prepare_v2(db,
					"UPDATE r53_zones SET rrset_count = rrset_count + ? "
					"WHERE id = ?",
					-1, &q, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, delta);
			sqlite3_bind_text(q, 2, zone->id, -1, SQLITE_STATIC);
			rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
			sqlite3_finalize(q);
		}
	}
	stmts_free(&s);
	if (rc != SQLITE_OK) {
		int err = rc == SQLITE_FULL ? ctl_call_fail(call, -POP_ELIMIT, "InvalidChangeBatch",
							    "[More than %u distinct HealthCheckId "
							    "values]",
							    TABLES_LIVE_SLOTS)
					    : r53_db_fail(call, db, rc);
		store_rollback(env->store);
		return err;
	}
	if (msgs->n > 0 || msgs->oom) {
		store_rollback(env->store);
		return r53_messages_fail(call, msgs);
	}
	if ((rc = store_commit(env->store)) < 0)
		return ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
				     pop_strerror(rc));
	return 0;
}

/* The SOA text "mname rname serial refresh retry expire minimum" with @p serial. */
static json_t *soa_value_with(const char *value, uint32_t serial)
{
	const char *p = value;
	char buf[2 * DNS_NAME_TEXT_MAX + 128];

	/* Past two names and their separators: the serial is the third field. */
	for (int field = 0; field < 2; field++) {
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	const char *end = p;
	while (*end >= '0' && *end <= '9')
		end++;
	if (end == p || (size_t)(p - value) + strlen(end) + 16 > sizeof(buf))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s%u%s", (int)(p - value), value, serial, end);
	return json_string(buf);
}

int r53_bump_serial(struct ctl_call *call, const struct r53_zone *zone)
{
	sqlite3 *db = store_db(env_of(call)->store);
	sqlite3_stmt *q = NULL, *u = NULL;
	uint8_t rdata[2 + 2 * DNS_NAME_MAX_BYTES + 20];
	json_t *body = NULL, *rr, *value;
	char *text = NULL;
	uint32_t serial;
	size_t len;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT rdata, body, sort_key, set_id FROM r53_rrsets WHERE "
				"zone_id = ? AND owner = ? AND type_code = 6 LIMIT 1",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone->id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, zone->apex, (int)zone->apex_len, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		/* No SOA (cannot be after check_apex): nothing to count on. */
		sqlite3_finalize(q);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		rc = r53_db_fail(call, db, rc);
		sqlite3_finalize(q);
		return rc;
	}
	len = (size_t)sqlite3_column_bytes(q, 0);
	if (len < 2 + 22 || len > sizeof(rdata) ||
	    (size_t)(sqlite3_column_blob(q, 0) == NULL ? 0 : len) != len) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EINVAL, "InternalFailure",
				     "the stored SOA of %s is malformed", zone->name);
	}
	memcpy(rdata, sqlite3_column_blob(q, 0), len);
	/* One record: {len16, mname rname serial refresh retry expire minimum}. */
	if ((size_t)(rdata[0] << 8 | rdata[1]) + 2 != len) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EINVAL, "InternalFailure",
				     "the stored SOA of %s is malformed", zone->name);
	}
	uint8_t *sp = rdata + len - 20;
	serial =
	    ((uint32_t)sp[0] << 24 | (uint32_t)sp[1] << 16 | (uint32_t)sp[2] << 8 | sp[3]) + 1u;
	sp[0] = (uint8_t)(serial >> 24);
	sp[1] = (uint8_t)(serial >> 16);
	sp[2] = (uint8_t)(serial >> 8);
	sp[3] = (uint8_t)serial;
	body = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
	rr = json_array_get(json_object_get(body, "ResourceRecords"), 0);
	value = rr != NULL ? soa_value_with(json_string_value(json_object_get(rr, "Value")), serial)
			   : NULL;
	if (value == NULL || json_object_set_new(rr, "Value", value) < 0 ||
	    (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		json_decref(body);
		sqlite3_finalize(q);
		return ctl_call_fail(call, -EINVAL, "InternalFailure",
				     "the stored SOA of %s is malformed", zone->name);
	}
	rc = sqlite3_prepare_v2(db,
				"UPDATE r53_rrsets SET rdata = ?, body = ? WHERE zone_id = ? AND "
				"sort_key = ? AND type = 'SOA' AND set_id = ?",
				-1, &u, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(u, 1, rdata, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(u, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 3, zone->id, -1, SQLITE_STATIC);
		sqlite3_bind_value(u, 4, sqlite3_column_value(q, 2));
		sqlite3_bind_value(u, 5, sqlite3_column_value(q, 3));
		rc = sqlite3_step(u);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK)
		rc = r53_db_fail(call, db, rc);
	sqlite3_finalize(u);
	sqlite3_finalize(q);
	free(text);
	json_decref(body);
	return rc;
}

int r53_rrsets_delete_zone(sqlite3 *db, const char *zone_id)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(db, "DELETE FROM r53_rrsets WHERE zone_id = ?", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(q, 1, zone_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ------------------------------------------------------------- commands */

int r53_cmd_change_rrsets(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *batch = json_object_get(call->args, "ChangeBatch");
	const json_t *list = json_object_get(batch, "Changes");
	const char *comment = json_string_value(json_object_get(batch, "Comment"));
	struct r53_messages msgs = {0};
	struct r53_change *changes = NULL;
	struct r53_zone zone;
	json_t *info = NULL;
	size_t n, records = 0, chars = 0;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_change_batch_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db,
				json_string_value(json_object_get(call->args, "HostedZoneId")),
				&zone)) < 0)
		return rc;
	n = json_array_size(list);
	if (n > ROUTE53_MAX_CHANGES)
		return ctl_call_fail(call, -POP_ELIMIT, "InvalidChangeBatch",
				     "[Number of changes limit of %d exceeded.]",
				     ROUTE53_MAX_CHANGES);
	/* Route 53 counts an UPSERT twice (a DELETE and a CREATE). */
	for (size_t i = 0; i < n; i++) {
		const json_t *c = json_array_get(list, i);
		const json_t *rr =
		    json_object_get(json_object_get(c, "ResourceRecordSet"), "ResourceRecords");
		size_t times =
		    strcmp(json_string_value(json_object_get(c, "Action")), "UPSERT") == 0 ? 2 : 1;

		for (size_t k = 0; k < json_array_size(rr); k++)
			chars += times * json_string_length(
					     json_object_get(json_array_get(rr, k), "Value"));
		records += times * json_array_size(rr);
	}
	if (records > ROUTE53_MAX_CHANGES)
		return ctl_call_fail(call, -POP_ELIMIT, "InvalidChangeBatch",
				     "[Number of records limit of %d exceeded.]",
				     ROUTE53_MAX_CHANGES);
	if (chars > ROUTE53_MAX_VALUE_CHARS)
		return ctl_call_fail(
		    call, -POP_ELIMIT, "InvalidChangeBatch",
		    "[Number of characters in Value elements limit of %d exceeded.]",
		    ROUTE53_MAX_VALUE_CHARS);
	changes = calloc(n, sizeof(*changes));
	if (changes == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const json_t *c = json_array_get(list, i);
		const char *action = json_string_value(json_object_get(c, "Action"));

		changes[i].action = strcmp(action, "CREATE") == 0   ? R53_CREATE
				    : strcmp(action, "DELETE") == 0 ? R53_DELETE
								    : R53_UPSERT;
		rc = r53_rrset_parse(call, json_object_get(c, "ResourceRecordSet"), action, &zone,
				     &changes[i].rs, &msgs);
	}
	if (rc == 0 && (msgs.n > 0 || msgs.oom))
		rc = r53_messages_fail(call, &msgs);
	if (rc == 0 && (rc = store_begin(env->store)) < 0)
		rc =
		    ctl_call_fail(call, rc, "InternalFailure", "state store: %s", pop_strerror(rc));
	else if (rc == 0) {
		bool soa_set = false;

		for (size_t i = 0; i < n; i++)
			if (changes[i].action != R53_DELETE && changes[i].rs.type == DNS_TYPE_SOA &&
			    changes[i].rs.owner_len == zone.apex_len)
				soa_set = true;
		rc = r53_apply(call, &zone, changes, n, &msgs);
		if (rc == 0 && !soa_set)
			rc = r53_bump_serial(call, &zone);
		if (rc == 0)
			rc = r53_new_change(call, comment, &info);
		if (rc == 0 && (rc = store_commit(env->store)) < 0)
			rc = ctl_call_fail(call, rc, "InternalFailure", "state store: %s",
					   pop_strerror(rc));
		else if (rc < 0)
			store_rollback(env->store);
	}
	for (size_t i = 0; i < n; i++)
		r53_rrset_release(&changes[i].rs);
	free(changes);
	r53_messages_free(&msgs);
	if (rc < 0) {
		json_decref(info);
		return rc;
	}
	call->result = json_pack("{s:o}", "ChangeInfo", info);
	return 0;
}

int r53_cmd_list_rrsets(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	const json_t *args = call->args;
	const char *start_name = json_string_value(json_object_get(args, "StartRecordName"));
	const char *start_type = json_string_value(json_object_get(args, "StartRecordType"));
	const char *start_id = json_string_value(json_object_get(args, "StartRecordIdentifier"));
	uint8_t wire[DNS_NAME_MAX_BYTES], key[DNS_NAME_MAX_BYTES + 1];
	size_t wire_len, key_len = 0;
	char echo[32], why[DNS_ERR_MAX];
	struct r53_zone zone;
	json_t *sets, *result;
	sqlite3_stmt *q;
	long max, count = 0;
	int rc;

	if ((rc = r53_check_input(call, args, &r53_list_rrsets_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db, json_string_value(json_object_get(args, "HostedZoneId")),
				&zone)) < 0)
		return rc;
	if (start_type != NULL && start_name == NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "StartRecordType needs StartRecordName: the listing starts "
				     "at a name, then a type");
	if (start_id != NULL && start_type == NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidInput",
				     "StartRecordIdentifier needs StartRecordName and "
				     "StartRecordType");
	if ((rc = r53_max_items(call, args, R53_LIST_RRSETS_MAX, R53_LIST_RRSETS_MAX, &max, echo,
				sizeof(echo))) < 0)
		return rc;
	if (start_name != NULL) {
		if (dnstext_name_from_text(start_name, strlen(start_name), NULL, 0, DNS_TEXT_OCTAL,
					   wire, &wire_len, why, sizeof(why)) < 0)
			return ctl_call_fail(call, -EINVAL, "InvalidInput",
					     "StartRecordName: %s encountered with '%.255s'", why,
					     start_name);
		key_len = r53_sort_key(wire, wire_len, key);
	}
	rc =
	    sqlite3_prepare_v2(db,
			       "SELECT name, type, set_id, body FROM r53_rrsets WHERE zone_id = ?1 "
			       "AND (sort_key, type, set_id) >= (?2, ?3, ?4) "
			       "ORDER BY sort_key, type, set_id LIMIT ?5",
			       -1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, key, (int)key_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, start_type != NULL ? start_type : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, start_id != NULL ? start_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, max + 1);
	sets = json_array();
	result = json_pack("{s:o, s:b}", "ResourceRecordSets", sets, "IsTruncated", 0);
	if (result == NULL) {
		sqlite3_finalize(q);
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *set_id = (const char *)sqlite3_column_text(q, 2);

		if (count == max) {
			json_object_set_new(result, "IsTruncated", json_true());
			json_object_set_new(result, "NextRecordName",
					    json_string((const char *)sqlite3_column_text(q, 0)));
			json_object_set_new(result, "NextRecordType",
					    json_string((const char *)sqlite3_column_text(q, 1)));
			if (set_id[0] != '\0')
				json_object_set_new(result, "NextRecordIdentifier",
						    json_string(set_id));
			break;
		}
		json_array_append_new(sets,
				      json_loads((const char *)sqlite3_column_text(q, 3), 0, NULL));
		count++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(result);
		return r53_db_fail(call, db, rc);
	}
	json_object_set_new(result, "MaxItems", json_string(echo));
	call->result = result;
	return 0;
}
