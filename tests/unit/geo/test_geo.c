/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popd's geo module driven through ctl_server_execute() the way popd runs it
 * (a mutating hook that wraps each change in a store transaction, then
 * txn_publish()), on a store and tables in a temporary directory, with
 * MaxMind DB files the test writes itself with Debian's
 * libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree).
 */
#include "env.h"
#include "popd_harness.h"
#include "geo.h"
#include "geo_ctl.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "tap.h"
#include "txn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct harness_module modules[] = {
    {geo_init, geo_commands, &geo_command_count},
};
static struct harness h = {.modules = modules, .n_modules = 1, .max_request_bytes = 16u << 20};
static char db_v6[300], db_v4[300], db_asn[300], db_junk[300];
static bool have_writer;

/*
 * The test databases. Both City-style ones hold the same IPv4 networks (a /16
 * with a /24 cut out of it, a network known only by its registered country);
 * the IPv6 one also holds IPv6 networks and the IPv4 aliases
 * (::ffff:0:0/96, 2002::/16); the ASN one holds no geo fact at all.
 */
static const char writer_script[] =
    "use strict; use warnings;\n"
    "use MaxMind::DB::Writer::Tree;\n"
    "my ($dir) = @ARGV;\n"
    "my %types = (continent => 'map', country => 'map', registered_country => 'map',\n"
    "  code => 'utf8_string', iso_code => 'utf8_string', location => 'map',\n"
    "  latitude => 'double', longitude => 'double', subdivisions => ['array', 'map'],\n"
    "  names => 'map', en => 'utf8_string', autonomous_system_number => 'uint32');\n"
    "sub geo { my ($cont, $cc, $sub, $lat, $lon) = @_;\n"
    "  my %d = (continent => {code => $cont, names => {en => 'x'}});\n"
    "  $d{country} = {iso_code => $cc} if $cc;\n"
    "  $d{subdivisions} = [{iso_code => $sub}] if $sub;\n"
    "  $d{location} = {latitude => $lat, longitude => $lon} if defined $lat;\n"
    "  return \\%d; }\n"
    "sub tree { my ($v, $type, $size) = @_;\n"
    "  return MaxMind::DB::Writer::Tree->new(ip_version => $v, record_size => $size,\n"
    "    database_type => $type, languages => ['en'], description => {en => 'pop test'},\n"
    "    map_key_type_callback => sub { $types{$_[0]} }, remove_reserved_networks => 0,\n"
    "    alias_ipv6_to_ipv4 => $v == 6 ? 1 : 0); }\n"
    "sub v4 { my ($t) = @_;\n"
    "  $t->insert_network('198.18.0.0/24', geo('EU', 'DE', undef, 52.52, 13.405));\n"
    "  $t->insert_network('198.18.1.0/24', geo('EU', 'FR', undef, 48.8566, 2.3522));\n"
    "  $t->insert_network('198.18.2.0/23', geo('NA', 'US', 'CA', 37.7749, -122.4194));\n"
    "  my $jp = geo('AS', undef); $jp->{registered_country} = {iso_code => 'JP'};\n"
    "  $t->insert_network('198.18.9.0/24', $jp);\n"
    "  $t->insert_network('198.19.0.0/16', geo('NA', 'US', undef, 39.8283, -98.5795));\n"
    "  $t->insert_network('198.19.5.0/24', geo('EU', 'DE')); }\n"
    "sub out { my ($t, $name) = @_; open my $fh, '>:raw', \"$dir/$name\" or die;\n"
    "  $t->write_tree($fh); close $fh or die; }\n"
    "my $t6 = tree(6, 'Test-City', 24); v4($t6);\n"
    "$t6->insert_network('2001:2::/48', geo('NA', 'US'));\n"
    "$t6->insert_network('2001:2:0:1::/64', geo('EU', 'FR', undef, 48.8566, 2.3522));\n"
    "$t6->insert_network('2001:2:0:100::/56', geo('NA', 'US', 'CA', 34.0522, -118.2437));\n"
    "out($t6, 'city6.mmdb');\n"
    "my $t4 = tree(4, 'Test-City-IPv4', 32); v4($t4); out($t4, 'city4.mmdb');\n"
    "my $ta = tree(6, 'Test-ASN', 28);\n"
    "$ta->insert_network('198.18.0.0/15', {autonomous_system_number => 64500});\n"
    "out($ta, 'asn.mmdb');\n";

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void setup(void)
{
	char script[300], cmd[700];
	uint8_t junk[4096];

	harness_mkdtemp(&h, "geo-test");
	snprintf(db_v6, sizeof(db_v6), "%s/city6.mmdb", h.dir);
	snprintf(db_v4, sizeof(db_v4), "%s/city4.mmdb", h.dir);
	snprintf(db_asn, sizeof(db_asn), "%s/asn.mmdb", h.dir);
	snprintf(db_junk, sizeof(db_junk), "%s/junk.mmdb", h.dir);
	snprintf(script, sizeof(script), "%s/write.pl", h.dir);
	write_file(script, writer_script, sizeof(writer_script) - 1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	write_file(db_junk, junk, sizeof(junk));
	snprintf(cmd, sizeof(cmd), "perl '%s' '%s' 2>&1", script, h.dir);
	have_writer = system(cmd) == 0 && access(db_v6, R_OK) == 0;
	harness_start(&h);
}

#define run(...) harness_run(&h, __VA_ARGS__)

static const char *err_code(void)
{
	return harness_error_code(&h);
}

static const char *err_message(void)
{
	return json_string_value(json_object_get(json_object_get(h.last, "error"), "message"));
}

/* The error has this code and its message holds each of the NULL-terminated parts. */
static bool error_has_all(const char *code, const char *const *parts)
{
	const char *c = err_code(), *m = err_message();
	bool ok = c != NULL && m != NULL && strcmp(c, code) == 0;

	for (; ok && *parts != NULL; parts++)
		ok = strstr(m, *parts) != NULL;
	if (!ok)
		printf("#   got %s: %s\n#   want %s\n", c ? c : "(none)", m ? m : "(none)", code);
	return ok;
}

#define error_has(code, ...) error_has_all(code, (const char *const[]){__VA_ARGS__})

static json_t *json_path_get(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *part;
	json_t *v = (json_t *)obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part != NULL && v != NULL;
	     part = strtok_r(NULL, ".", &save)) {
		if (part[0] >= '0' && part[0] <= '9')
			v = json_array_get(v, (size_t)atoi(part));
		else
			v = json_object_get(v, part);
	}
	return v;
}

