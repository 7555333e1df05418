/* SPDX-License-Identifier: BSD-3-Clause */
/* Request lines, response lines and command dispatch, with no socket. */
#include "base.h"
#include "sock.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BYTES 4096

static int parse(const char *line, struct ctl_request *req, struct ctl_error *err)
{
	return ctl_request_parse(line, strlen(line), MAX_BYTES, req, err);
}

static void test_parse_valid(void)
{
	struct ctl_request req;
	struct ctl_error err;

	CHECK_EQ(parse("{\"id\": 7, \"command\": \"status\"}", &req, &err), 0);
	CHECK(req.has_id);
	CHECK_EQ(req.id, 7);
	CHECK(strcmp(req.command, "status") == 0);
	CHECK(json_is_object(req.args) && json_object_size(req.args) == 0);
	ctl_request_release(&req);

	/* No id, extra spaces between words, args kept, a trailing \r tolerated. */
	CHECK_EQ(
	    parse("{\"command\":\"  dataplane   attach \",\"args\":{\"pid\":3}}\r", &req, &err), 0);
	CHECK(!req.has_id);
	CHECK(strcmp(req.command, "dataplane attach") == 0);
	CHECK_EQ(json_integer_value(json_object_get(req.args, "pid")), 3);
	ctl_request_release(&req);

	/* null id and null args mean absent. */
	CHECK_EQ(parse("{\"id\":null,\"command\":\"help\",\"args\":null}", &req, &err), 0);
	CHECK(!req.has_id);
	CHECK(json_is_object(req.args));
	ctl_request_release(&req);

	CHECK_EQ(parse("{\"id\":-5,\"command\":\"help\"}", &req, &err), 0);
	CHECK_EQ(req.id, -5);
	ctl_request_release(&req);
	ctl_request_release(&req); /* twice is harmless */
}

static void expect_invalid(const char *line, const char *message_part, int expect_id)
{
	struct ctl_request req;
	struct ctl_error err;
	int rc = parse(line, &req, &err);

	CHECK_EQ(rc, -POP_EFORMAT);
	CHECK(strcmp(err.code, "InvalidRequest") == 0);
	if (strstr(err.message, message_part) == NULL) {
		printf("#   for %s: message \"%s\" lacks \"%s\"\n", line, err.message,
		       message_part);
		tap_current_failed = 1;
	}
	CHECK_EQ(req.has_id, expect_id >= 0);
	if (expect_id >= 0)
		CHECK_EQ(req.id, expect_id);
	ctl_request_release(&req);
}

static void test_parse_invalid_json(void)
{
	expect_invalid("{\"command\": \"status\"", "not valid JSON at byte", -1);
	expect_invalid("", "not valid JSON", -1);
	expect_invalid("status", "not valid JSON", -1);
	expect_invalid("{\"command\":\"a\",\"command\":\"b\"}", "not valid JSON", -1);
	expect_invalid("{\"command\":\"status\"} {}", "not valid JSON", -1);
}

static void test_parse_non_object(void)
{
	expect_invalid("[1,2]", "must be a JSON object, got an array", -1);
	expect_invalid("\"status\"", "must be a JSON object, got a string", -1);
	expect_invalid("42", "must be a JSON object, got an integer", -1);
	expect_invalid("null", "got null", -1);
}

static void test_parse_missing_or_bad_command(void)
{
	expect_invalid("{\"id\":3}", "command: missing", 3);
	expect_invalid("{\"id\":4,\"command\":5}", "command: must be a string, got an integer", 4);
	expect_invalid("{\"id\":5,\"command\":\"   \"}", "command: is empty", 5);
	expect_invalid("{\"id\":6,\"command\":\"st\\u0001atus\"}", "not printable ASCII", 6);
	expect_invalid("{\"id\":7,\"command\":\"st\\u00e9\"}", "not printable ASCII", 7);
	expect_invalid("{\"id\":1.5,\"command\":\"status\"}", "id: must be an integer", -1);
	expect_invalid("{\"id\":\"1\",\"command\":\"status\"}", "id: must be an integer", -1);
	expect_invalid("{\"id\":8,\"command\":\"status\",\"args\":[]}", "args: must be an object",
		       8);
	expect_invalid("{\"id\":9,\"command\":\"status\",\"arg\":{}}", "arg: unknown member", 9);

	char long_command[400];
	memset(long_command, 0, sizeof(long_command));
	strcpy(long_command, "{\"command\":\"");
	memset(long_command + strlen(long_command), 'a', CTL_COMMAND_MAX_BYTES + 1);
	strcat(long_command, "\"}");
	expect_invalid(long_command, "longer than 256 bytes", -1);
}

