/* SPDX-License-Identifier: BSD-3-Clause */
/* The command line, read the way AWS CLI users expect it to be read. */
#include "popctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int args_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int args_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Whole segments the AWS models spell upper case (DNSName, DefaultTTL, VPCId). */
static const char *const acronyms[] = {"dns", "ttl", "vpc"};

int popctl_option_key(const char *option, char *key, size_t key_len)
{
	size_t n = 0;
	const char *seg = option;

	if (option[0] == '\0')
		return -EINVAL;
	while (*seg != '\0') {
		size_t seg_len = strcspn(seg, "-");
		const char *acronym = NULL;

		if (seg_len == 0)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(acronyms) / sizeof(acronyms[0]); i++)
			if (strlen(acronyms[i]) == seg_len &&
			    strncasecmp(seg, acronyms[i], seg_len) == 0)
				acronym = acronyms[i];
		for (size_t i = 0; i < seg_len; i++) {
			char c = seg[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9')))
				return -EINVAL;
			if (acronym != NULL || (i == 0 && c >= 'a' && c <= 'z'))
				c = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
			if (n + 1 >= key_len)
				return -EINVAL;
			key[n++] = c;
		}
		seg += seg_len;
		if (*seg == '-') {
			seg++;
			if (*seg == '\0')
				return -EINVAL;
		}
	}
	key[n] = '\0';
	return 0;
}