static const char *str_at(const json_t *obj, const char *path)
{
	return json_string_value(json_path_get(obj, path));
}

static long long int_at(const json_t *obj, const char *path)
{
	return json_integer_value(json_path_get(obj, path));
}

static void publish(void)
{
	CHECK_EQ(txn_publish(&h.env, 1u << TABLES_KIND_GEO), 0);
}

/* What `geo lookup` and geo_lookup() should say about one address. */
struct expect {
	const char *address;
	bool found;
	const char *continent, *country, *subdivision, *region;
	int32_t lat_e4, lon_e4; /* both 0: no location */
	const char *prefix;	/* the scope block */
};

static const struct expect city_v4[] = {
    {"198.18.0.1", true, "EU", "DE", "", "", 525200, 134050, "198.18.0.0/24"},
    {"198.18.0.255", true, "EU", "DE", "", "", 525200, 134050, "198.18.0.0/24"},
    {"198.18.1.77", true, "EU", "FR", "", "", 488566, 23522, "198.18.1.0/24"},
    {"198.18.3.1", true, "NA", "US", "CA", "", 377749, -1224194, "198.18.2.0/23"},
    /* Known only by its registered country. */
    {"198.18.9.9", true, "AS", "JP", "", "", 0, 0, "198.18.9.0/24"},
    /* The /16 and the /24 cut out of it: the longest match. */
    {"198.19.0.1", true, "NA", "US", "", "", 398283, -985795, "198.19.0.0/22"},
    {"198.19.5.5", true, "EU", "DE", "", "", 0, 0, "198.19.5.0/24"},
    {"198.19.6.1", true, "NA", "US", "", "", 398283, -985795, "198.19.6.0/23"},
    {"198.19.255.255", true, "NA", "US", "", "", 398283, -985795, "198.19.128.0/17"},
    /* Misses. */
    {"198.18.4.1", false, "", "", "", "", 0, 0, "198.18.4.0/22"},
    {"198.20.0.1", false, "", "", "", "", 0, 0, "198.20.0.0/14"},
    {"10.1.2.3", false, "", "", "", "", 0, 0, "0.0.0.0/1"},
    /* IPv4-mapped IPv6: the IPv4 table answers. */
    {"::ffff:198.18.1.77", true, "EU", "FR", "", "", 488566, 23522, "::ffff:198.18.1.0/120"},
};

