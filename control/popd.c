/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popd, the control daemon: loads its config, prepares its run directory,
 * takes the instance lock and serves the control socket in the foreground
 * (systemd or the lab supervise it). Exit: 0 after SIGTERM/SIGINT, 1 when it
 * cannot start, 2 on a usage or config error.
 */
#include "api.h"
#include "arc.h"
#include "base.h"
#include "cloudfront.h"
#include "config.h"
#include "env.h"
#include "geo_ctl.h"
#include "prefilter_ctl.h"
#include "route53.h"
#include "sdnotify.h"
#include "sock.h"
#include "store.h"
#include "tables.h"
#include "txn.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define POPD_LOG(level, ...) POP_LOG("popd", level, __VA_ARGS__)

#define EXIT_START    1
#define EXIT_USAGE    2
#define RUN_DIR_TOP   "/run/pop"
#define STATE_DIR_TOP "/var/lib/pop"

struct popd {
	const char *instance;
	const char *run_dir_arg;
	const char *socket_arg;
	const char *config_path;
	const char *state_dir_arg;
	char run_dir[PATH_MAX];
	char state_dir[PATH_MAX];
	char tables_dir[PATH_MAX];
	struct popd_env env;
	char socket_path[PATH_MAX];
	char pid_path[PATH_MAX];
	struct ctl_config cfg;
	bool have_group;
	gid_t group_gid;
	int pid_fd;
	struct ctl_server *server;
	int exit_code;		 /* set by the step that failed */
	size_t services_started; /* modules whose start() ran */
	int watchdog_fd;	 /* timerfd pinging the service manager, or -1 */
	struct ctl_watch *watchdog_watch;
};

static const char usage_text[] =
    "usage: popd [--instance NAME] [--run-dir DIR] [--state-dir DIR] [--socket PATH]\n"
    "            [--config FILE] [--log-level LEVEL] [--print-default-config] [--version]\n"
    "\n"
    "  --instance NAME         instance name (default \"default\")\n"
    "  --run-dir DIR           run directory (default " RUN_DIR_TOP "/NAME)\n"
    "  --state-dir DIR         state store (default " STATE_DIR_TOP "/NAME)\n"
    "  --socket PATH           control socket (default DIR/control.sock)\n"
    "  --config FILE           JSON config applied over the embedded default\n"
    "  --log-level LEVEL       err, warning, notice, info (default) or debug\n"
    "  --print-default-config  print the embedded default config and exit\n"
    "  --version               print the version and exit\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "popd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

/* The instance names a directory: keep it to one safe path component. */
static bool instance_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static int step_config(struct popd *d)
{
	char err[768];
	int rc = ctl_config_load_default(&d->cfg, err, sizeof(err));

	if (rc == 0 && d->config_path != NULL)
		rc = ctl_config_load_file(d->config_path, &d->cfg, err, sizeof(err));
	if (rc < 0) {
		POPD_LOG(ERR, "%s", err);
		d->exit_code = EXIT_USAGE;
		return rc;
	}
	POPD_LOG(INFO, "config %s: MaxConnections %u, MaxRequestBytes %u, IdleTimeoutSeconds %u",
		 d->config_path != NULL ? d->config_path : "(embedded default)",
		 d->cfg.control.max_connections, d->cfg.control.max_request_bytes,
		 d->cfg.control.idle_timeout_s);
	return 0;
}

static int step_group(struct popd *d)
{
	int rc = ctl_group_ensure(CTL_GROUP_NAME, &d->group_gid);

	d->have_group = rc == 0;
	if (rc == -ENOENT)
		POPD_LOG(WARNING,
			 "not running as root: group %s does not exist and is not created; only "
			 "root and uid %u may use the socket",
			 CTL_GROUP_NAME, (unsigned)geteuid());
	else if (rc < 0)
		POPD_LOG(WARNING,
			 "group %s is missing and could not be created; only root may use "
			 "the socket",
			 CTL_GROUP_NAME);
	else if (geteuid() != 0)
		POPD_LOG(WARNING,
			 "not running as root: run dir and socket keep owner uid %u, not "
			 "root:%s (chown skipped)",
			 (unsigned)geteuid(), CTL_GROUP_NAME);
	/* Without the group popd still serves root; that is not a reason to stop. */
	return 0;
}

