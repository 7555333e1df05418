/* SPDX-License-Identifier: BSD-3-Clause */
/* The master-file parser and the canonical writer. */
#include "zonefile.h"

#include "base.h"
#include "dnstext.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t apex[] = "\7example\3com";

static char err[256];

static int parse(const char *text, struct zonefile **zf, const struct zonefile_options *opt)
{
	struct zonefile_options o = {.origin = apex, .origin_len = sizeof(apex)};

	err[0] = '\0';
	return zonefile_parse(text, strlen(text), opt != NULL ? opt : &o, zf, err, sizeof(err));
}

static bool owner_is(const struct zonefile_record *r, const char *name)
{
	uint8_t wire[DNS_NAME_MAX_BYTES];
	size_t len;

	return dnstext_name_from_text(name, strlen(name), NULL, 0, 0, wire, &len, NULL, 0) == 0 &&
	       r->owner_len == len && memcmp(r->owner, wire, len) == 0;
}

static const char example_zone[] = "; example.com, the way people write them\n"
				   "$TTL 1h\n"
				   "@   IN  SOA ns1.example.com. hostmaster ( 2024010101 ; serial\n"
				   "            7200   ; refresh\n"
				   "            900 1209600\n"
				   "            1d )   ; minimum\n"
				   "    IN  NS  ns1\n"
				   "        NS  ns2.example.com.\n"
				   "www 300 IN A 192.0.2.1\n"
				   "    IN 300 A 192.0.2.2\n"
				   "mail    MX  10 mx.example.net.\n"
				   "txt     TXT \"v=spf1 -all; a\" \"second (string)\"\n"
				   "Upper.Example.Com. 60 AAAA 2001:db8::1\n"
				   "*.wild  CNAME www\n"
				   "$ORIGIN sub.example.com.\n"
				   "deep    1h30m A 198.18.0.1\n"
				   "\n"
				   "   ; only a comment\n"
				   "@   CAA 0 issue \"amazon.com\"\n";

static void test_parse_example(void)
{
	struct zonefile *zf = NULL;
	const struct zonefile_record *r;

	CHECK_EQ(parse(example_zone, &zf, NULL), 0);
	CHECK_EQ(zonefile_count(zf), 11);
	r = zonefile_record(zf, 0);
	CHECK(owner_is(r, "example.com."));
	CHECK_EQ(r->type, DNS_TYPE_SOA);
	CHECK_EQ(r->ttl, 3600);
	CHECK_EQ(r->line, 3);
	CHECK_EQ(r->rdata_len, 17 + 24 + 20);
	r = zonefile_record(zf, 1);
	CHECK(owner_is(r, "example.com."));
	CHECK_EQ(r->type, DNS_TYPE_NS);
	CHECK_EQ(r->line, 7);
	CHECK(r->rdata_len == 17 && memcmp(r->rdata, "\3ns1\7example\3com", 17) == 0);
	r = zonefile_record(zf, 2);
	CHECK(owner_is(r, "example.com."));
	CHECK_EQ(r->line, 8);
	r = zonefile_record(zf, 3);
	CHECK(owner_is(r, "www.example.com."));
	CHECK_EQ(r->ttl, 300);
	r = zonefile_record(zf, 4);
	CHECK(owner_is(r, "www.example.com."));
	CHECK_EQ(r->ttl, 300);
	CHECK(r->rdata_len == 4 && memcmp(r->rdata, "\xc0\0\2\2", 4) == 0);
	r = zonefile_record(zf, 5);
	CHECK(owner_is(r, "mail.example.com."));
	CHECK_EQ(r->ttl, 3600);
	r = zonefile_record(zf, 6);
	CHECK_EQ(r->type, DNS_TYPE_TXT);
	CHECK(r->rdata_len == 31 &&
	      memcmp(r->rdata, "\16v=spf1 -all; a\17second (string)", 31) == 0);
	r = zonefile_record(zf, 7);
	CHECK(owner_is(r, "upper.example.com."));
	CHECK_EQ(r->ttl, 60);
	r = zonefile_record(zf, 8);
	CHECK(owner_is(r, "*.wild.example.com."));
	CHECK(r->rdata_len == 17 && memcmp(r->rdata, "\3www\7example\3com", 17) == 0);
	r = zonefile_record(zf, 9);
	CHECK(owner_is(r, "deep.sub.example.com."));
	CHECK_EQ(r->ttl, 5400);
	r = zonefile_record(zf, 10);
	CHECK(owner_is(r, "sub.example.com."));
	CHECK_EQ(r->type, DNS_TYPE_CAA);
	CHECK_EQ(r->line, 19);
	CHECK(zonefile_record(zf, 11) == NULL);
	zonefile_free(zf);
}