static int read_file(const char *path, char **text, size_t *len, char *err, size_t err_len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		rc = -errno;
		return args_fail(err, err_len, rc, "file://%s: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st) < 0 || st.st_size > POPCTL_FILE_MAX_BYTES) {
		close(fd);
		return args_fail(err, err_len, -EFBIG, "file://%s: larger than %d bytes", path,
				 POPCTL_FILE_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int popctl_option_value(const char *text, json_t **value, char *err, size_t err_len)
{
	json_error_t jerr;

	if (strncmp(text, "file://", 7) == 0) {
		char *content = NULL;
		size_t len = 0;
		int rc = read_file(text + 7, &content, &len, err, err_len);

		if (rc < 0)
			return rc;
		*value = json_loadb(content, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
		if (*value == NULL)
			*value = json_stringn(content, len);
		free(content);
		if (*value == NULL)
			return args_fail(err, err_len, -EINVAL, "%s: neither JSON nor UTF-8 text",
					 text);
		return 0;
	}
	if (text[0] == '{' || text[0] == '[') {
		*value = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		if (*value == NULL)
			return args_fail(err, err_len, -EINVAL, "invalid JSON at column %d: %s",
					 jerr.column, jerr.text);
		return 0;
	}
	*value = json_string(text);
	if (*value == NULL)
		return args_fail(err, err_len, -EINVAL, "\"%s\" is not UTF-8 text", text);
	return 0;
}

static bool is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] == '-' && arg[2] != '\0';
}

/* Take a global option's value: "--name=value" or the next argument. */
static int global_value(int argc, char *const *argv, int *i, const char *name,
			const char *inline_value, const char **value, char *err, size_t err_len)
{
	if (inline_value != NULL) {
		*value = inline_value;
		return 0;
	}
	if (*i + 1 >= argc || is_option(argv[*i + 1]))
		return args_fail(err, err_len, -EINVAL, "--%s needs a value", name);
	*value = argv[++*i];
	return 0;
}

static bool instance_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       len;
}

static int add_word(struct popctl_cli *cli, const char *word, char *err, size_t err_len)
{
	size_t have = strlen(cli->command);
	size_t len = strlen(word);

	if (len == 0 || strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789-_.:/") != len)
		return args_fail(err, err_len, -EINVAL,
				 "\"%s\" is not a command word; options take the form --name VALUE",
				 word);
	if (have + len + 1 > POPCTL_COMMAND_MAX_BYTES)
		return args_fail(err, err_len, -EINVAL, "the command is longer than %d bytes",
				 POPCTL_COMMAND_MAX_BYTES);
	if (have > 0)
		cli->command[have++] = ' ';
	memcpy(cli->command + have, word, len + 1);
	return 0;
}

/* A command option: its values are the following arguments up to the next --option. */
static int command_option(struct popctl_cli *cli, int argc, char *const *argv, int *i,
			  const char *name, const char *inline_value, char *err, size_t err_len)
{
	char key[128];
	char why[512];
	json_t *value = NULL;
	int count = 0;
	int rc;

	if (popctl_option_key(name, key, sizeof(key)) < 0)
		return args_fail(err, err_len, -EINVAL,
				 "--%s: option names are words of A-Z a-z 0-9 joined by -", name);
	/* The zonal-shift and readiness models name their members in camelCase. */
	if (strncmp(cli->command, "arc ", 4) == 0 &&
	    (strstr(cli->command, "zonal-shift") != NULL ||
	     strstr(cli->command, "managed-resource") != NULL ||
	     strstr(cli->command, "readiness") != NULL ||
	     strstr(cli->command, "resource-set") != NULL) &&
	    key[0] >= 'A' && key[0] <= 'Z')
		key[0] = (char)(key[0] - 'A' + 'a');
	if (json_object_get(cli->args, key) != NULL)
		return args_fail(err, err_len, -EINVAL, "--%s given twice", name);
	while (inline_value != NULL || (*i + 1 < argc && !is_option(argv[*i + 1]))) {
		const char *text = inline_value != NULL ? inline_value : argv[++*i];
		json_t *item;

		rc = popctl_option_value(text, &item, why, sizeof(why));
		if (rc < 0) {
			json_decref(value);
			return args_fail(err, err_len, rc == -ENOMEM ? rc : -EINVAL, "--%s: %s",
					 name, why);
		}
		if (count == 0) {
			value = item;
		} else {
			if (count == 1) {
				json_t *list = json_array();
				json_array_append_new(list, value);
				value = list;
			}
			json_array_append_new(value, item);
		}
		count++;
		if (inline_value != NULL)
			break;
	}
	if (count == 0)
		value = json_true();
	if (json_object_set_new(cli->args, key, value) < 0)
		return -ENOMEM;
	return 0;
}

int popctl_parse_args(int argc, char *const *argv, const char *env_socket, struct popctl_cli *cli,
		      char *err, size_t err_len)
{
	const char *socket_arg = NULL, *instance_arg = NULL;
	bool options_started = false;
	int rc;

	memset(cli, 0, sizeof(*cli));
	cli->output = POPCTL_OUTPUT_JSON;
	cli->timeout_ms = POPCTL_DEFAULT_TIMEOUT_MS;
	cli->args = json_object();
	if (cli->args == NULL)
		return -ENOMEM;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char name[128];
		const char *inline_value = NULL;
		const char *value = NULL;

		if (!is_option(arg)) {
			if (strcmp(arg, "-h") == 0) {
				cli->help = true;
				continue;
			}
			if (options_started)
				return args_fail(err, err_len, -EINVAL,
						 "\"%s\": command words come before options", arg);
			rc = add_word(cli, arg, err, err_len);
			if (rc < 0)
				return rc;
			continue;
		}
		size_t name_len = strcspn(arg + 2, "=");
		if (name_len >= sizeof(name))
			return args_fail(err, err_len, -EINVAL, "option name too long: %.40s...",
					 arg);
		memcpy(name, arg + 2, name_len);
		name[name_len] = '\0';
		if (arg[2 + name_len] == '=')
			inline_value = arg + 2 + name_len + 1;

		if (strcmp(name, "help") == 0) {
			cli->help = true;
		} else if (strcmp(name, "version") == 0) {
			cli->version = true;
		} else if (strcmp(name, "socket") == 0) {
			rc = global_value(argc, argv, &i, name, inline_value, &socket_arg, err,
					  err_len);
			if (rc < 0)
				return rc;
		} else if (strcmp(name, "instance") == 0) {
			rc = global_value(argc, argv, &i, name, inline_value, &instance_arg, err,
					  err_len);
			if (rc < 0)
				return rc;
			if (!instance_name_valid(instance_arg))
				return args_fail(
				    err, err_len, -EINVAL,
				    "--instance: \"%s\" must be 1 to 64 of A-Z a-z 0-9 "
				    ". _ -",
				    instance_arg);
		} else if (strcmp(name, "output") == 0) {
			rc = global_value(argc, argv, &i, name, inline_value, &value, err, err_len);
			if (rc < 0)
				return rc;
			if (strcmp(value, "json") == 0)
				cli->output = POPCTL_OUTPUT_JSON;
			else if (strcmp(value, "table") == 0)
				cli->output = POPCTL_OUTPUT_TABLE;
			else
				return args_fail(err, err_len, -EINVAL,
						 "--output: \"%s\" is not json or table", value);
		} else if (strcmp(name, "transaction") == 0) {
			rc = global_value(argc, argv, &i, name, inline_value, &value, err, err_len);
			if (rc < 0)
				return rc;
			if (strlen(value) == 0 || strlen(value) >= sizeof(cli->transaction))
				return args_fail(err, err_len, -EINVAL,
						 "--transaction: \"%s\" is not a transaction id",
						 value);
			snprintf(cli->transaction, sizeof(cli->transaction), "%s", value);
		} else if (strcmp(name, "timeout-ms") == 0) {
			char *end;

			rc = global_value(argc, argv, &i, name, inline_value, &value, err, err_len);
			if (rc < 0)
				return rc;
			errno = 0;
			cli->timeout_ms = strtol(value, &end, 10);
			if (errno != 0 || *end != '\0' || end == value || cli->timeout_ms < 1 ||
			    cli->timeout_ms > 3600000)
				return args_fail(
				    err, err_len, -EINVAL,
				    "--timeout-ms: \"%s\" is not a whole number from 1 "
				    "to 3600000",
				    value);
		} else if (cli->command[0] == '\0') {
			return args_fail(err, err_len, -EINVAL,
					 "--%s: unknown option before the command; a command's "
					 "options come after its words",
					 name);
		} else {
			options_started = true;
			rc = command_option(cli, argc, argv, &i, name, inline_value, err, err_len);
			if (rc < 0)
				return rc;
		}
	}

	/* --cli-input-json gives the whole args object, as in the AWS CLI; options
	 * given beside it override its members. It is also the only way to send
	 * members that are not PascalCase. */
	json_t *input = json_object_get(cli->args, "CliInputJson");
	if (input != NULL) {
		json_t *merged;

		if (!json_is_object(input))
			return args_fail(err, err_len, -EINVAL,
					 "--cli-input-json: must be a JSON object (inline or "
					 "file://PATH)");
		merged = json_deep_copy(input);
		if (merged == NULL)
			return -ENOMEM;
		json_object_del(cli->args, "CliInputJson");
		json_object_update(merged, cli->args);
		json_decref(cli->args);
		cli->args = merged;
	}

	if (socket_arg != NULL)
		rc = snprintf(cli->socket_path, sizeof(cli->socket_path), "%s", socket_arg);
	else if (instance_arg != NULL)
		rc = snprintf(cli->socket_path, sizeof(cli->socket_path),
			      "/run/pop/%s/control.sock", instance_arg);
	else if (env_socket != NULL && env_socket[0] != '\0')
		rc = snprintf(cli->socket_path, sizeof(cli->socket_path), "%s", env_socket);
	else
		rc = snprintf(cli->socket_path, sizeof(cli->socket_path), "%s",
			      POPCTL_DEFAULT_SOCKET);
	if (rc < 0 || (size_t)rc >= sizeof(cli->socket_path))
		return args_fail(err, err_len, -EINVAL, "socket path too long");
	return 0;
}

void popctl_cli_release(struct popctl_cli *cli)
{
	json_decref(cli->args);
	cli->args = NULL;
}