static void test_parse_oversize(void)
{
	struct ctl_request req;
	struct ctl_error err;
	size_t len = MAX_BYTES + 1;
	char *line = malloc(len);

	memset(line, ' ', len);
	memcpy(line, "{\"command\":\"status\"}", 20);
	CHECK_EQ(ctl_request_parse(line, len, MAX_BYTES, &req, &err), -POP_ELIMIT);
	CHECK(strcmp(err.code, "RequestTooLarge") == 0);
	CHECK(strstr(err.message, "MaxRequestBytes") != NULL);
	ctl_request_release(&req);
	/* Exactly the limit is fine. */
	CHECK_EQ(ctl_request_parse(line, MAX_BYTES, MAX_BYTES, &req, &err), 0);
	ctl_request_release(&req);
	free(line);
}

static void test_response_render(void)
{
	struct ctl_error err = {.code = "UnknownCommand", .message = "line\nbreak"};
	json_t *result = json_pack("{s:i}", "n", 1);
	size_t len = 0;
	char *line;

	line = ctl_response_render(true, 12, result, NULL, &len);
	CHECK(line != NULL && strcmp(line, "{\"id\":12,\"ok\":true,\"result\":{\"n\":1}}\n") == 0);
	CHECK_EQ(len, strlen(line));
	free(line);

	line = ctl_response_render(false, 0, NULL, NULL, &len);
	CHECK(line != NULL && strcmp(line, "{\"id\":null,\"ok\":true,\"result\":{}}\n") == 0);
	free(line);

	/* One message is one line even when a message has a newline in it. */
	line = ctl_response_render(false, 0, NULL, &err, &len);
	CHECK(line != NULL);
	CHECK(strcmp(line, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"UnknownCommand\","
			   "\"message\":\"line\\nbreak\"}}\n") == 0);
	CHECK(memchr(line, '\n', len - 1) == NULL);
	free(line);
	json_decref(result);
}

/* Run one line through a socket-less server and return the parsed response. */
static json_t *execute(struct ctl_server *srv, const char *line, int *rc)
{
	char *response = NULL;
	size_t len = 0;
	json_t *msg;

	*rc = ctl_server_execute(srv, NULL, line, strlen(line), &response, &len);
	if (response == NULL)
		return NULL;
	CHECK(len > 0 && response[len - 1] == '\n');
	msg = json_loadb(response, len, 0, NULL);
	free(response);
	return msg;
}

static const char *error_code(const json_t *msg)
{
	return json_string_value(json_object_get(json_object_get(msg, "error"), "code"));
}

static struct ctl_server *make_server(void)
{
	struct ctl_server_config cfg = {
	    .instance = "unit",
	    .max_connections = 4,
	    .max_request_bytes = MAX_BYTES,
	    .idle_timeout_s = 10,
	};
	struct ctl_server *srv = NULL;

	CHECK_EQ(ctl_server_create(&cfg, &srv), 0);
	return srv;
}