static const struct expect city_v6[] = {
    {"2001:2::1", true, "NA", "US", "", "", 0, 0, "2001:2::/64"},
    {"2001:2:0:1::5", true, "EU", "FR", "", "", 488566, 23522, "2001:2:0:1::/64"},
    {"2001:2:0:2::1", true, "NA", "US", "", "", 0, 0, "2001:2:0:2::/63"},
    {"2001:2:0:1ab::1", true, "NA", "US", "CA", "", 340522, -1182437, "2001:2:0:100::/56"},
    {"2001:2:0:8000::1", true, "NA", "US", "", "", 0, 0, "2001:2:0:8000::/49"},
    {"2001:2:1::1", false, "", "", "", "", 0, 0, "2001:2:1::/48"},
    {"2001:db8::1", false, "", "", "", "", 0, 0, NULL},
    /* 6to4 is an alias of IPv4 in the file: not read as IPv6 networks. */
    {"2002:c612:1::", false, "", "", "", "", 0, 0, NULL},
};

static bool same(const char *got, const char *want)
{
	return strcmp(got != NULL ? got : "", want) == 0;
}

/* Through the command, and straight through geo_lookup() on the mapped table. */
static void check_lookups(const struct expect *e, size_t n, const struct tables_snapshot *s)
{
	for (size_t i = 0; i < n; i++) {
		json_t *r = run("geo lookup", "{'Address': '%s'}", e[i].address);
		const json_t *coords = json_path_get(r, "Coordinates");
		struct geo_answer a;
		uint8_t addr[16] = {0};
		bool v4 = inet_pton(AF_INET, e[i].address, addr) == 1, ok, found;
		char lat[24], lon[24];

		if (!v4)
			inet_pton(AF_INET6, e[i].address, addr);
		snprintf(lat, sizeof(lat), "%s%d.%04d", e[i].lat_e4 < 0 ? "-" : "",
			 abs(e[i].lat_e4) / 10000, abs(e[i].lat_e4) % 10000);
		snprintf(lon, sizeof(lon), "%s%d.%04d", e[i].lon_e4 < 0 ? "-" : "",
			 abs(e[i].lon_e4) / 10000, abs(e[i].lon_e4) % 10000);
		ok = r != NULL && json_is_true(json_object_get(r, "Found")) == e[i].found &&
		     same(str_at(r, "GeoLocation.ContinentCode"), e[i].continent) &&
		     same(str_at(r, "GeoLocation.CountryCode"), e[i].country) &&
		     same(str_at(r, "GeoLocation.SubdivisionCode"), e[i].subdivision) &&
		     same(str_at(r, "Region"), e[i].region) &&
		     (e[i].prefix == NULL || same(str_at(r, "Prefix"), e[i].prefix)) &&
		     ((e[i].lat_e4 == 0 && e[i].lon_e4 == 0)
			  ? coords == NULL
			  : (same(str_at(r, "Coordinates.Latitude"), lat) &&
			     same(str_at(r, "Coordinates.Longitude"), lon)));
		if (!ok) {
			char *dump = json_dumps(h.last, JSON_COMPACT);
			printf("#   %s: %s\n", e[i].address, dump != NULL ? dump : "?");
			free(dump);
		}
		CHECK(ok);
		if (s == NULL)
			continue;
		found = geo_lookup(s, v4 ? 4 : 6, addr, &a);
		ok = found == e[i].found && same(a.continent, e[i].continent) &&
		     same(a.country, e[i].country) && same(a.subdivision, e[i].subdivision) &&
		     same(a.region, e[i].region) &&
		     a.have_location == (e[i].lat_e4 != 0 || e[i].lon_e4 != 0) &&
		     a.latitude_e4 == e[i].lat_e4 && a.longitude_e4 == e[i].lon_e4 &&
		     (e[i].prefix == NULL ||
		      a.scope_prefix == (uint8_t)atoi(strchr(e[i].prefix, '/') + 1));
		if (!ok)
			printf("#   geo_lookup %s: found %d %s %s %s %s %d %d /%u\n", e[i].address,
			       found, a.continent, a.country, a.subdivision, a.region,
			       a.latitude_e4, a.longitude_e4, a.scope_prefix);
		CHECK(ok);
	}
}