static int step_run_dir(struct popd *d)
{
	/* The default directory is popd's own, so its mode is enforced; a directory
	 * named by the operator is only created if missing. */
	int rc =
	    ctl_run_dir_prepare(d->run_dir, d->run_dir_arg == NULL, d->have_group, d->group_gid);

	if (rc < 0) {
		POPD_LOG(ERR, "cannot prepare run directory %s: %s", d->run_dir, pop_strerror(rc));
		d->exit_code = EXIT_START;
	}
	return rc;
}

static int step_pid_file(struct popd *d)
{
	char text[32];
	int len, rc;

	d->pid_fd = open(d->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d->pid_fd < 0) {
		rc = -errno;
		POPD_LOG(ERR, "cannot open pid file %s: %s", d->pid_path, pop_strerror(rc));
		d->exit_code = EXIT_START;
		return rc;
	}
	/* The lock, not the file's existence, says an instance runs: it dies with us. */
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		ssize_t n = pread(d->pid_fd, text, sizeof(text) - 1, 0);

		text[n > 0 ? n : 0] = '\0';
		text[strcspn(text, "\n")] = '\0';
		POPD_LOG(ERR,
			 "instance %s is already running (pid %s holds %s); stop it first or "
			 "choose another --instance",
			 d->instance, text[0] ? text : "unknown", d->pid_path);
		close(d->pid_fd);
		d->pid_fd = -1;
		d->exit_code = EXIT_START;
		return rc;
	}
	len = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, text, (size_t)len, 0) != len) {
		rc = -errno;
		POPD_LOG(ERR, "cannot write pid file %s: %s", d->pid_path, pop_strerror(rc));
		d->exit_code = EXIT_START;
		return rc;
	}
	return 0;
}

static void stop_pid_file(struct popd *d)
{
	if (d->pid_fd < 0)
		return;
	/* Unlink while still holding the lock, so no successor's file is removed. */
	unlink(d->pid_path);
	close(d->pid_fd);
	d->pid_fd = -1;
}

static int step_store(struct popd *d)
{
	char err[512];
	int rc = store_open(d->state_dir, &d->env.store, err, sizeof(err));

	if (rc == 0)
		rc = env_init(&d->env);
	if (rc < 0) {
		POPD_LOG(ERR, "cannot open the state store: %s", err);
		d->exit_code = EXIT_START;
		return rc;
	}
	POPD_LOG(INFO, "state store %s", store_path(d->env.store));
	return 0;
}

static void stop_store(struct popd *d)
{
	store_close(d->env.store);
	d->env.store = NULL;
}

static int step_tables(struct popd *d)
{
	int rc = tables_root_open(d->tables_dir, true, &d->env.root);

	if (rc == 0)
		rc = tables_live_open(d->tables_dir, true, &d->env.live);
	if (rc == 0 && d->have_group && geteuid() == 0 &&
	    chown(d->tables_dir, 0, d->group_gid) != 0)
		rc = -errno;
	if (rc < 0) {
		POPD_LOG(ERR, "cannot open the tables in %s: %s", d->tables_dir, pop_strerror(rc));
		d->exit_code = EXIT_START;
	}
	return rc;
}

static void stop_tables(struct popd *d)
{
	tables_live_close(d->env.live);
	tables_root_close(d->env.root);
	d->env.live = NULL;
	d->env.root = NULL;
}