static void test_dispatch_builtin(void)
{
	struct ctl_server *srv = make_server();
	json_t *msg;
	int rc;

	msg = execute(srv, "{\"id\":1,\"command\":\"status\"}", &rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 1);
	CHECK(json_is_true(json_object_get(msg, "ok")));
	json_t *result = json_object_get(msg, "result");
	CHECK(strcmp(json_string_value(json_object_get(result, "version")), POP_VERSION) == 0);
	CHECK(strcmp(json_string_value(json_object_get(result, "instance")), "unit") == 0);
	CHECK(json_is_false(json_object_get(json_object_get(result, "dataplane"), "attached")));
	CHECK(json_is_null(json_object_get(result, "socket")));
	const char *started = json_string_value(json_object_get(result, "started_at"));
	CHECK(started != NULL && strlen(started) == 20 && started[10] == 'T' && started[19] == 'Z');
	json_decref(msg);

	msg = execute(srv, "{\"command\":\"help\"}", &rc);
	CHECK_EQ(rc, 0);
	json_t *commands = json_object_get(json_object_get(msg, "result"), "commands");
	CHECK_EQ(json_array_size(commands), 5);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(commands, 0), "command")),
		     "help") == 0);
	json_decref(msg);

	msg = execute(srv, "{\"command\":\"stats\"}", &rc);
	CHECK_EQ(rc, 0);
	result = json_object_get(msg, "result");
	CHECK_EQ(
	    json_integer_value(json_object_get(json_object_get(result, "control"), "requests")), 3);
	CHECK(json_is_null(json_object_get(result, "dataplane")));
	CHECK(json_is_null(json_object_get(result, "dataplane_stats_age_ms")));
	json_decref(msg);

	/* Commands without arguments refuse stray ones (a typo'd option). */
	msg = execute(srv, "{\"command\":\"status\",\"args\":{\"Outpt\":\"x\"}}", &rc);
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "InvalidParameterValue") == 0);
	json_decref(msg);

	/* Without a connection there is nothing to attach or to be attached. */
	msg = execute(srv, "{\"command\":\"dataplane stats\",\"args\":{\"rx\":1}}", &rc);
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "NotAttached") == 0);
	json_decref(msg);
	ctl_server_destroy(srv);
}

static void test_dispatch_unknown_command(void)
{
	struct ctl_server *srv = make_server();
	json_t *msg;
	int rc;

	msg = execute(srv, "{\"id\":9,\"command\":\"route53 list-hosted-zones\"}", &rc);
	CHECK_EQ(rc, 1);
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 9);
	CHECK(json_is_false(json_object_get(msg, "ok")));
	CHECK(strcmp(error_code(msg), "UnknownCommand") == 0);
	const char *message =
	    json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
	CHECK(message != NULL && strstr(message, "\"route53 list-hosted-zones\"") != NULL);
	json_decref(msg);

	/* A prefix of real commands names them. */
	msg = execute(srv, "{\"command\":\"dataplane\"}", &rc);
	message = json_string_value(json_object_get(json_object_get(msg, "error"), "message"));
	CHECK(message != NULL && strstr(message, "\"dataplane attach\"") != NULL);
	json_decref(msg);

	msg = execute(srv, "not json", &rc);
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "InvalidRequest") == 0);
	CHECK(json_is_null(json_object_get(msg, "id")));
	json_decref(msg);

	msg = execute(srv, "{\"command\":\"stats\"}", &rc);
	json_t *control = json_object_get(json_object_get(msg, "result"), "control");
	CHECK_EQ(json_integer_value(json_object_get(control, "requests")), 4);
	CHECK_EQ(json_integer_value(json_object_get(control, "errors")), 3);
	json_decref(msg);
	ctl_server_destroy(srv);
}

static int echo_calls;

static int cmd_echo(struct ctl_call *call)
{
	echo_calls++;
	call->result = json_pack("{s:O}", "echo", call->args);
	return 0;
}

static int cmd_fail(struct ctl_call *call)
{
	return ctl_call_fail(call, -EINVAL, "InvalidParameterValue", "args.x: must be %d", 5);
}

static int cmd_crash(struct ctl_call *call)
{
	return -ENOMEM;
}

static const struct ctl_command extra_commands[] = {
    {"test echo", "test echo {...}", cmd_echo},
    {"test fail", "test fail", cmd_fail},
    {"test crash", "test crash", cmd_crash},
};

static void test_dispatch_added_table(void)
{
	static const struct ctl_command clash[] = {{"status", "again", cmd_echo}};
	struct ctl_server *srv = make_server();
	json_t *msg;
	int rc;

	CHECK_EQ(ctl_server_add_commands(srv, extra_commands, 3), 0);
	CHECK_EQ(ctl_server_add_commands(srv, clash, 1), -EEXIST);
	CHECK(ctl_command_find(extra_commands, 3, "test fail") == &extra_commands[1]);
	CHECK(ctl_command_find(extra_commands, 3, "test") == NULL);

	msg = execute(srv, "{\"id\":2,\"command\":\"test   echo\",\"args\":{\"a\":[1]}}", &rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(echo_calls, 1);
	CHECK_EQ(
	    json_integer_value(json_array_get(
		json_object_get(json_object_get(json_object_get(msg, "result"), "echo"), "a"), 0)),
	    1);
	json_decref(msg);

	msg = execute(srv, "{\"command\":\"test fail\"}", &rc);
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "InvalidParameterValue") == 0);
	json_decref(msg);

	/* A handler that fails without saying why still gets a named error. */
	msg = execute(srv, "{\"command\":\"test crash\"}", &rc);
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "InternalFailure") == 0);
	json_decref(msg);

	msg = execute(srv, "{\"command\":\"help\"}", &rc);
	CHECK_EQ(json_array_size(json_object_get(json_object_get(msg, "result"), "commands")), 8);
	json_decref(msg);
	ctl_server_destroy(srv);
}

