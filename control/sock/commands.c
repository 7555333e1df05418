/* SPDX-License-Identifier: BSD-3-Clause */
/* The commands every control socket has: help, status, stats, dataplane. */
#include "sock_pvt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_call_no_args(struct ctl_call *call, const char *allowed)
{
	const char *key;
	json_t *value;

	json_object_foreach(call->args, key, value)
	{
		if (allowed != NULL && strcmp(key, allowed) == 0)
			continue;
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "args.%.64s: %s takes no arguments; nothing was done", key,
				     call->command);
	}
	return 0;
}

void ctl_json_show(const json_t *v, char *out, size_t len)
{
	char *dump = NULL;
	const char *text;

	if (json_is_string(v)) {
		text = json_string_value(v);
	} else {
		dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		text = dump != NULL ? dump : "?";
	}
	if (strlen(text) > 64)
		snprintf(out, len, "%.64s...", text);
	else
		snprintf(out, len, "%s", text);
	free(dump);
}

static int cmd_help(struct ctl_call *call)
{
	const struct ctl_server *srv = call->server;
	const char *filter;
	json_t *list;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	/* `help WORDS`: only the commands that start with those words. */
	filter = strncmp(call->command, "help ", 5) == 0 ? call->command + 5 : NULL;
	list = json_array();
	if (list == NULL)
		return -ENOMEM;
	for (size_t t = 0; t < srv->table_count; t++)
		for (size_t i = 0; i < srv->tables[t].count; i++) {
			const struct ctl_command *c = &srv->tables[t].entries[i];
			size_t n = filter != NULL ? strlen(filter) : 0;

			if (filter != NULL && (strncmp(c->words, filter, n) != 0 ||
					       (c->words[n] != '\0' && c->words[n] != ' ')))
				continue;
			json_array_append_new(
			    list, json_pack("{s:s, s:s}", "command", c->words, "usage", c->usage));
		}
	if (filter != NULL && json_array_size(list) == 0) {
		json_decref(list);
		return ctl_call_fail(
		    call, -ENOENT, "UnknownCommand",
		    "no command starts with \"%.200s\"; send \"help\" for the list", filter);
	}
	call->result = json_pack("{s:o}", "commands", list);
	return call->result != NULL ? 0 : -ENOMEM;
}

static json_int_t seconds_since(uint64_t then_ns, uint64_t now_ns)
{
	return (json_int_t)((now_ns - then_ns) / 1000000000ull);
}

static int cmd_status(struct ctl_call *call)
{
	const struct ctl_server *srv = call->server;
	const struct ctl_dataplane *dp = &srv->dataplane;
	uint64_t now = pop_now_ns();
	char started[32];
	struct tm tm;
	json_t *dataplane;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	gmtime_r(&srv->started_at, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (dp->conn != NULL)
		dataplane =
		    json_pack("{s:b, s:I, s:I, s:O, s:O, s:I}", "attached", 1, "pid", dp->pid,
			      "workers", dp->workers, "ports", dp->ports, "vips", dp->vips,
			      "attached_s", seconds_since(dp->attached_at_ns, now));
	else
		dataplane = json_pack("{s:b}", "attached", 0);
	call->result =
	    json_pack("{s:s, s:s, s:I, s:s, s:I, s:s?, s:o}", "version", POP_VERSION, "instance",
		      srv->instance, "pid", (json_int_t)srv->pid, "started_at", started, "uptime_s",
		      seconds_since(srv->started_ns, now), "socket", srv->socket_path, "dataplane",
		      dataplane);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int cmd_stats(struct ctl_call *call)
{
	const struct ctl_server *srv = call->server;
	const struct ctl_counters *c = &srv->counters;
	const struct ctl_dataplane *dp = &srv->dataplane;
	json_t *control;

	if (ctl_call_no_args(call, NULL) < 0)
		return -EINVAL;
	control =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "connections", (json_int_t)c->connections,
		      "accepted", (json_int_t)c->accepted, "requests", (json_int_t)c->requests,
		      "errors", (json_int_t)c->errors, "denied", (json_int_t)c->denied,
		      "refused_limit", (json_int_t)c->refused_limit);
	call->result = json_pack(
	    "{s:o, s:O, s:o}", "control", control, "dataplane",
	    dp->stats != NULL ? dp->stats : json_null(), "dataplane_stats_age_ms",
	    dp->stats != NULL
		? json_integer((json_int_t)((pop_now_ns() - dp->stats_at_ns) / 1000000ull))
		: json_null());
	return call->result != NULL ? 0 : -ENOMEM;
}

/* Required members of `dataplane attach`; the message names the one at fault. */
static int attach_member(struct ctl_call *call, const char *name, json_type type, json_t **out)
{
	static const char *const kinds[] = {
	    [JSON_OBJECT] = "an object",
	    [JSON_ARRAY] = "an array",
	    [JSON_STRING] = "a string",
	    [JSON_INTEGER] = "an integer",
	};
	json_t *v = json_object_get(call->args, name);

	if (v == NULL)
		return ctl_call_fail(call, -EINVAL, "MissingParameter",
				     "args.%s: missing; dataplane attach needs pid, instance, "
				     "version, workers, ports and vips; nothing was attached",
				     name);
	if (json_typeof(v) != type)
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "args.%s: must be %s; nothing was attached", name,
				     kinds[type]);
	*out = v;
	return 0;
}