/* The modules that own state, in start-up order. */
static const struct popd_module {
	const char *name;
	int (*init)(struct popd_env *env);
	const struct ctl_command *commands;
	const size_t *command_count;
	/* Once the control socket listens: the module's own fds and timers
	 * (ctl_server_watch) start here and stop in reverse order. */
	int (*start)(struct popd_env *env);
	void (*stop)(struct popd_env *env);
} popd_modules[] = {
    {"transactions", NULL, txn_commands, &txn_command_count, NULL, NULL},
    {"route53", route53_init, route53_commands, &route53_command_count, route53_health_start,
     route53_health_stop},
    {"cloudfront", cloudfront_init, cloudfront_commands, &cloudfront_command_count, NULL, NULL},
    {"geo", geo_init, geo_commands, &geo_command_count, NULL, NULL},
    {"prefilter", prefilter_init, prefilter_commands, &prefilter_command_count, NULL, NULL},
    {"api", api_init, api_commands, &api_command_count, api_start, api_stop},
    {"arc", arc_init, arc_commands, &arc_command_count, arc_start, arc_stop},
    {"route53-notify", NULL, NULL, &route53_notify_command_count, route53_notify_start,
     route53_notify_stop},
};

#define POPD_MODULE_COUNT (sizeof(popd_modules) / sizeof(popd_modules[0]))

static int step_modules(struct popd *d)
{
	for (size_t i = 0; i < POPD_MODULE_COUNT; i++) {
		int rc = popd_modules[i].init != NULL ? popd_modules[i].init(&d->env) : 0;
		if (rc < 0) {
			POPD_LOG(ERR, "module %s failed to start: %s", popd_modules[i].name,
				 pop_strerror(rc));
			d->exit_code = EXIT_START;
			return rc;
		}
	}
	return 0;
}

/* Every table is rebuilt from the store alone: what was acknowledged is served. */
static int step_publish(struct popd *d)
{
	uint64_t t0 = pop_now_ns();
	int rc = txn_publish(&d->env, (1u << TABLES_KIND_MAX) - 1);

	if (rc < 0) {
		POPD_LOG(ERR, "cannot publish the tables from the store: %s", pop_strerror(rc));
		d->exit_code = EXIT_START;
		return rc;
	}
	POPD_LOG(INFO, "tables rebuilt from the store and published in %.1f ms",
		 (double)(pop_now_ns() - t0) / 1e6);
	return 0;
}

static void stop_socket(struct popd *d)
{
	ctl_server_destroy(d->server);
	d->server = NULL;
}

static int step_socket(struct popd *d)
{
	struct ctl_server_config sc = {
	    .instance = d->instance,
	    .socket_path = d->socket_path,
	    .max_connections = d->cfg.control.max_connections,
	    .max_request_bytes = d->cfg.control.max_request_bytes,
	    .idle_timeout_s = d->cfg.control.idle_timeout_s,
	    .have_group = d->have_group,
	    .group_gid = d->group_gid,
	};
	struct ctl_hooks hooks = {
	    .user = &d->env,
	    .mutating = txn_mutating,
	};
	int rc = ctl_server_create(&sc, &d->server);

	if (rc == 0) {
		d->env.server = d->server;
		ctl_server_set_hooks(d->server, &hooks);
		for (size_t i = 0; rc == 0 && i < POPD_MODULE_COUNT; i++)
			rc = ctl_server_add_commands(d->server, popd_modules[i].commands,
						     *popd_modules[i].command_count);
	}
	if (rc == 0)
		rc = ctl_server_listen(d->server);
	if (rc < 0) {
		POPD_LOG(ERR, "cannot listen on %s: %s%s", d->socket_path, pop_strerror(rc),
			 rc == -EADDRINUSE ? " (another popd serves it)" : "");
		d->exit_code = EXIT_START;
		stop_socket(d); /* a failed step is not stopped by main */
	}
	return rc;
}