/* The geo table popd published h.last, mapped and checked as popdp maps it. */
static struct tables_snapshot *map_published(void)
{
	struct tables_snapshot *s = NULL;
	uint64_t gen = tables_root_published(h.env.root, TABLES_KIND_GEO);

	if (gen == 0 || tables_snapshot_map(h.tables_dir, TABLES_KIND_GEO, gen, &s) < 0)
		return NULL;
	if (geo_table_check(s) == NULL) {
		tables_snapshot_unmap(s);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------------ tests */

static void test_writer(void)
{
	if (!have_writer)
		TAP_SKIP("MaxMind::DB::Writer::Tree (libmaxmind-db-writer-perl) is not usable");
	CHECK(access(db_v4, R_OK) == 0);
	CHECK(access(db_asn, R_OK) == 0);
}

static void test_empty_start(void)
{
	json_t *r;

	publish();
	r = run("geo get-status", "{}");
	CHECK(r != NULL);
	CHECK(json_is_null(json_object_get(r, "Database")));
	CHECK_EQ(int_at(r, "LatencyPrefixCount"), 0);
	CHECK_EQ(int_at(r, "Table.Generation"), 1);
	CHECK(json_is_false(json_path_get(r, "Table.DatabaseLoaded")));
	CHECK(same(str_at(r, "LastCompile.Source"), "none"));
	r = run("geo lookup", "{'Address': '198.18.0.1'}");
	CHECK(r != NULL && json_is_false(json_object_get(r, "Found")));
	CHECK(same(str_at(r, "Prefix"), "0.0.0.0/0"));
	CHECK(run("geo get-status", "{'Verbose': true}") == NULL);
	CHECK(error_has("InvalidInput", "Unknown parameter in input: \"Verbose\"", NULL));
}

static void test_load_errors(void)
{
	char missing[320];

	snprintf(missing, sizeof(missing), "%s/absent.mmdb", h.dir);
	CHECK(run("geo load-database", "{'Path': '%s'}", missing) == NULL);
	CHECK(error_has("InvalidParameterValue", missing, "No such file or directory",
			"the geo database was not changed", NULL));
	CHECK(run("geo load-database", "{'Path': '%s'}", db_junk) == NULL);
	CHECK(error_has("InvalidParameterValue", db_junk, "not a valid MaxMind DB file", NULL));
	CHECK(run("geo load-database", "{'Path': 'city6.mmdb'}") == NULL);
	CHECK(error_has("InvalidParameterValue", "not an absolute path", NULL));
	CHECK(run("geo load-database", "{}") == NULL);
	CHECK(error_has("InvalidInput", "Missing required parameter in input: \"Path\"", NULL));
	CHECK(run("geo load-database", "{'Path': 7}") == NULL);
	CHECK(error_has("InvalidInput",
			"Invalid type for parameter Path, value: 7, type: <class 'int'>, valid "
			"types: <class 'str'>",
			NULL));
	CHECK(run("geo load-database", "{'Path': '/x', 'Mode': 'fast'}") == NULL);
	CHECK(error_has("InvalidInput",
			"Unknown parameter in input: \"Mode\", must be one of: Path", NULL));
	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	CHECK(run("geo load-database", "{'Path': '%s'}", db_asn) == NULL);
	CHECK(error_has("InvalidParameterValue", db_asn, "no network has geo facts", "Test-ASN",
			NULL));
	/* Nothing was stored. */
	CHECK(json_is_null(json_object_get(run("geo get-status", "{}"), "Database")));
}

static void test_load_and_lookup(void)
{
	struct tables_snapshot *s;
	json_t *r;

	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	r = run("geo load-database", "{'Path': '%s'}", db_v6);
	CHECK(r != NULL);
	CHECK(same(str_at(r, "Database.Path"), db_v6));
	CHECK(same(str_at(r, "Database.DatabaseType"), "Test-City"));
	CHECK_EQ(int_at(r, "Database.IpVersion"), 6);
	CHECK_EQ(int_at(r, "Database.RecordSize"), 24);
	CHECK(int_at(r, "Database.BuildEpoch") > 1600000000);
	CHECK(int_at(r, "Database.Ipv4Networks") >= 6); /* the /16 comes in pieces */
	CHECK(int_at(r, "Database.Ipv6Networks") >= 3);
	CHECK(same(str_at(r, "ChangeInfo.Status"), "PENDING"));
	CHECK(str_at(r, "ChangeInfo.Id") != NULL);
	publish();
	s = map_published();
	CHECK(s != NULL);
	check_lookups(city_v4, sizeof(city_v4) / sizeof(city_v4[0]), s);
	check_lookups(city_v6, sizeof(city_v6) / sizeof(city_v6[0]), s);
	tables_snapshot_unmap(s);
	r = run("geo get-status", "{}");
	CHECK(same(str_at(r, "Database.Path"), db_v6));
	CHECK(json_is_true(json_path_get(r, "Table.DatabaseLoaded")));
	CHECK(same(str_at(r, "LastCompile.Source"), "file"));
	CHECK(json_is_null(json_path_get(r, "LastCompile.Error")));
	CHECK_EQ(int_at(r, "Table.BuildEpoch"), int_at(r, "Database.BuildEpoch"));
	/* Lookup arguments. */
	CHECK(run("geo lookup", "{'Address': '198.18.0.1/24'}") == NULL);
	CHECK(error_has("InvalidParameterValue", "not an IPv4 or IPv6 address", NULL));
	CHECK(run("geo lookup", "{}") == NULL);
	CHECK(error_has("InvalidInput", "Missing required parameter in input: \"Address\"", NULL));
}

static void test_bad_file_keeps_database(void)
{
	json_t *r;

	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	CHECK(run("geo load-database", "{'Path': '%s'}", db_junk) == NULL);
	CHECK(error_has("InvalidParameterValue", db_junk, NULL));
	r = run("geo get-status", "{}");
	CHECK(same(str_at(r, "Database.Path"), db_v6));
	check_lookups(city_v4, 3, NULL);
}

/* The city database with the latency table of test_latency_prefixes(). */
static const struct expect with_regions[] = {
    {"198.18.0.1", true, "EU", "DE", "", "us-east-1", 525200, 134050, "198.18.0.0/24"},
    /* A longer latency prefix overrides the wider one. */
    {"198.18.1.77", true, "EU", "FR", "", "eu-west-3", 488566, 23522, "198.18.1.0/24"},
    /* No database fact: the latency prefix adds the region alone. */
    {"198.18.4.1", true, "", "", "", "us-east-1", 0, 0, "198.18.4.0/22"},
    {"203.0.113.7", true, "", "", "", "ap-southeast-2", 0, 0, "203.0.113.0/24"},
    {"198.19.5.5", true, "EU", "DE", "", "eu-central-1", 0, 0, "198.19.5.0/24"},
    {"198.19.200.1", true, "NA", "US", "", "us-east-1", 398283, -985795, "198.19.128.0/17"},
    {"2001:2:0:1ab::1", true, "NA", "US", "CA", "us-west-1", 340522, -1182437, "2001:2:0:100::/56"},
    {"2001:2::1", true, "NA", "US", "", "", 0, 0, "2001:2::/64"},
    {"198.20.0.1", false, "", "", "", "", 0, 0, "198.20.0.0/14"},
};

static void test_latency_prefixes(void)
{
	struct tables_snapshot *s;
	json_t *r;

	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	r = run("geo put-latency-prefixes",
		"{'Prefixes': [{'Prefix': '198.18.0.0/15', 'Region': 'us-east-1'},"
		"{'Prefix': '198.18.1.0/24', 'Region': 'eu-west-3'},"
		"{'Prefix': '198.19.5.0/24', 'Region': 'eu-central-1'},"
		"{'Prefix': '203.0.113.0/24', 'Region': 'ap-southeast-2'},"
		"{'Prefix': '2001:0002:0000:0100::/56', 'Region': 'us-west-1'}]}");
	CHECK(r != NULL);
	CHECK_EQ(int_at(r, "PrefixCount"), 5);
	CHECK(same(str_at(r, "ChangeInfo.Status"), "PENDING"));
	publish();
	s = map_published();
	CHECK(s != NULL);
	check_lookups(with_regions, sizeof(with_regions) / sizeof(with_regions[0]), s);
	tables_snapshot_unmap(s);
	/* The table popd published came from the published database, not the file. */
	r = run("geo get-status", "{}");
	CHECK(same(str_at(r, "LastCompile.Source"), "snapshot"));
	CHECK_EQ(int_at(r, "LatencyPrefixCount"), 5);
	CHECK_EQ(int_at(r, "Table.LatencyPrefixes"), 5);
	r = run("geo list-latency-prefixes", "{}");
	CHECK_EQ(json_array_size(json_object_get(r, "Prefixes")), 5);
	CHECK(same(str_at(r, "Prefixes.0.Prefix"), "198.18.0.0/15"));
	CHECK(same(str_at(r, "Prefixes.4.Prefix"), "2001:2:0:100::/56"));
	CHECK(same(str_at(r, "Prefixes.4.Region"), "us-west-1"));

	/* Refused changes change nothing. */
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': '198.18.0.1/24', 'Region': 'us-east-1'}]}") == NULL);
	CHECK(error_has("InvalidParameterValue", "Prefixes[0].Prefix \"198.18.0.1/24\"",
			"host bits zero", NULL));
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': '198.18.0.0/24', 'Region': 'us-east-1'},"
		  "{'Prefix': '198.18.0.0/33', 'Region': 'us-east-1'}]}") == NULL);
	CHECK(error_has("InvalidParameterValue", "Prefixes[1].Prefix", NULL));
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': '198.18.0.0/24', 'Region': 'mars-north-1'}]}") == NULL);
	CHECK(error_has("InvalidParameterValue", "Prefixes[0].Region \"mars-north-1\"", NULL));
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': '198.18.0.0/24', 'Region': 'us-east-1'},"
		  "{'Prefix': '198.18.0.0/24', 'Region': 'eu-west-1'}]}") == NULL);
	CHECK(error_has("InvalidParameterValue", "Prefixes[1].Prefix 198.18.0.0/24",
			"more than once", NULL));
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': '198.18.0.0/24', 'Region': 'us-east-1', "
		  "'Weight': 1}]}") == NULL);
	CHECK(error_has("InvalidInput",
			"Unknown parameter in Prefixes[0]: \"Weight\", must be one of: Prefix, "
			"Region",
			NULL));
	CHECK(run("geo put-latency-prefixes", "{'Prefixes': [{'Prefix': '198.18.0.0/24'}]}") ==
	      NULL);
	CHECK(error_has("InvalidInput", "Missing required parameter in Prefixes[0]: \"Region\"",
			NULL));
	CHECK(run("geo put-latency-prefixes", "{'Prefixes': '198.18.0.0/24'}") == NULL);
	CHECK(error_has("InvalidInput", "Invalid type for parameter Prefixes", NULL));
	CHECK(run("geo put-latency-prefixes", "{'Prefixes': [5]}") == NULL);
	CHECK(error_has("InvalidInput", "Invalid type for parameter Prefixes[0]", NULL));
	CHECK(run("geo put-latency-prefixes",
		  "{'Prefixes': [{'Prefix': 5, 'Region': 'us-east-1'}]}") == NULL);
	CHECK(error_has("InvalidInput", "Invalid type for parameter Prefixes[0].Prefix", NULL));
	r = run("geo list-latency-prefixes", "{}");
	CHECK_EQ(json_array_size(json_object_get(r, "Prefixes")), 5);
}

