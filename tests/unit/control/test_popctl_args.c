/* SPDX-License-Identifier: BSD-3-Clause */
/* popctl's command line → request mapping, and its table output. */
#include "popctl.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_key(const char *option, const char *key)
{
	char out[64] = "";

	CHECK_EQ(popctl_option_key(option, out, sizeof(out)), 0);
	if (strcmp(out, key) != 0) {
		printf("#   --%s became \"%s\", expected \"%s\"\n", option, out, key);
		tap_current_failed = 1;
	}
}

static void test_option_key_kebab_to_pascal(void)
{
	char out[64];

	expect_key("hosted-zone-id", "HostedZoneId");
	expect_key("max-items", "MaxItems");
	expect_key("change-batch", "ChangeBatch");
	expect_key("paths", "Paths");
	expect_key("id", "Id");
	expect_key("if-match", "IfMatch");
	expect_key("dns-name", "DNSName");
	expect_key("default-ttl", "DefaultTTL");
	expect_key("vpc-id", "VPCId");
	expect_key("ipv6-enabled", "Ipv6Enabled");
	expect_key("HostedZoneId", "HostedZoneId");
	CHECK_EQ(popctl_option_key("", out, sizeof(out)), -EINVAL);
	CHECK_EQ(popctl_option_key("a--b", out, sizeof(out)), -EINVAL);
	CHECK_EQ(popctl_option_key("a-", out, sizeof(out)), -EINVAL);
	CHECK_EQ(popctl_option_key("-a", out, sizeof(out)), -EINVAL);
	CHECK_EQ(popctl_option_key("a_b", out, sizeof(out)), -EINVAL);
	CHECK_EQ(popctl_option_key("hosted-zone-id", out, 5), -EINVAL);
}

static void test_option_value_kinds(void)
{
	char err[256];
	json_t *v = NULL;

	CHECK_EQ(popctl_option_value("Z123", &v, err, sizeof(err)), 0);
	CHECK(json_is_string(v) && strcmp(json_string_value(v), "Z123") == 0);
	json_decref(v);
	/* Plain numbers stay strings, as AWS shapes like MaxItems are strings. */
	CHECK_EQ(popctl_option_value("5", &v, err, sizeof(err)), 0);
	CHECK(json_is_string(v));
	json_decref(v);
	CHECK_EQ(popctl_option_value("{\"Changes\": [1]}", &v, err, sizeof(err)), 0);
	CHECK(json_is_array(json_object_get(v, "Changes")));
	json_decref(v);
	CHECK_EQ(popctl_option_value("[1, 2]", &v, err, sizeof(err)), 0);
	CHECK_EQ(json_array_size(v), 2);
	json_decref(v);
	CHECK_EQ(popctl_option_value("{\"a\": ", &v, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "invalid JSON") != NULL);
	CHECK_EQ(popctl_option_value("[1,]", &v, err, sizeof(err)), -EINVAL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_option_value_file(void)
{
	char dir[] = "/tmp/pop-test-popctl-XXXXXX";
	char json_path[128], text_path[128], arg[160], err[256];
	json_t *v = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(json_path, sizeof(json_path), "%s/batch.json", dir);
	snprintf(text_path, sizeof(text_path), "%s/comment.txt", dir);
	write_file(json_path, "{\"Changes\": [{\"Action\": \"UPSERT\"}]}\n");
	write_file(text_path, "not { json\n");

	snprintf(arg, sizeof(arg), "file://%s", json_path);
	CHECK_EQ(popctl_option_value(arg, &v, err, sizeof(err)), 0);
	CHECK(json_is_object(v) && json_is_array(json_object_get(v, "Changes")));
	json_decref(v);

	snprintf(arg, sizeof(arg), "file://%s", text_path);
	CHECK_EQ(popctl_option_value(arg, &v, err, sizeof(err)), 0);
	CHECK(json_is_string(v) && strcmp(json_string_value(v), "not { json\n") == 0);
	json_decref(v);

	snprintf(arg, sizeof(arg), "file://%s/missing", dir);
	CHECK_EQ(popctl_option_value(arg, &v, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "missing") != NULL);

	unlink(json_path);
	unlink(text_path);
	rmdir(dir);
}

static int parse_argv(struct popctl_cli *cli, char *err, size_t err_len, const char *env,
		      const char *const *args)
{
	char *argv[32] = {"popctl"};
	int argc = 1;

	while (args[argc - 1] != NULL && argc < 31) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return popctl_parse_args(argc, argv, env, cli, err, err_len);
}

/* parse(cli, err, err_len, env, ARGS...): argv with "popctl" in front. */
#define parse(cli, err, err_len, env, ...)                                                         \
	parse_argv(cli, err, err_len, env, (const char *const[]){__VA_ARGS__, NULL})

static void test_parse_args_mapping(void)
{
	struct popctl_cli cli;
	char err[512];
	char *text;

	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "route53", "list-hosted-zones", "--max-items",
		       "5", "--hosted-zone-id=Z1", "--dry-run", "--paths", "/a", "/b*",
		       "--change-batch", "{\"Changes\":[]}", "--output", "table"),
		 0);
	CHECK(strcmp(cli.command, "route53 list-hosted-zones") == 0);
	CHECK_EQ(cli.output, POPCTL_OUTPUT_TABLE);
	CHECK(strcmp(cli.socket_path, POPCTL_DEFAULT_SOCKET) == 0);
	text = json_dumps(cli.args, JSON_COMPACT);
	CHECK(text != NULL &&
	      strcmp(text, "{\"MaxItems\":\"5\",\"HostedZoneId\":\"Z1\",\"DryRun\":true,"
			   "\"Paths\":[\"/a\",\"/b*\"],\"ChangeBatch\":{\"Changes\":[]}}") == 0);
	if (text != NULL && tap_current_failed)
		printf("#   args: %s\n", text);
	free(text);
	popctl_cli_release(&cli);

	/* A flag at the very end is true too; a negative number is a value. */
	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "x", "--weight", "-5", "--force"), 0);
	CHECK(strcmp(json_string_value(json_object_get(cli.args, "Weight")), "-5") == 0);
	CHECK(json_is_true(json_object_get(cli.args, "Force")));
	popctl_cli_release(&cli);
}