static int cmd_dataplane_attach(struct ctl_call *call)
{
	struct ctl_server *srv = call->server;
	struct ctl_dataplane *dp = &srv->dataplane;
	json_t *pid = NULL, *instance = NULL, *version = NULL, *workers = NULL, *ports = NULL,
	       *vips = NULL;
	int rc;

	if (call->conn == NULL)
		return ctl_call_fail(call, -EINVAL, "InvalidRequest",
				     "dataplane attach needs a connection to attach");
	if (dp->conn != NULL && dp->conn != call->conn)
		return ctl_call_fail(call, -EBUSY, "DataplaneAlreadyAttached",
				     "a data plane (pid %lld) is already attached on another live "
				     "connection; it stays attached until that connection closes",
				     (long long)dp->pid);
	if ((rc = attach_member(call, "pid", JSON_INTEGER, &pid)) < 0 ||
	    (rc = attach_member(call, "instance", JSON_STRING, &instance)) < 0 ||
	    (rc = attach_member(call, "version", JSON_STRING, &version)) < 0 ||
	    (rc = attach_member(call, "workers", JSON_INTEGER, &workers)) < 0 ||
	    (rc = attach_member(call, "ports", JSON_ARRAY, &ports)) < 0 ||
	    (rc = attach_member(call, "vips", JSON_ARRAY, &vips)) < 0)
		return rc;
	if (json_integer_value(pid) <= 0 || json_integer_value(pid) > INT32_MAX)
		return ctl_call_fail(
		    call, -EINVAL, "InvalidParameterValue",
		    "args.pid: must be a process id above 0; nothing was attached");
	if (json_integer_value(workers) < 0)
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "args.workers: must be 0 or more; nothing was attached");
	if (strcmp(json_string_value(instance), srv->instance) != 0)
		return ctl_call_fail(call, -EINVAL, "InvalidParameterValue",
				     "args.instance: \"%.64s\" is not this popd's instance \"%s\"; "
				     "nothing was attached",
				     json_string_value(instance), srv->instance);
	if (strcmp(json_string_value(version), POP_VERSION) != 0)
		CTL_LOG(WARNING, "data plane version %.64s differs from popd's %s",
			json_string_value(version), POP_VERSION);

	json_decref(dp->ports);
	json_decref(dp->vips);
	dp->ports = json_deep_copy(ports);
	dp->vips = json_deep_copy(vips);
	if (dp->ports == NULL || dp->vips == NULL)
		return -ENOMEM;
	if (dp->conn == NULL)
		dp->attached_at_ns = pop_now_ns();
	dp->conn = call->conn;
	dp->pid = json_integer_value(pid);
	dp->workers = json_integer_value(workers);
	snprintf(dp->version, sizeof(dp->version), "%s", json_string_value(version));
	CTL_LOG(NOTICE, "data plane attached: pid %lld, %lld workers, version %s",
		(long long)dp->pid, (long long)dp->workers, dp->version);
	call->result = json_pack("{s:b}", "attached", 1);
	return call->result != NULL ? 0 : -ENOMEM;
}

static int cmd_dataplane_stats(struct ctl_call *call)
{
	struct ctl_dataplane *dp = &call->server->dataplane;

	if (call->conn == NULL || dp->conn != call->conn)
		return ctl_call_fail(call, -EPERM, "NotAttached",
				     "dataplane stats is only taken from the attached data plane's "
				     "connection; send dataplane attach first; nothing was stored");
	json_decref(dp->stats);
	dp->stats = json_incref(call->args);
	dp->stats_at_ns = pop_now_ns();
	return 0;
}

void ctl_dataplane_conn_closed(struct ctl_server *srv, struct ctl_conn *conn)
{
	struct ctl_dataplane *dp = &srv->dataplane;

	if (dp->conn != conn)
		return;
	CTL_LOG(NOTICE, "data plane detached: pid %lld, its connection closed", (long long)dp->pid);
	dp->conn = NULL;
	json_decref(dp->ports);
	json_decref(dp->vips);
	dp->ports = NULL;
	dp->vips = NULL;
}

const struct ctl_command ctl_builtin_commands[] = {
    {"help", "help: list the commands and their usage", cmd_help, 0},
    {"status", "status: version, instance, pid, uptime, socket and data plane attachment",
     cmd_status, 0},
    {"stats", "stats: control socket counters and the data plane's last counters", cmd_stats, 0},
    {"dataplane attach",
     "dataplane attach {pid, instance, version, workers, ports, vips}: register this "
     "connection as the data plane (popdp only)",
     cmd_dataplane_attach, 0},
    {"dataplane stats",
     "dataplane stats {counters...}: store the data plane's counters (attached popdp only)",
     cmd_dataplane_stats, 0},
};

const size_t ctl_builtin_command_count =
    sizeof(ctl_builtin_commands) / sizeof(ctl_builtin_commands[0]);

int ctl_server_dataplane_workers(const struct ctl_server *srv)
{
	return srv->dataplane.conn != NULL ? (int)srv->dataplane.workers : -1;
}