static char published_file[400];

/* popd stops and starts again: the table is rebuilt from the store alone. */
static void test_restart(void)
{
	struct tables_snapshot *s;
	json_t *r;
	uint64_t gen;

	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	harness_stop(&h);
	harness_start(&h);
	publish();
	r = run("geo get-status", "{}");
	/* /run still holds the table of this load: the file is not read again. */
	CHECK(same(str_at(r, "LastCompile.Source"), "snapshot"));
	CHECK(same(str_at(r, "Database.Path"), db_v6));
	s = map_published();
	CHECK(s != NULL);
	check_lookups(with_regions, sizeof(with_regions) / sizeof(with_regions[0]), s);
	tables_snapshot_unmap(s);

	/* After a reboot /run is empty: the file is read again. */
	gen = tables_root_published(h.env.root, TABLES_KIND_GEO);
	snprintf(published_file, sizeof(published_file), "%s/geo.%016llx", h.tables_dir,
		 (unsigned long long)gen);
	CHECK_EQ(unlink(published_file), 0);
	publish();
	r = run("geo get-status", "{}");
	CHECK(same(str_at(r, "LastCompile.Source"), "file"));
	check_lookups(with_regions, sizeof(with_regions) / sizeof(with_regions[0]), NULL);

	/* ... and when the file is gone too, popd still publishes: latency only, error shown. */
	gen = tables_root_published(h.env.root, TABLES_KIND_GEO);
	snprintf(published_file, sizeof(published_file), "%s/geo.%016llx", h.tables_dir,
		 (unsigned long long)gen);
	CHECK_EQ(unlink(published_file), 0);
	CHECK_EQ(rename(db_v6, db_junk), 0);
	publish(); /* logs an ERR line naming the file */
	r = run("geo get-status", "{}");
	CHECK(same(str_at(r, "LastCompile.Source"), "none"));
	CHECK(str_at(r, "LastCompile.Error") != NULL &&
	      strstr(str_at(r, "LastCompile.Error"), db_v6) != NULL);
	CHECK(json_is_false(json_path_get(r, "Table.DatabaseLoaded")));
	r = run("geo lookup", "{'Address': '198.18.1.77'}");
	CHECK(json_is_true(json_object_get(r, "Found")));
	CHECK(json_object_get(r, "GeoLocation") == NULL);
	CHECK(same(str_at(r, "Region"), "eu-west-3"));
	CHECK_EQ(rename(db_junk, db_v6), 0);
	/* The next build finds the file again. */
	publish();
	check_lookups(with_regions, sizeof(with_regions) / sizeof(with_regions[0]), NULL);
}