/* Run one command through the server's own handlers, as a client would. */
static json_t *bootstrap_call(struct popd *d, const char *command, json_t *args, char *err,
			      size_t err_len)
{
	json_t *req = json_pack("{s:s, s:O}", "command", command, "args", args), *rep = NULL, *res;
	char *line = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL, *out = NULL;
	size_t out_len = 0;

	json_decref(req);
	if (line == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (ctl_server_execute(d->server, NULL, line, strlen(line), &out, &out_len) >= 0 &&
	    out != NULL)
		rep = json_loadb(out, out_len, 0, NULL);
	free(line);
	free(out);
	res = json_object_get(rep, "result");
	if (!json_is_true(json_object_get(rep, "ok")) || res == NULL) {
		json_t *e = json_object_get(rep, "error");
		snprintf(err, err_len, "%s: %s: %s", command,
			 json_string_value(json_object_get(e, "code")) ?: "?",
			 json_string_value(json_object_get(e, "message")) ?: "no answer");
		json_decref(rep);
		return NULL;
	}
	json_incref(res);
	json_decref(rep);
	return res;
}

/*
 * Bootstrap.HealthChecks: [{CallerReference, HealthCheckConfig}] are created
 * first; a HealthCheckId in the hosted zones' changes that names one of their
 * CallerReferences is replaced by the id Route 53's rules gave it (ids are
 * made by popd, so a config cannot know them).
 */
static int bootstrap_health_checks(struct popd *d, json_t *boot)
{
	json_t *checks = json_object_get(boot, "HealthChecks"), *hc, *zone, *change;
	char err[768];
	size_t i, z, c;

	json_array_foreach(checks, i, hc)
	{
		const char *ref = json_string_value(json_object_get(hc, "CallerReference"));
		json_t *res =
		    bootstrap_call(d, "route53 create-health-check", hc, err, sizeof(err));
		const char *id =
		    json_string_value(json_object_get(json_object_get(res, "HealthCheck"), "Id"));

		if (ref == NULL || id == NULL) {
			POPD_LOG(ERR, "Bootstrap.HealthChecks[%zu] refused: %s", i,
				 ref == NULL ? "no CallerReference" : err);
			json_decref(res);
			return -POP_ECONFIG;
		}
		json_array_foreach(json_object_get(boot, "HostedZones"), z, zone)
		{
			json_array_foreach(json_object_get(zone, "Changes"), c, change)
			{
				json_t *rrs = json_object_get(change, "ResourceRecordSet");
				const char *named =
				    json_string_value(json_object_get(rrs, "HealthCheckId"));
				if (named != NULL && strcmp(named, ref) == 0)
					json_object_set_new(rrs, "HealthCheckId", json_string(id));
			}
		}
		POPD_LOG(INFO, "bootstrap: health check %s (%s) created", id, ref);
		json_decref(res);
	}
	return 0;
}

/*
 * First start only: create what the config's Bootstrap section describes
 * (the embedded default has the demo zone), through the same handlers and
 * validation as any client's change. Later starts keep whatever the store
 * holds, even if an operator deleted the demo.
 */
static int step_bootstrap(struct popd *d)
{
	json_t *root = NULL, *boot, *zones, *zone, *dists, *dist;
	char err[768], done[8];
	size_t i;
	int rc = 0;

	if (store_meta_get(d->env.store, "popd.bootstrapped", done, sizeof(done)) == 0)
		return 0;
	if (d->config_path != NULL) {
		root = json_load_file(d->config_path, 0, NULL);
		if (json_object_get(root, "Bootstrap") == NULL) {
			json_decref(root);
			root = NULL;
		}
	}
	if (root == NULL)
		root = json_loadb(ctl_config_default_json, ctl_config_default_json_len, 0, NULL);
	boot = json_object_get(root, "Bootstrap");
	rc = bootstrap_health_checks(d, boot);
	zones = rc == 0 ? json_object_get(boot, "HostedZones") : NULL;
	json_array_foreach(zones, i, zone)
	{
		const char *name = json_string_value(json_object_get(zone, "Name"));
		char ref[300];
		json_t *args, *res, *id;

		snprintf(ref, sizeof(ref), "bootstrap-%s", name ? name : "?");
		args =
		    json_pack("{s:O, s:s, s:{s:s}}", "Name", json_object_get(zone, "Name"),
			      "CallerReference", ref, "HostedZoneConfig", "Comment",
			      json_string_value(json_object_get(zone, "Comment")) ?: "bootstrap");
		res = args != NULL
			  ? bootstrap_call(d, "route53 create-hosted-zone", args, err, sizeof(err))
			  : NULL;
		json_decref(args);
		id = json_object_get(json_object_get(res, "HostedZone"), "Id");
		if (id != NULL && json_object_get(zone, "Changes") != NULL) {
			json_t *r2;
			args = json_pack("{s:O, s:{s:O}}", "HostedZoneId", id, "ChangeBatch",
					 "Changes", json_object_get(zone, "Changes"));
			r2 = args != NULL ? bootstrap_call(d, "route53 change-resource-record-sets",
							   args, err, sizeof(err))
					  : NULL;
			json_decref(args);
			if (r2 == NULL)
				id = NULL;
			json_decref(r2);
		}
		json_decref(res);
		if (id == NULL) {
			POPD_LOG(ERR, "Bootstrap.HostedZones[%zu] (%s) refused: %s", i,
				 name ? name : "?", err);
			rc = -POP_ECONFIG;
			break;
		}
		POPD_LOG(INFO, "bootstrap: hosted zone %s created", name);
	}
	/* Then the distributions: each entry is a DistributionConfig. */
	dists = json_object_get(boot, "Distributions");
	if (rc == 0 && dists != NULL && !json_is_array(dists)) {
		POPD_LOG(ERR, "Bootstrap.Distributions must be an array");
		rc = -POP_ECONFIG;
	}
	json_array_foreach(dists, i, dist)
	{
		json_t *args, *res, *id;

		if (rc < 0)
			break;
		args = json_pack("{s:O}", "DistributionConfig", dist);
		res = args != NULL ? bootstrap_call(d, "cloudfront create-distribution", args, err,
						    sizeof(err))
				   : NULL;
		json_decref(args);
		id = json_object_get(json_object_get(res, "Distribution"), "Id");
		if (id == NULL) {
			POPD_LOG(ERR, "Bootstrap.Distributions[%zu] refused: %s", i, err);
			rc = -POP_ECONFIG;
		} else {
			POPD_LOG(INFO, "bootstrap: distribution %s created", json_string_value(id));
		}
		json_decref(res);
	}
	json_decref(root);
	if (rc == 0)
		rc = store_meta_set(d->env.store, "popd.bootstrapped", "1");
	if (rc < 0)
		d->exit_code = EXIT_USAGE;
	return rc;
}

static void stop_services(struct popd *d)
{
	for (size_t i = d->services_started; i-- > 0;)
		if (popd_modules[i].stop != NULL)
			popd_modules[i].stop(&d->env);
	d->services_started = 0;
}

/* The modules' background work (checkers, endpoints), after bootstrap. */
static int step_services(struct popd *d)
{
	for (; d->services_started < POPD_MODULE_COUNT; d->services_started++) {
		const struct popd_module *m = &popd_modules[d->services_started];
		int rc = m->start != NULL ? m->start(&d->env) : 0;

		if (rc < 0) {
			POPD_LOG(ERR, "module %s failed to start its services: %s", m->name,
				 pop_strerror(rc));
			d->exit_code = EXIT_START;
			stop_services(d); /* a failed step is not stopped by main */
			return rc;
		}
	}
	return 0;
}

/* The control loop pings the service manager's watchdog: a popd whose loop
 * hangs stops pinging and systemd restarts it (WatchdogSec= in popd.service). */
static void watchdog_tick(void *user, int fd, uint32_t events)
{
	uint64_t expirations;

	(void)user;
	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) == (ssize_t)sizeof(expirations))
		sdnotify_send("WATCHDOG=1");
}

