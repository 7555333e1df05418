/* SPDX-License-Identifier: BSD-3-Clause */
/* Validation is table-driven so every field gets the same checks and messages. */
#include "config.h"

#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct config_field {
	const char *name;
	uint32_t min, max;
	size_t offset;	/* of the uint32_t in struct ctl_config */
	size_t str_len; /* not 0: a string field, of a char[str_len] at offset */
};

struct config_section {
	const char *name;
	const struct config_field *fields;
	size_t count;
	const char *known; /* for "unknown field" messages */
};

static const struct config_field control_fields[] = {
    {"MaxConnections", 1, 65535, offsetof(struct ctl_config, control.max_connections)},
    {"MaxRequestBytes", 4096, 67108864, offsetof(struct ctl_config, control.max_request_bytes)},
    {"IdleTimeoutSeconds", 1, 86400, offsetof(struct ctl_config, control.idle_timeout_s)},
};

#define API_FIELD(name)	 offsetof(struct ctl_config, api.name)
#define API_STRING(name) API_FIELD(name), sizeof(((struct ctl_config *)0)->api.name)
static const struct config_field api_fields[] = {
    {"Port", 0, 65535, API_FIELD(port), 0},
    {"MaxConnections", 1, 65535, API_FIELD(max_connections), 0},
    {"MaxRequestBytes", 4096, 67108864, API_FIELD(max_request_bytes), 0},
    {"MaxHeaders", 8, 128, API_FIELD(max_headers), 0},
    {"IdleTimeoutSeconds", 1, 86400, API_FIELD(idle_timeout_s), 0},
    {"RequestsPerSecond", 1, 1000000, API_FIELD(requests_per_second), 0},
    {"Burst", 1, 1000000, API_FIELD(burst), 0},
    {"Listen", 0, 0, API_STRING(listen)},
    {"CertificateFile", 0, 0, API_STRING(certificate_file)},
    {"KeyFile", 0, 0, API_STRING(key_file)},
    {"AccountId", 0, 0, API_STRING(account_id)},
};

static const struct config_section sections[] = {
    {"Control", control_fields, sizeof(control_fields) / sizeof(control_fields[0]),
     "MaxConnections, MaxRequestBytes, IdleTimeoutSeconds"},
    {"Api", api_fields, sizeof(api_fields) / sizeof(api_fields[0]),
     "Port, MaxConnections, MaxRequestBytes, MaxHeaders, IdleTimeoutSeconds, "
     "RequestsPerSecond, Burst, Listen, CertificateFile, KeyFile, AccountId"},
};

#define SECTION_NAMES "Control, Api, Bootstrap"