static void test_ttl_rules(void)
{
	struct zonefile *zf = NULL;

	/* No $TTL: the previous record's TTL, and an SOA's own MINIMUM. */
	CHECK_EQ(
	    parse("@ SOA ns. h. 1 2 3 4 600\nwww A 192.0.2.1\nx 30 A 192.0.2.2\ny A 192.0.2.3\n",
		  &zf, NULL),
	    0);
	CHECK_EQ(zonefile_count(zf), 4);
	CHECK_EQ(zonefile_record(zf, 0)->ttl, 600);
	CHECK_EQ(zonefile_record(zf, 1)->ttl, 600);
	CHECK_EQ(zonefile_record(zf, 2)->ttl, 30);
	CHECK_EQ(zonefile_record(zf, 3)->ttl, 30);
	zonefile_free(zf);
	zf = NULL;
	CHECK_EQ(parse("www A 192.0.2.1\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 1: no TTL: give one, or a $TTL line before the record") == 0);
	CHECK(zf == NULL);
}

static void test_errors(void)
{
	struct zonefile *zf = NULL;
	struct zonefile_options none = {0};

	CHECK_EQ(parse("$TTL 60\nwww A 1.2.3\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) "
			  "encountered with '1.2.3'") == 0);
	CHECK_EQ(parse("$TTL 60\n\n$INCLUDE other.zone\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 3: $INCLUDE is not allowed: a zone is one file") == 0);
	CHECK_EQ(parse("$TTL 60\n$GENERATE 1-2 x A 1.2.3.4\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: unknown directive $GENERATE") == 0);
	CHECK_EQ(parse("$TTL 60\n@ SOA ns. h. ( 1 2\n 3 4 5\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: '(' opened on this line is not closed before the end of the "
			  "file") == 0);
	CHECK_EQ(parse("$TTL 60\nwww A 192.0.2.1 )\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: ')' without a '(' before it") == 0);
	CHECK_EQ(parse("$TTL 60\nwww HINFO \"a\" \"b\"\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: unknown or unsupported record type 'HINFO'") == 0);
	CHECK_EQ(parse("$TTL 60\nwww CH A 192.0.2.1\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: class CH is not supported (only IN)") == 0);
	CHECK_EQ(parse("  A 192.0.2.1\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 1: no owner name, and no record before it to take one from") == 0);
	CHECK_EQ(parse("$TTL 60\nwww\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: no record type after the owner name") == 0);
	CHECK_EQ(parse("$TTL 60\nwww 60 IN\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: no record type") == 0);
	CHECK_EQ(parse("$TTL 60\ntxt TXT \"open\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: quoted string not closed on its line") == 0);
	CHECK_EQ(parse("$TTL x\n", &zf, NULL), -EINVAL);
	CHECK(strncmp(err, "line 1: $TTL needs a TTL", 24) == 0);
	CHECK_EQ(parse("$TTL 60\nwww 99999999999 A 192.0.2.1\n", &zf, NULL), -EINVAL);
	CHECK_EQ(parse("$TTL 60\na..b A 192.0.2.1\n", &zf, NULL), -EINVAL);
	CHECK(strcmp(err, "line 2: DomainLabelEmpty (Domain label is empty) encountered with "
			  "'a..b'") == 0);
	CHECK_EQ(parse("$TTL 60\nwww A 192.0.2.1\n", &zf, &none), -EINVAL);
	CHECK(strcmp(err, "line 2: relative name 'www' and no $ORIGIN before it") == 0);
	CHECK_EQ(parse("$TTL 60\nwww A 192.0.2.1\0\n", &zf, NULL), 0); /* strlen stops */
	zonefile_free(zf);
	zf = NULL;
	{
		static const char nul[] = "$TTL 60\nwww A 192.0.2.1 \0\n";
		struct zonefile_options o = {.origin = apex, .origin_len = sizeof(apex)};
		CHECK_EQ(zonefile_parse(nul, sizeof(nul) - 1, &o, &zf, err, sizeof(err)), -EINVAL);
		CHECK(strcmp(err, "line 2: NUL byte in the text") == 0);
	}
	CHECK(zf == NULL);
}

static void test_bounds(void)
{
	struct zonefile *zf = NULL;
	struct zonefile_options o = {.origin = apex, .origin_len = sizeof(apex), .max_bytes = 20};

	CHECK_EQ(parse("$TTL 60\nwww A 192.0.2.1\n", &zf, &o), -EFBIG);
	CHECK(strcmp(err, "the zone file is 24 bytes, more than the 20 allowed") == 0);
	o.max_bytes = 0;
	o.max_records = 2;
	CHECK_EQ(parse("$TTL 60\na A 192.0.2.1\nb A 192.0.2.1\nc A 192.0.2.1\n", &zf, &o),
		 -POP_ELIMIT);
	CHECK(strcmp(err, "line 4: more than 2 records") == 0);
	CHECK(zf == NULL);
	CHECK_EQ(parse("", &zf, NULL), 0);
	CHECK_EQ(zonefile_count(zf), 0);
	zonefile_free(zf);
}

