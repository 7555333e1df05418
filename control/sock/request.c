/* SPDX-License-Identifier: BSD-3-Clause */
/* Request lines in, response lines out, and the command look-up between. */
#include "sock_pvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int request_fail(struct ctl_error *err, int rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int request_fail(struct ctl_error *err, int rc, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* Words are compared as text, so "dataplane   attach" must become
 * "dataplane attach" before the look-up. */
static int normalize_command(const char *text, size_t len, char *out, struct ctl_error *err)
{
	size_t n = 0;
	bool in_word = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t') {
			in_word = false;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return request_fail(
			    err, -POP_EFORMAT, "InvalidRequest",
			    "command: byte %zu is not printable ASCII; commands are "
			    "words like \"status\" or \"dataplane attach\"",
			    i);
		if (!in_word && n > 0) {
			if (n >= CTL_COMMAND_MAX_BYTES)
				goto too_long;
			out[n++] = ' ';
		}
		in_word = true;
		if (n >= CTL_COMMAND_MAX_BYTES)
			goto too_long;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 0)
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "command: is empty; send \"help\" for the list of commands");
	return 0;
too_long:
	return request_fail(err, -POP_EFORMAT, "InvalidRequest", "command: longer than %d bytes",
			    CTL_COMMAND_MAX_BYTES);
}

int ctl_request_parse(const char *line, size_t len, size_t max_bytes, struct ctl_request *req,
		      struct ctl_error *err)
{
	json_error_t jerr;
	const char *key;
	json_t *value;
	json_t *command;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	if (len > max_bytes)
		return request_fail(
		    err, -POP_ELIMIT, "RequestTooLarge",
		    "request line of %zu bytes exceeds Control.MaxRequestBytes (%zu); "
		    "the connection is closed",
		    len, max_bytes);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (req->root == NULL)
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "not valid JSON at byte %d: %s; send one JSON object per line",
				    jerr.position, jerr.text);
	if (!json_is_object(req->root))
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "a request must be a JSON object, got %s",
				    json_kind(req->root));

	value = json_object_get(req->root, "id");
	if (value != NULL && !json_is_null(value)) {
		if (!json_is_integer(value))
			return request_fail(err, -POP_EFORMAT, "InvalidRequest",
					    "id: must be an integer, got %s", json_kind(value));
		req->has_id = true;
		req->id = json_integer_value(value);
	}

	json_object_foreach(req->root, key, value)
	{
		if (strcmp(key, "id") != 0 && strcmp(key, "command") != 0 &&
		    strcmp(key, "args") != 0 && strcmp(key, "transaction") != 0)
			return request_fail(err, -POP_EFORMAT, "InvalidRequest",
					    "%.64s: unknown member; a request has only \"id\", "
					    "\"command\", \"args\" and \"transaction\"",
					    key);
	}

	value = json_object_get(req->root, "transaction");
	if (value != NULL && !json_is_null(value)) {
		if (!json_is_string(value) || json_string_length(value) == 0 ||
		    json_string_length(value) >= sizeof(req->transaction))
			return request_fail(err, -POP_EFORMAT, "InvalidRequest",
					    "transaction: must be the id that begin returned");
		memcpy(req->transaction, json_string_value(value), json_string_length(value) + 1);
	}

	command = json_object_get(req->root, "command");
	if (command == NULL)
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "command: missing; e.g. {\"command\": \"status\"}");
	if (!json_is_string(command))
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "command: must be a string, got %s", json_kind(command));
	int rc = normalize_command(json_string_value(command), json_string_length(command),
				   req->command, err);
	if (rc < 0)
		return rc;

	req->args = json_object_get(req->root, "args");
	if (req->args == NULL || json_is_null(req->args)) {
		if (json_object_set_new(req->root, "args", json_object()) < 0)
			return request_fail(err, -ENOMEM, "InternalFailure", "out of memory");
		req->args = json_object_get(req->root, "args");
	}
	if (!json_is_object(req->args))
		return request_fail(err, -POP_EFORMAT, "InvalidRequest",
				    "args: must be an object, got %s", json_kind(req->args));
	return 0;
}

void ctl_request_release(struct ctl_request *req)
{
	json_decref(req->root);
	req->root = NULL;
	req->args = NULL;
}

/* Copy @p in, replacing every byte that does not start a valid UTF-8
 * sequence with '?', so jansson accepts it. */
