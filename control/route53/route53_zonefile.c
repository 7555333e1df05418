/* SPDX-License-Identifier: BSD-3-Clause */
/* import-zone and export-zone: RFC 1035 text in and out of a hosted zone. */
#include "route53_pvt.h"

#include "store.h"
#include "zonefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct r53_zf_order {
	const struct zonefile_record *r;
	size_t index;
};

static int cmp_owner_type(const void *a, const void *b)
{
	const struct r53_zf_order *x = a, *y = b;
	size_t m = x->r->owner_len < y->r->owner_len ? x->r->owner_len : y->r->owner_len;
	int c = memcmp(x->r->owner, y->r->owner, m);

	if (c == 0 && x->r->owner_len != y->r->owner_len)
		c = x->r->owner_len < y->r->owner_len ? -1 : 1;
	if (c == 0 && x->r->type != y->r->type)
		c = x->r->type < y->r->type ? -1 : 1;
	if (c == 0)
		c = x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
	return c;
}

static bool same_set(const struct zonefile_record *a, const struct zonefile_record *b)
{
	return a->owner_len == b->owner_len && memcmp(a->owner, b->owner, a->owner_len) == 0 &&
	       a->type == b->type;
}

/* A record set of the file: a run of the sorted records, and where it starts. */
struct r53_zf_group {
	size_t start, count;
	unsigned line;
};

static int cmp_group_line(const void *a, const void *b)
{
	const struct r53_zf_group *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line ? 1 : 0;
}

/* Record sets go to the store this many at a time, so memory stays small. */
#define R53_IMPORT_CHUNK 4096

/* The UPSERT change of one record set of the file. */
static int group_change(struct ctl_call *call, const struct r53_zf_order *order,
			const struct r53_zf_group *g, const struct r53_zone *zone, char *text,
			struct r53_change *change, struct r53_messages *msgs)
{
	const struct zonefile_record *first = order[g->start].r;
	char name[DNS_NAME_TEXT_MAX];
	json_t *values = json_array(), *rrs;
	int rc;

	dnstext_name_to_text(first->owner, first->owner_len, DNS_TEXT_OCTAL, name, sizeof(name));
	for (size_t j = g->start; j < g->start + g->count; j++) {
		const struct zonefile_record *r = order[j].r;
		bool dup = false;
		int len;

		if (r->ttl != first->ttl) {
			r53_messages_add(msgs, r->line,
					 "TTL %u differs from the TTL %u of the same record set on "
					 "line %u",
					 r->ttl, first->ttl, first->line);
			continue;
		}
		/* Identical records in a master file are one record (RFC 2181). */
		for (size_t k = g->start; k < j && !dup; k++)
			dup = order[k].r->rdata_len == r->rdata_len &&
			      memcmp(order[k].r->rdata, r->rdata, r->rdata_len) == 0;
		if (dup)
			continue;
		len = dnstext_rdata_to_text(r->type, r->rdata, r->rdata_len, DNS_TEXT_OCTAL, text,
					    DNS_RDATA_MAX_BYTES * 4 + 16);
		if (len < 0) {
			r53_messages_add(msgs, r->line, "record data cannot be stored");
			continue;
		}
		json_array_append_new(values, json_pack("{s:s%}", "Value", text, (size_t)len));
	}
	rrs =
	    json_pack("{s:s, s:s, s:I, s:o}", "Name", name, "Type", dnstext_type_name(first->type),
		      "TTL", (json_int_t)first->ttl, "ResourceRecords", values);
	change->action = R53_UPSERT;
	change->rs.line = first->line;
	if (rrs == NULL)
		return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	rc = r53_rrset_parse(call, rrs, "UPSERT", zone, &change->rs, msgs);
	json_decref(rrs);
	return rc;
}

/* Group the records into sets (sorted by owner and type), in the file's order. */
static int file_groups(const struct zonefile *zf, struct r53_zf_order **order_out,
		       struct r53_zf_group **groups_out, size_t *n_groups)
{
	size_t n = zonefile_count(zf), g = 0;
	struct r53_zf_order *order = malloc((n ? n : 1) * sizeof(*order));
	struct r53_zf_group *groups = malloc((n ? n : 1) * sizeof(*groups));

	if (order == NULL || groups == NULL) {
		free(order);
		free(groups);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (struct r53_zf_order){zonefile_record(zf, i), i};
	qsort(order, n, sizeof(*order), cmp_owner_type);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && same_set(order[i].r, order[j].r))
			j++;
		groups[g++] = (struct r53_zf_group){i, j - i, order[i].r->line};
		i = j;
	}
	qsort(groups, g, sizeof(*groups), cmp_group_line);
	*order_out = order;
	*groups_out = groups;
	*n_groups = g;
	return 0;
}