static void stop_notify(struct popd *d);

/* Under systemd (Type=notify): ready once the socket listens and bootstrap ran. */
static int step_notify(struct popd *d)
{
	uint64_t period_us = sdnotify_watchdog_us() / 2;
	int rc;

	if (period_us > 0) {
		struct itimerspec its = {
		    .it_interval = {.tv_sec = (time_t)(period_us / 1000000u),
				    .tv_nsec = (long)(period_us % 1000000u) * 1000},
		};
		its.it_value = its.it_interval;
		d->watchdog_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (d->watchdog_fd < 0 || timerfd_settime(d->watchdog_fd, 0, &its, NULL) < 0) {
			rc = -errno;
			POPD_LOG(ERR, "watchdog timer: %s", pop_strerror(rc));
			d->exit_code = EXIT_START;
			stop_notify(d);
			return rc;
		}
		rc = ctl_server_watch(d->server, d->watchdog_fd, EPOLLIN, watchdog_tick, d,
				      &d->watchdog_watch);
		if (rc < 0) {
			POPD_LOG(ERR, "watchdog timer: %s", pop_strerror(rc));
			d->exit_code = EXIT_START;
			stop_notify(d); /* a failed step is not stopped by main */
			return rc;
		}
		POPD_LOG(INFO, "service manager watchdog: pinging every %llu ms",
			 (unsigned long long)(period_us / 1000u));
	}
	rc = sdnotify_send("READY=1");
	if (rc < 0)
		POPD_LOG(WARNING, "cannot tell the service manager we are ready: %s",
			 pop_strerror(rc));
	return 0;
}