static void utf8_sanitize(const char *in, char *out, size_t out_len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	while (*p != '\0' && o + 4 < out_len) {
		size_t n = 0;

		if (*p < 0x80)
			n = 1; /* ASCII, control characters too: JSON escapes them */
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 2;
		else if ((*p & 0xf0) == 0xe0)
			n = 3;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 4;
		for (size_t k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				n = 0;
		/* Overlong three-byte forms and UTF-16 surrogates are not UTF-8 either. */
		if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
			n = 0;
		if (n == 0) {
			out[o++] = '?';
			p++;
			continue;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
}

char *ctl_response_render(bool has_id, json_int_t id, const json_t *result,
			  const struct ctl_error *err, size_t *out_len)
{
	json_t *msg = json_object();
	json_t *body;
	char *text;
	char *line;
	size_t len;

	if (msg == NULL)
		return NULL;
	json_object_set_new(msg, "id", has_id ? json_integer(id) : json_null());
	if (err == NULL) {
		json_object_set_new(msg, "ok", json_true());
		/* jansson's setters take non-const values; incref is all they do. */
		body = result != NULL ? json_incref((json_t *)result) : json_object();
		json_object_set_new(msg, "result", body);
	} else {
		json_object_set_new(msg, "ok", json_false());
		char code[sizeof(err->code)], message[sizeof(err->message)];

		/* A message may quote the client's bytes: never let them break the JSON. */
		utf8_sanitize(err->code, code, sizeof(code));
		utf8_sanitize(err->message, message, sizeof(message));
		body = json_pack("{s:s, s:s}", "code", code, "message", message);
		json_object_set_new(msg, "error", body);
	}
	/* Compact output escapes every newline in strings, so one message is one line. */
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL)
		return NULL;
	len = strlen(text);
	line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*out_len = len + 1;
	return line;
}

int ctl_call_fail(struct ctl_call *call, int err, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(call->error.code, sizeof(call->error.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(call->error.message, sizeof(call->error.message), fmt, ap);
	va_end(ap);
	return err;
}

const struct ctl_command *ctl_command_find(const struct ctl_command *table, size_t count,
					   const char *words)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(table[i].words, words) == 0)
			return &table[i];
	return NULL;
}

const struct ctl_command *ctl_server_find_command(const struct ctl_server *srv, const char *words)
{
	for (size_t t = 0; t < srv->table_count; t++) {
		const struct ctl_command *cmd =
		    ctl_command_find(srv->tables[t].entries, srv->tables[t].count, words);
		if (cmd != NULL)
			return cmd;
	}
	return NULL;
}

/* "dataplane" alone is a common slip: name the commands it starts. */
static void unknown_command(const struct ctl_server *srv, const char *words, struct ctl_error *err)
{
	char hint[320] = "";
	size_t hint_len = 0;
	size_t words_len = strlen(words);
	int shown = 0;

	for (size_t t = 0; t < srv->table_count && shown < 4; t++) {
		for (size_t i = 0; i < srv->tables[t].count && shown < 4; i++) {
			const char *w = srv->tables[t].entries[i].words;
			int n;

			if (strncmp(w, words, words_len) != 0 || w[words_len] != ' ')
				continue;
			n = snprintf(hint + hint_len, sizeof(hint) - hint_len, "%s\"%s\"",
				     shown ? " or " : "; did you mean ", w);
			if (n < 0 || (size_t)n >= sizeof(hint) - hint_len)
				break;
			hint_len += (size_t)n;
			shown++;
		}
	}
	request_fail(err, -ENOENT, "UnknownCommand",
		     "\"%.256s\" is not a command%s%s send \"help\" for the list", words, hint,
		     shown ? "?" : ";");
}

int ctl_server_execute(struct ctl_server *srv, struct ctl_conn *conn, const char *line, size_t len,
		       char **response, size_t *response_len)
{
	struct ctl_request req;
	struct ctl_call call;
	const struct ctl_command *cmd;
	int rc;

	srv->counters.requests++;
	memset(&call, 0, sizeof(call));
	rc = ctl_request_parse(line, len, srv->max_request_bytes, &req, &call.error);
	if (rc == 0) {
		cmd = ctl_server_find_command(srv, req.command);
		/* "help route53 get-change": help, filtered by the words that follow. */
		if (cmd == NULL && strncmp(req.command, "help ", 5) == 0)
			cmd = ctl_server_find_command(srv, "help");
		if (cmd == NULL) {
			unknown_command(srv, req.command, &call.error);
			rc = -ENOENT;
		} else {
			call.server = srv;
			call.conn = conn;
			call.command = req.command;
			call.args = req.args;
			call.transaction = req.transaction[0] ? req.transaction : NULL;
			if ((cmd->flags & CTL_CMD_MUTATES) && srv->hooks.mutating != NULL)
				rc = srv->hooks.mutating(srv->hooks.user, cmd, &call);
			else
				rc = cmd->handler(&call);
			if (rc < 0 && call.error.code[0] == '\0')
				ctl_call_fail(&call, rc, "InternalFailure", "%s: %s", req.command,
					      pop_strerror(rc));
		}
	}
	if (rc < 0) {
		srv->counters.errors++;
		CTL_LOG(DEBUG, "request refused: %s: %s", call.error.code, call.error.message);
		*response =
		    ctl_response_render(req.has_id, req.id, NULL, &call.error, response_len);
	} else {
		*response =
		    ctl_response_render(req.has_id, req.id, call.result, NULL, response_len);
	}
	json_decref(call.result);
	ctl_request_release(&req);
	if (*response == NULL)
		return -ENOMEM;
	return rc < 0 ? 1 : 0;
}