/* Apply the record sets of the file, a chunk at a time, inside the caller's transaction. */
static int import_groups(struct ctl_call *call, const struct r53_zone *zone,
			 const struct r53_zf_order *order, const struct r53_zf_group *groups,
			 size_t n, struct r53_messages *msgs)
{
	struct r53_change *changes = calloc(R53_IMPORT_CHUNK, sizeof(*changes));
	char *text = malloc(DNS_RDATA_MAX_BYTES * 4 + 16);
	int rc = 0;

	if (changes == NULL || text == NULL)
		rc = ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	for (size_t at = 0; at < n && rc == 0; at += R53_IMPORT_CHUNK) {
		size_t m = n - at < R53_IMPORT_CHUNK ? n - at : R53_IMPORT_CHUNK;

		memset(changes, 0, m * sizeof(*changes));
		for (size_t i = 0; i < m && rc == 0; i++)
			rc = group_change(call, order, &groups[at + i], zone, text, &changes[i],
					  msgs);
		if (rc == 0 && (msgs->n > 0 || msgs->oom))
			rc = r53_messages_fail(call, msgs);
		if (rc == 0)
			rc = r53_apply(call, zone, changes, m, msgs);
		for (size_t i = 0; i < m; i++)
			r53_rrset_release(&changes[i].rs);
	}
	free(changes);
	free(text);
	return rc;
}

int r53_cmd_import_zone(struct ctl_call *call)
{
	struct popd_env *env = env_of(call);
	sqlite3 *db = store_db(env->store);
	const json_t *file = json_object_get(call->args, "ZoneFile");
	const char *comment = json_string_value(json_object_get(call->args, "Comment"));
	struct zonefile_options opt = {0};
	struct r53_messages msgs = {0};
	struct r53_zf_order *order = NULL;
	struct r53_zf_group *groups = NULL;
	struct zonefile *zf = NULL;
	struct r53_zone zone;
	char err[400];
	json_t *info = NULL;
	size_t n = 0;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_import_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db,
				json_string_value(json_object_get(call->args, "HostedZoneId")),
				&zone)) < 0)
		return rc;
	opt.origin = zone.apex;
	opt.origin_len = zone.apex_len;
	opt.max_bytes = ROUTE53_MAX_ZONE_FILE_BYTES;
	rc = zonefile_parse(json_string_value(file), json_string_length(file), &opt, &zf, err,
			    sizeof(err));
	if (rc == -ENOMEM)
		return ctl_call_fail(call, rc, "InternalFailure", "out of memory");
	if (rc < 0)
		return ctl_call_fail(call, rc, "InvalidInput", "ZoneFile: %s", err);
	if (file_groups(zf, &order, &groups, &n) < 0)
		rc = ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
	else if (n == 0)
		rc = ctl_call_fail(call, -EINVAL, "InvalidInput", "ZoneFile: no records");
	else if ((rc = store_begin(env->store)) < 0)
		rc =
		    ctl_call_fail(call, rc, "InternalFailure", "state store: %s", pop_strerror(rc));
	else {
		bool soa_set = false;

		for (size_t i = 0; i < zonefile_count(zf); i++) {
			const struct zonefile_record *r = zonefile_record(zf, i);
			/* Owners are at or under the apex: its length tells the apex. */
			if (r->type == DNS_TYPE_SOA && r->owner_len == zone.apex_len)
				soa_set = true;
		}
		rc = import_groups(call, &zone, order, groups, n, &msgs);
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
	free(order);
	free(groups);
	zonefile_free(zf);
	r53_messages_free(&msgs);
	if (rc < 0) {
		json_decref(info);
		return rc;
	}
	call->result =
	    json_pack("{s:o, s:I}", "ChangeInfo", info, "ResourceRecordSetCount", (json_int_t)n);
	return 0;
}