static int config_fail(char *err, size_t err_len, int rc, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int config_fail(char *err, size_t err_len, int rc, const char *origin, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (err == NULL || err_len == 0)
		return rc;
	if (origin != NULL)
		n = snprintf(err, err_len, "%s: ", origin);
	if (n < 0 || (size_t)n >= err_len)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

/* The offending value, short enough for one log line. */
static void describe_value(const json_t *value, char *out, size_t out_len)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

	if (text == NULL) {
		snprintf(out, out_len, "?");
		return;
	}
	if (strlen(text) > 40)
		snprintf(out, out_len, "%.37s...", text);
	else
		snprintf(out, out_len, "%s", text);
	free(text);
}

static int apply_section(const struct config_section *sec, json_t *obj, struct ctl_config *next,
			 const char *origin, char *err, size_t err_len)
{
	const char *key;
	json_t *value;
	char got[48];

	if (!json_is_object(obj)) {
		describe_value(obj, got, sizeof(got));
		return config_fail(err, err_len, -POP_ECONFIG, origin,
				   "%s: must be an object, got %s", sec->name, got);
	}
	json_object_foreach(obj, key, value)
	{
		const struct config_field *f = NULL;

		for (size_t i = 0; i < sec->count && f == NULL; i++)
			if (strcmp(sec->fields[i].name, key) == 0)
				f = &sec->fields[i];
		if (f == NULL)
			return config_fail(err, err_len, -POP_ECONFIG, origin,
					   "%s.%.64s: unknown field; known fields: %s", sec->name,
					   key, sec->known);
		if (f->str_len > 0) {
			if (!json_is_string(value) || json_string_length(value) >= f->str_len ||
			    strlen(json_string_value(value)) != json_string_length(value)) {
				describe_value(value, got, sizeof(got));
				return config_fail(
				    err, err_len, -POP_ECONFIG, origin,
				    "%s.%s: must be a string shorter than %zu bytes, "
				    "got %s",
				    sec->name, f->name, f->str_len, got);
			}
			memcpy((char *)next + f->offset, json_string_value(value),
			       json_string_length(value) + 1);
			continue;
		}
		if (!json_is_integer(value) || json_integer_value(value) < f->min ||
		    json_integer_value(value) > f->max) {
			describe_value(value, got, sizeof(got));
			return config_fail(err, err_len, -POP_ECONFIG, origin,
					   "%s.%s: must be an integer from %u to %u, got %s",
					   sec->name, f->name, f->min, f->max, got);
		}
		uint32_t v = (uint32_t)json_integer_value(value);
		memcpy((char *)next + f->offset, &v, sizeof(v));
	}
	return 0;
}

int ctl_config_parse(const char *text, size_t len, const char *origin, struct ctl_config *cfg,
		     char *err, size_t err_len)
{
	struct ctl_config next = *cfg;
	json_error_t jerr;
	const char *key;
	json_t *value;
	json_t *root;
	char got[48];
	int rc = 0;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return config_fail(err, err_len, -POP_EFORMAT, origin,
				   "line %d, column %d: %s; nothing was applied", jerr.line,
				   jerr.column, jerr.text);
	if (!json_is_object(root)) {
		describe_value(root, got, sizeof(got));
		rc = config_fail(err, err_len, -POP_ECONFIG, origin,
				 "the configuration must be a JSON object, got %s", got);
		goto out;
	}
	json_object_foreach(root, key, value)
	{
		const struct config_section *sec = NULL;

		/* Bootstrap is applied by popd through the command handlers, which
		 * validate it fully; here it only has to be an object. */
		if (strcmp(key, "Bootstrap") == 0) {
			if (!json_is_object(value)) {
				describe_value(value, got, sizeof(got));
				rc = config_fail(err, err_len, -POP_ECONFIG, origin,
						 "Bootstrap: must be an object, got %s", got);
				goto out;
			}
			continue;
		}
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && sec == NULL; i++)
			if (strcmp(sections[i].name, key) == 0)
				sec = &sections[i];
		if (sec == NULL) {
			rc = config_fail(err, err_len, -POP_ECONFIG, origin,
					 "%.64s: unknown field; known fields: %s", key,
					 SECTION_NAMES);
			goto out;
		}
		rc = apply_section(sec, value, &next, origin, err, err_len);
		if (rc < 0)
			goto out;
	}
	*cfg = next;
out:
	json_decref(root);
	return rc;
}

int ctl_config_load_default(struct ctl_config *cfg, char *err, size_t err_len)
{
	memset(cfg, 0, sizeof(*cfg));
	int rc = ctl_config_parse(ctl_config_default_json, ctl_config_default_json_len,
				  "embedded default config", cfg, err, err_len);
	/* A default that leaves a field unset would run popd with a zero bound. */
	if (rc == 0 && (cfg->control.max_connections == 0 || cfg->control.max_request_bytes == 0 ||
			cfg->control.idle_timeout_s == 0))
		rc = config_fail(err, err_len, -POP_ECONFIG, "embedded default config",
				 "Control: every field must be set");
	return rc;
}

int ctl_config_load_file(const char *path, struct ctl_config *cfg, char *err, size_t err_len)
{
	struct stat st;
	char *text;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return config_fail(err, err_len, rc, path, "cannot open: %s", pop_strerror(rc));
	}
	if (fstat(fd, &st) < 0 || st.st_size > CTL_CONFIG_MAX_FILE_BYTES) {
		close(fd);
		return config_fail(err, err_len, -EFBIG, path, "larger than %d bytes",
				   CTL_CONFIG_MAX_FILE_BYTES);
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		close(fd);
		return config_fail(err, err_len, -ENOMEM, path, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rc = ctl_config_parse(text, got, path, cfg, err, err_len);
	free(text);
	return rc;
}
