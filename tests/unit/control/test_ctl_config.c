/* SPDX-License-Identifier: BSD-3-Clause */
/* popd's config: the embedded default, every bound, every kind of mistake. */
#include "base.h"
#include "config.h"
#include "tap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_embedded_default(void)
{
	struct ctl_config cfg;
	char err[512] = "";

	CHECK_EQ(ctl_config_load_default(&cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.control.max_connections, 64);
	CHECK_EQ(cfg.control.max_request_bytes, 1048576);
	CHECK_EQ(cfg.control.idle_timeout_s, 300);
	CHECK_EQ(strlen(ctl_config_default_json), ctl_config_default_json_len);
	CHECK(strstr(ctl_config_default_json, "\"Control\"") != NULL);
}

/* Parse text over the defaults; on failure the message must name `field`. */
static int parse_over_default(const char *text, struct ctl_config *cfg, const char *field)
{
	char err[512] = "";
	int rc;

	ctl_config_load_default(cfg, NULL, 0);
	rc = ctl_config_parse(text, strlen(text), "test.json", cfg, err, sizeof(err));
	if (field != NULL && (rc == 0 || strstr(err, field) == NULL)) {
		printf("#   %s: rc %d, message \"%s\" lacks \"%s\"\n", text, rc, err, field);
		tap_current_failed = 1;
	}
	if (rc < 0 && strncmp(err, "test.json: ", 11) != 0) {
		printf("#   message \"%s\" does not name its origin\n", err);
		tap_current_failed = 1;
	}
	return rc;
}

static void test_partial_overlay(void)
{
	struct ctl_config cfg;

	CHECK_EQ(parse_over_default("{}", &cfg, NULL), 0);
	CHECK_EQ(cfg.control.max_connections, 64);
	CHECK_EQ(parse_over_default("{\"Control\": {}}", &cfg, NULL), 0);
	CHECK_EQ(parse_over_default("{\"Control\": {\"MaxConnections\": 2}}", &cfg, NULL), 0);
	CHECK_EQ(cfg.control.max_connections, 2);
	CHECK_EQ(cfg.control.max_request_bytes, 1048576);
	CHECK_EQ(cfg.control.idle_timeout_s, 300);
}

struct bound_case {
	const char *field;
	long long min, max;
};

static const struct bound_case bounds[] = {
    {"MaxConnections", 1, 65535},
    {"MaxRequestBytes", 4096, 67108864},
    {"IdleTimeoutSeconds", 1, 86400},
};

static void test_every_bound(void)
{
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const struct bound_case *b = &bounds[i];
		long long values[] = {b->min - 1, b->min, b->max, b->max + 1};
		char text[128], path[64], rule[96];
		struct ctl_config cfg;

		snprintf(path, sizeof(path), "Control.%s", b->field);
		snprintf(rule, sizeof(rule), "Control.%s: must be an integer from %lld to %lld",
			 b->field, b->min, b->max);
		for (size_t v = 0; v < 4; v++) {
			bool ok = v == 1 || v == 2;

			snprintf(text, sizeof(text), "{\"Control\": {\"%s\": %lld}}", b->field,
				 values[v]);
			int rc = parse_over_default(text, &cfg, ok ? NULL : rule);
			CHECK_EQ(rc, ok ? 0 : -POP_ECONFIG);
		}
		/* Wrong types get the same message. */
		const char *wrong[] = {"\"64\"", "64.0", "true", "null", "[64]", "{}"};
		for (size_t w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
			snprintf(text, sizeof(text), "{\"Control\": {\"%s\": %s}}", b->field,
				 wrong[w]);
			CHECK_EQ(parse_over_default(text, &cfg, rule), -POP_ECONFIG);
		}
	}
}

static void test_unknown_keys(void)
{
	struct ctl_config cfg;

	CHECK_EQ(parse_over_default("{\"Control\": {\"MaxConnection\": 5}}", &cfg,
				    "Control.MaxConnection: unknown field"),
		 -POP_ECONFIG);
	CHECK_EQ(parse_over_default("{\"Contrl\": {}}", &cfg, "Contrl: unknown field"),
		 -POP_ECONFIG);
	CHECK_EQ(parse_over_default("{\"Control\": 5}", &cfg, "Control: must be an object"),
		 -POP_ECONFIG);
	CHECK_EQ(parse_over_default("[]", &cfg, "must be a JSON object"), -POP_ECONFIG);
}

static void test_bad_json(void)
{
	struct ctl_config cfg;

	CHECK_EQ(parse_over_default("{\"Control\": {\n  \"MaxConnections\": }}", &cfg, "line 2"),
		 -POP_EFORMAT);
	CHECK_EQ(parse_over_default("", &cfg, "line"), -POP_EFORMAT);
	CHECK_EQ(parse_over_default("{\"Control\": {}, \"Control\": {}}", &cfg, "duplicate"),
		 -POP_EFORMAT);
}

static void test_refused_document_changes_nothing(void)
{
	struct ctl_config cfg;
	char err[256];

	ctl_config_load_default(&cfg, NULL, 0);
	const char *text = "{\"Control\": {\"MaxConnections\": 7, \"IdleTimeoutSeconds\": 0}}";
	CHECK_EQ(ctl_config_parse(text, strlen(text), NULL, &cfg, err, sizeof(err)), -POP_ECONFIG);
	CHECK_EQ(cfg.control.max_connections, 64);
	/* No origin: the message starts with the field. */
	CHECK(strncmp(err, "Control.IdleTimeoutSeconds:", 27) == 0);
}

static void test_load_file(void)
{
	char path[] = "/tmp/pop-test-config-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "{\"Control\": {\"IdleTimeoutSeconds\": 9}}\n";
	struct ctl_config cfg;
	char err[512] = "";

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	ctl_config_load_default(&cfg, NULL, 0);
	CHECK_EQ(ctl_config_load_file(path, &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.control.idle_timeout_s, 9);
	unlink(path);
	CHECK_EQ(ctl_config_load_file(path, &cfg, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, path) != NULL && strstr(err, "No such file") != NULL);
}

int main(void)
{
	RUN(test_embedded_default);
	RUN(test_partial_overlay);
	RUN(test_every_bound);
	RUN(test_unknown_keys);
	RUN(test_bad_json);
	RUN(test_refused_document_changes_nothing);
	RUN(test_load_file);
	return tap_done();
}