static void test_write_canonical(void)
{
	struct zonefile *zf = NULL, *again = NULL;
	struct zonefile_record *recs;
	char *out = NULL, *out2 = NULL;
	size_t out_len, out2_len, n;

	CHECK_EQ(parse(example_zone, &zf, NULL), 0);
	n = zonefile_count(zf);
	recs = malloc(n * sizeof(*recs));
	for (size_t i = 0; i < n; i++)
		recs[i] = *zonefile_record(zf, i);
	CHECK_EQ(zonefile_write(recs, n, apex, sizeof(apex), &out, &out_len), 0);
	CHECK_EQ(strlen(out), out_len);
	CHECK(strcmp(out,
		     "$ORIGIN example.com.\n"
		     "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. "
		     "2024010101 7200 900 1209600 86400\n"
		     "example.com.\t3600\tIN\tNS\tns1.example.com.\n"
		     "example.com.\t3600\tIN\tNS\tns2.example.com.\n"
		     "mail.example.com.\t3600\tIN\tMX\t10 mx.example.net.\n"
		     "sub.example.com.\t3600\tIN\tCAA\t0 issue \"amazon.com\"\n"
		     "deep.sub.example.com.\t5400\tIN\tA\t198.18.0.1\n"
		     "txt.example.com.\t3600\tIN\tTXT\t\"v=spf1 -all; a\" \"second (string)\"\n"
		     "upper.example.com.\t60\tIN\tAAAA\t2001:db8::1\n"
		     "*.wild.example.com.\t3600\tIN\tCNAME\twww.example.com.\n"
		     "www.example.com.\t300\tIN\tA\t192.0.2.1\n"
		     "www.example.com.\t300\tIN\tA\t192.0.2.2\n") == 0);
	/* What it wrote parses to the same records and writes the same bytes. */
	CHECK_EQ(parse(out, &again, NULL), 0);
	CHECK_EQ(zonefile_count(again), n);
	free(recs);
	recs = malloc(n * sizeof(*recs));
	for (size_t i = 0; i < zonefile_count(again); i++)
		recs[i] = *zonefile_record(again, i);
	CHECK_EQ(zonefile_write(recs, zonefile_count(again), apex, sizeof(apex), &out2, &out2_len),
		 0);
	CHECK(out2 != NULL && strcmp(out, out2) == 0);
	free(recs);
	free(out);
	free(out2);
	zonefile_free(zf);
	zonefile_free(again);
}

static void test_write_escapes(void)
{
	struct zonefile *zf = NULL, *again = NULL;
	struct zonefile_record rec;
	char *out = NULL;
	size_t out_len;

	/* Names and strings with every special character survive a round trip. */
	CHECK_EQ(parse("$TTL 60\n"
		       "a\\.b\\;c\\(\\)\\\"\\$\\@\\\\\\032 TXT \"q\\\"uote\\\\ \\000\\255 ;()\"\n",
		       &zf, NULL),
		 0);
	CHECK_EQ(zonefile_count(zf), 1);
	rec = *zonefile_record(zf, 0);
	CHECK_EQ(rec.owner[0], 12);
	CHECK(memcmp(rec.owner + 1, "a.b;c()\"$@\\ ", 12) == 0);
	CHECK(rec.rdata_len == 15 && memcmp(rec.rdata, "\16q\"uote\\ \0\377 ;()", 15) == 0);
	CHECK_EQ(zonefile_write(&rec, 1, apex, sizeof(apex), &out, &out_len), 0);
	CHECK_EQ(parse(out, &again, NULL), 0);
	CHECK_EQ(zonefile_count(again), 1);
	if (zonefile_count(again) == 1) {
		const struct zonefile_record *r = zonefile_record(again, 0);
		CHECK(r->owner_len == rec.owner_len &&
		      memcmp(r->owner, rec.owner, r->owner_len) == 0);
		CHECK(r->rdata_len == rec.rdata_len &&
		      memcmp(r->rdata, rec.rdata, r->rdata_len) == 0);
	}
	free(out);
	zonefile_free(zf);
	zonefile_free(again);
}

int main(void)
{
	RUN(test_parse_example);
	RUN(test_ttl_rules);
	RUN(test_errors);
	RUN(test_bounds);
	RUN(test_write_canonical);
	RUN(test_write_escapes);
	return tap_done();
}