static void test_parse_args_cli_input_json(void)
{
	struct popctl_cli cli;
	char err[512];
	char *text;

	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "dataplane", "attach", "--cli-input-json",
		       "{\"pid\": 7, \"Name\": \"a\"}", "--name", "b"),
		 0);
	text = json_dumps(cli.args, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(text != NULL && strcmp(text, "{\"Name\":\"b\",\"pid\":7}") == 0);
	free(text);
	popctl_cli_release(&cli);

	err[0] = '\0';
	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "x", "--cli-input-json", "[1]"), -EINVAL);
	CHECK(strstr(err, "--cli-input-json") != NULL);
	popctl_cli_release(&cli);
}

static void test_parse_args_socket_choice(void)
{
	struct popctl_cli cli;
	char err[512];

	CHECK_EQ(parse(&cli, err, sizeof(err), "/env.sock", "status"), 0);
	CHECK(strcmp(cli.socket_path, "/env.sock") == 0);
	popctl_cli_release(&cli);
	CHECK_EQ(parse(&cli, err, sizeof(err), "/env.sock", "--instance", "lab", "status"), 0);
	CHECK(strcmp(cli.socket_path, "/run/pop/lab/control.sock") == 0);
	popctl_cli_release(&cli);
	CHECK_EQ(parse(&cli, err, sizeof(err), "/env.sock", "status", "--socket", "/s.sock",
		       "--instance", "lab", "--timeout-ms", "250"),
		 0);
	CHECK(strcmp(cli.socket_path, "/s.sock") == 0);
	CHECK_EQ(cli.timeout_ms, 250);
	CHECK_EQ(json_object_size(cli.args), 0);
	popctl_cli_release(&cli);
}

static void expect_usage_error(const char *what, int rc, const char *err)
{
	if (rc != -EINVAL) {
		printf("#   %s: rc %d, expected a usage error\n", what, rc);
		tap_current_failed = 1;
	} else if (err[0] == '\0') {
		printf("#   %s: no message\n", what);
		tap_current_failed = 1;
	}
}

static void test_parse_args_usage_errors(void)
{
	struct popctl_cli cli;
	char err[512];
	int rc;

#define USAGE(...)                                                                                 \
	do {                                                                                       \
		err[0] = '\0';                                                                     \
		rc = parse(&cli, err, sizeof(err), NULL, __VA_ARGS__);                             \
		expect_usage_error(#__VA_ARGS__, rc, err);                                         \
		popctl_cli_release(&cli);                                                          \
	} while (0)

	USAGE("--output", "xml", "status");
	USAGE("--output");
	USAGE("--timeout-ms", "0", "status");
	USAGE("--timeout-ms", "5s", "status");
	USAGE("--instance", "../etc", "status");
	USAGE("--bogus", "status");
	USAGE("x", "--a", "1", "--a", "2");
	USAGE("--a", "1", "x");
	USAGE("x", "--change-batch", "{bad");
	USAGE("x", "--a_b", "1");
	USAGE("x", "--a", "file:///nonexistent/pop/file");
	USAGE("st\"atus");
#undef USAGE

	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "--help"), 0);
	CHECK(cli.help);
	popctl_cli_release(&cli);
	CHECK_EQ(parse(&cli, err, sizeof(err), NULL, "--version"), 0);
	CHECK(cli.version);
	CHECK(cli.command[0] == '\0');
	popctl_cli_release(&cli);
}

static char *render_table(const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	CHECK(v != NULL && out != NULL);
	CHECK_EQ(popctl_print_table(out, v), 0);
	fclose(out);
	json_decref(v);
	return buf;
}

static void expect_text(const char *got, const char *want)
{
	if (got == NULL || strcmp(got, want) != 0) {
		char *copy = strdup(got != NULL ? got : "(null)");

		printf("#   table differs; got:\n");
		for (char *l = strtok(copy, "\n"); l != NULL; l = strtok(NULL, "\n"))
			printf("#   |%s|\n", l);
		free(copy);
		tap_current_failed = 1;
	}
}

static void test_table_output(void)
{
	char *text = render_table("{\"version\":\"0.1.0\",\"dataplane\":{\"attached\":true,"
				  "\"ports\":[\"p0\",\"p1\"],\"stats\":{\"rx\":5}},\"empty\":{}}");

	expect_text(text, "version             0.1.0\n"
			  "dataplane.attached  true\n"
			  "dataplane.ports     p0, p1\n"
			  "dataplane.stats.rx  5\n"
			  "empty               {}\n");
	free(text);

	text = render_table("{\"commands\":[{\"command\":\"help\",\"usage\":\"h\"},"
			    "{\"command\":\"status\",\"more\":{\"x\":1}}]}");
	expect_text(text, "commands\n"
			  "command  usage  more.x\n"
			  "-------  -----  ------\n"
			  "help     h      -\n"
			  "status   -      1\n");
	free(text);
}

int main(void)
{
	RUN(test_option_key_kebab_to_pascal);
	RUN(test_option_value_kinds);
	RUN(test_option_value_file);
	RUN(test_parse_args_mapping);
	RUN(test_parse_args_cli_input_json);
	RUN(test_parse_args_socket_choice);
	RUN(test_parse_args_usage_errors);
	RUN(test_table_output);
	return tap_done();
}