static void test_ipv4_database(void)
{
	static const struct expect v6_none[] = {
	    {"2001:2:0:1::5", false, "", "", "", "", 0, 0, NULL},
	};
	struct tables_snapshot *s;
	json_t *r;

	if (!have_writer)
		TAP_SKIP("no MaxMind DB writer");
	CHECK(run("geo put-latency-prefixes", "{'Prefixes': []}") != NULL);
	r = run("geo load-database", "{'Path': '%s'}", db_v4);
	CHECK(r != NULL);
	CHECK_EQ(int_at(r, "Database.IpVersion"), 4);
	CHECK_EQ(int_at(r, "Database.RecordSize"), 32);
	CHECK_EQ(int_at(r, "Database.Ipv6Networks"), 0);
	publish();
	s = map_published();
	CHECK(s != NULL);
	check_lookups(city_v4, sizeof(city_v4) / sizeof(city_v4[0]), s);
	check_lookups(v6_none, 1, s);
	tables_snapshot_unmap(s);
}

static void test_help(void)
{
	const struct ctl_command *c = ctl_server_lookup(h.srv, "geo load-database");

	CHECK(c != NULL && (c->flags & CTL_CMD_MUTATES));
	c = ctl_server_lookup(h.srv, "geo put-latency-prefixes");
	CHECK(c != NULL && (c->flags & CTL_CMD_MUTATES));
	c = ctl_server_lookup(h.srv, "geo lookup");
	CHECK(c != NULL && !(c->flags & CTL_CMD_MUTATES));
	CHECK(ctl_server_lookup(h.srv, "geo get-status") != NULL);
	CHECK_EQ(geo_command_count, 5);
}

int main(void)
{
	setup();
	RUN(test_writer);
	RUN(test_empty_start);
	RUN(test_load_errors);
	RUN(test_load_and_lookup);
	RUN(test_bad_file_keeps_database);
	RUN(test_latency_prefixes);
	RUN(test_restart);
	RUN(test_ipv4_database);
	RUN(test_help);
	harness_remove(&h);
	return tap_done();
}