static void stop_notify(struct popd *d)
{
	sdnotify_send("STOPPING=1");
	if (d->watchdog_watch != NULL)
		ctl_server_unwatch(d->watchdog_watch);
	d->watchdog_watch = NULL;
	if (d->watchdog_fd >= 0)
		close(d->watchdog_fd);
	d->watchdog_fd = -1;
}

/* Start-up order in one place; stops run in reverse for the steps that started. */
static const struct popd_step {
	const char *name;
	int (*start)(struct popd *d);
	void (*stop)(struct popd *d);
} popd_steps[] = {
    {"config", step_config, NULL},
    {"group", step_group, NULL},
    {"run directory", step_run_dir, NULL},
    {"pid file", step_pid_file, stop_pid_file},
    {"state store", step_store, stop_store},
    {"tables", step_tables, stop_tables},
    {"modules", step_modules, NULL},
    {"publish", step_publish, NULL},
    {"control socket", step_socket, stop_socket},
    {"bootstrap", step_bootstrap, NULL},
    {"services", step_services, stop_services},
    {"service manager", step_notify, stop_notify},
};

#define POPD_STEP_COUNT (sizeof(popd_steps) / sizeof(popd_steps[0]))

static int parse_args(struct popd *d, int argc, char **argv)
{
	enum {
		OPT_PRINT_DEFAULT = 256,
		OPT_VERSION,
		OPT_RUN_DIR,
		OPT_STATE_DIR,
		OPT_LOG_LEVEL,
		OPT_HELP
	};
	static const struct option options[] = {
	    {"instance", required_argument, NULL, 'i'},
	    {"run-dir", required_argument, NULL, OPT_RUN_DIR},
	    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
	    {"socket", required_argument, NULL, 's'},
	    {"config", required_argument, NULL, 'c'},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"print-default-config", no_argument, NULL, OPT_PRINT_DEFAULT},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	int opt, level;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			d->instance = optarg;
			break;
		case OPT_RUN_DIR:
			d->run_dir_arg = optarg;
			break;
		case OPT_STATE_DIR:
			d->state_dir_arg = optarg;
			break;
		case 's':
			d->socket_arg = optarg;
			break;
		case 'c':
			d->config_path = optarg;
			break;
		case OPT_LOG_LEVEL:
			level = pop_log_level_parse(optarg);
			if (level < 0)
				return usage_error("--log-level: unknown level \"%s\"", optarg);
			pop_log_set_level((enum pop_log_level)level);
			break;
		case OPT_PRINT_DEFAULT:
			fwrite(ctl_config_default_json, 1, ctl_config_default_json_len, stdout);
			exit(0);
		case OPT_VERSION:
			printf("popd %s\n", POP_VERSION);
			exit(0);
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage_error("unknown or incomplete option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (!instance_name_valid(d->instance))
		return usage_error("--instance: \"%s\" must be 1 to 64 of A-Z a-z 0-9 . _ -",
				   d->instance);
	if (d->run_dir_arg != NULL) {
		if (snprintf(d->run_dir, sizeof(d->run_dir), "%s", d->run_dir_arg) >=
		    (int)sizeof(d->run_dir))
			return usage_error("--run-dir: path too long: %s", d->run_dir_arg);
	} else {
		snprintf(d->run_dir, sizeof(d->run_dir), RUN_DIR_TOP "/%s", d->instance);
	}
	if (d->socket_arg != NULL) {
		if (snprintf(d->socket_path, sizeof(d->socket_path), "%s", d->socket_arg) >=
		    (int)sizeof(d->socket_path))
			return usage_error("--socket: path too long: %s", d->socket_arg);
	} else if (snprintf(d->socket_path, sizeof(d->socket_path), "%s/control.sock",
			    d->run_dir) >= (int)sizeof(d->socket_path)) {
		return usage_error("--run-dir: path too long: %s", d->run_dir);
	}
	if (d->state_dir_arg != NULL) {
		if (snprintf(d->state_dir, sizeof(d->state_dir), "%s", d->state_dir_arg) >=
		    (int)sizeof(d->state_dir))
			return usage_error("--state-dir: path too long: %s", d->state_dir_arg);
	} else {
		snprintf(d->state_dir, sizeof(d->state_dir), STATE_DIR_TOP "/%s", d->instance);
	}
	if (snprintf(d->tables_dir, sizeof(d->tables_dir), "%s/tables", d->run_dir) >=
	    (int)sizeof(d->tables_dir))
		return usage_error("--run-dir: path too long: %s", d->run_dir);
	d->env.instance = d->instance;
	d->env.run_dir = d->run_dir;
	d->env.state_dir = d->state_dir;
	d->env.config = &d->cfg;
	if (snprintf(d->pid_path, sizeof(d->pid_path), "%s/popd.pid", d->run_dir) >=
	    (int)sizeof(d->pid_path))
		return usage_error("--run-dir: path too long: %s", d->run_dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct popd d = {.instance = "default", .pid_fd = -1, .watchdog_fd = -1};
	sigset_t stop_signals;
	size_t started = 0;
	int rc;

	/* Blocked from the first instant: a stop signal during start-up waits for
	 * the signalfd instead of killing popd half-way. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = parse_args(&d, argc, argv);
	if (rc != 0)
		return rc;

	for (; started < POPD_STEP_COUNT; started++) {
		rc = popd_steps[started].start(&d);
		if (rc < 0) {
			POPD_LOG(DEBUG, "start-up step %s failed: %s", popd_steps[started].name,
				 pop_strerror(rc));
			break;
		}
	}
	if (started == POPD_STEP_COUNT) {
		POPD_LOG(INFO, "ready: instance %s, pid %d, socket %s, version %s", d.instance,
			 (int)getpid(), d.socket_path, POP_VERSION);
		rc = ctl_server_run(d.server);
		if (rc < 0) {
			POPD_LOG(ERR, "control loop failed: %s", pop_strerror(rc));
			d.exit_code = EXIT_START;
		}
	}
	while (started-- > 0)
		if (popd_steps[started].stop != NULL)
			popd_steps[started].stop(&d);
	if (d.exit_code == 0)
		POPD_LOG(INFO, "stopped: instance %s", d.instance);
	return d.exit_code;
}