int r53_cmd_export_zone(struct ctl_call *call)
{
	sqlite3 *db = store_db(env_of(call)->store);
	struct zonefile_record *recs = NULL;
	size_t n = 0, cap = 0, arena_len = 0, arena_cap = 0;
	uint8_t *arena = NULL;
	char *skipped = NULL, *text = NULL;
	size_t skipped_len = 0, text_len = 0;
	struct r53_zone zone;
	sqlite3_stmt *q;
	int rc;

	if ((rc = r53_check_input(call, call->args, &r53_export_input)) < 0)
		return rc;
	if ((rc = r53_zone_load(call, db,
				json_string_value(json_object_get(call->args, "HostedZoneId")),
				&zone)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(db,
				"SELECT owner, type_code, ttl, rdata, plain, name, type, set_id, "
				"health_id, body FROM r53_rrsets WHERE zone_id = ? "
				"ORDER BY sort_key, type, set_id",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return r53_db_fail(call, db, rc);
	sqlite3_bind_text(q, 1, zone.id, -1, SQLITE_STATIC);
	/* Offsets into the arena first; pointers once it stops moving. */
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const uint8_t *owner = sqlite3_column_blob(q, 0);
		size_t owner_len = (size_t)sqlite3_column_bytes(q, 0);
		const uint8_t *rdata = sqlite3_column_blob(q, 3);
		size_t rdata_len = (size_t)sqlite3_column_bytes(q, 3), need;

		if (!sqlite3_column_int(q, 4)) {
			const char *set_id = (const char *)sqlite3_column_text(q, 7);
			const char *health = (const char *)sqlite3_column_text(q, 8);
			char line[DNS_NAME_TEXT_MAX + 300];
			int l = snprintf(line, sizeof(line), ";   %s %s%s%s%s%s%s\n",
					 (const char *)sqlite3_column_text(q, 5),
					 (const char *)sqlite3_column_text(q, 6),
					 set_id[0] != '\0' ? " SetIdentifier=" : "", set_id,
					 rdata_len == 0 ? " (alias)" : "",
					 health != NULL ? " HealthCheckId=" : "",
					 health != NULL ? health : "");
			char *p = realloc(skipped, skipped_len + (size_t)l + 1);

			if (p == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			skipped = p;
			memcpy(skipped + skipped_len, line, (size_t)l + 1);
			skipped_len += (size_t)l;
			continue;
		}
		need = arena_len + owner_len + rdata_len;
		if (need > arena_cap) {
			size_t ncap = arena_cap ? arena_cap : 65536;
			uint8_t *p;

			while (ncap < need)
				ncap *= 2;
			p = realloc(arena, ncap);
			if (p == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arena = p;
			arena_cap = ncap;
		}
		memcpy(arena + arena_len, owner, owner_len);
		memcpy(arena + arena_len + owner_len, rdata, rdata_len);
		for (size_t pos = 0; pos + 2 <= rdata_len;) {
			size_t l = (size_t)rdata[pos] << 8 | rdata[pos + 1];

			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct zonefile_record *r = realloc(recs, ncap * sizeof(*r));

				if (r == NULL) {
					rc = SQLITE_NOMEM;
					break;
				}
				recs = r;
				cap = ncap;
			}
			/* Offsets for now, kept in the pointer fields' places. */
			recs[n] = (struct zonefile_record){
			    .owner_len = owner_len,
			    .type = (uint16_t)sqlite3_column_int(q, 1),
			    .ttl = (uint32_t)sqlite3_column_int64(q, 2),
			    .rdata_len = l,
			    .line = 0,
			};
			recs[n].owner = (const uint8_t *)(uintptr_t)arena_len;
			recs[n].rdata =
			    (const uint8_t *)(uintptr_t)(arena_len + owner_len + pos + 2);
			n++;
			pos += 2 + l;
		}
		if (rc == SQLITE_NOMEM)
			break;
		arena_len = need;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(recs);
		free(arena);
		free(skipped);
		return rc == SQLITE_NOMEM
			   ? ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory")
			   : r53_db_fail(call, db, rc);
	}
	for (size_t i = 0; i < n; i++) {
		recs[i].owner = arena + (uintptr_t)recs[i].owner;
		recs[i].rdata = arena + (uintptr_t)recs[i].rdata;
	}
	rc = zonefile_write(recs, n, zone.apex, zone.apex_len, &text, &text_len);
	free(recs);
	free(arena);
	if (rc < 0) {
		free(skipped);
		return ctl_call_fail(call, rc, "InternalFailure", "cannot write the zone file: %s",
				     pop_strerror(rc));
	}
	if (skipped != NULL) {
		static const char head[] =
		    "; Record sets with a routing policy, an alias target or "
		    "a health check have no zone-file form; not exported:\n";
		char *all = malloc(sizeof(head) - 1 + skipped_len + text_len + 1);

		if (all == NULL) {
			free(skipped);
			free(text);
			return ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
		}
		memcpy(all, head, sizeof(head) - 1);
		memcpy(all + sizeof(head) - 1, skipped, skipped_len);
		memcpy(all + sizeof(head) - 1 + skipped_len, text, text_len + 1);
		free(text);
		text = all;
		text_len += sizeof(head) - 1 + skipped_len;
	}
	free(skipped);
	call->result = json_pack("{s:s%}", "ZoneFile", text, text_len);
	free(text);
	return call->result != NULL
		   ? 0
		   : ctl_call_fail(call, -ENOMEM, "InternalFailure", "out of memory");
}