static void test_server_create_rejects_bad_config(void)
{
	struct ctl_server_config cfg = {
	    .instance = "x", .max_connections = 1, .max_request_bytes = 4096, .idle_timeout_s = 1};
	struct ctl_server *srv = NULL;

	cfg.max_connections = 0;
	CHECK_EQ(ctl_server_create(&cfg, &srv), -EINVAL);
	cfg.max_connections = 1;
	cfg.instance = "";
	CHECK_EQ(ctl_server_create(&cfg, &srv), -EINVAL);
	cfg.instance = "x";
	CHECK_EQ(ctl_server_create(&cfg, &srv), 0);
	/* No socket path: listen and run refuse rather than guess. */
	CHECK_EQ(ctl_server_listen(srv), -EINVAL);
	CHECK_EQ(ctl_server_run(srv), -EINVAL);
	ctl_server_destroy(srv);
	ctl_server_destroy(NULL);
}

/* A message quoting broken UTF-8 from a client still renders as valid JSON. */
static void test_render_repairs_utf8(void)
{
	struct ctl_error err = {.code = "InvalidInput"};
	char *line;
	size_t len;
	json_t *msg;

	snprintf(err.message, sizeof(err.message),
		 "value \"a\xc3\" or \xff\xfe or \xed\xa0\x80: %s", "\xe2\x82\xac ok");
	line = ctl_response_render(true, 3, NULL, &err, &len);
	CHECK(line != NULL);
	msg = line ? json_loadb(line, len, 0, NULL) : NULL;
	CHECK(msg != NULL);
	CHECK(strcmp(error_code(msg), "InvalidInput") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(msg, "error"), "message")),
		     "value \"a?\" or ?? or ???: \xe2\x82\xac ok") == 0);
	json_decref(msg);
	free(line);
}

static void test_help_filters_by_words(void)
{
	struct ctl_server *srv = make_server();
	json_t *msg, *list;
	int rc;

	msg = execute(srv, "{\"command\":\"help dataplane\"}", &rc);
	CHECK_EQ(rc, 0);
	list = json_object_get(json_object_get(msg, "result"), "commands");
	CHECK_EQ(json_array_size(list), 2);
	json_decref(msg);
	msg = execute(srv, "{\"command\":\"help data\"}", &rc); /* words, not prefixes */
	CHECK_EQ(rc, 1);
	CHECK(strcmp(error_code(msg), "UnknownCommand") == 0);
	json_decref(msg);
	ctl_server_destroy(srv);
}

static void test_transaction_member(void)
{
	struct ctl_request req;
	struct ctl_error err;

	CHECK_EQ(ctl_request_parse("{\"command\":\"status\",\"transaction\":\"TABC\"}", 41,
				   MAX_BYTES, &req, &err),
		 0);
	CHECK(strcmp(req.transaction, "TABC") == 0);
	ctl_request_release(&req);
	CHECK(ctl_request_parse("{\"command\":\"status\",\"transaction\":7}", 37, MAX_BYTES, &req,
				&err) < 0);
	CHECK(strcmp(err.code, "InvalidRequest") == 0);
	ctl_request_release(&req);
}

int main(void)
{
	pop_log_set_level(POP_LOG_ERR);
	RUN(test_parse_valid);
	RUN(test_parse_invalid_json);
	RUN(test_parse_non_object);
	RUN(test_parse_missing_or_bad_command);
	RUN(test_parse_oversize);
	RUN(test_response_render);
	RUN(test_dispatch_builtin);
	RUN(test_dispatch_unknown_command);
	RUN(test_dispatch_added_table);
	RUN(test_server_create_rejects_bad_config);
	RUN(test_render_repairs_utf8);
	RUN(test_help_filters_by_words);
	RUN(test_transaction_member);
	return tap_done();
}
