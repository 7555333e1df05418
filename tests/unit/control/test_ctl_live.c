/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popd and popctl, the built binaries, end to end over a socket in a temp
 * directory. usage: test_ctl_live POPD POPCTL
 * Every wait is bounded; a stuck popd is killed, never waited on forever.
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SKIP(fn, reason)                                                                           \
	do {                                                                                       \
		tap_count++;                                                                       \
		printf("ok %d - %s # SKIP %s\n", tap_count, #fn, reason);                          \
		fflush(stdout);                                                                    \
	} while (0)

#define WAIT_MS		3000
#define MAX_CONNECTIONS 4
#define MAX_REQUEST	4096
#define NOBODY		65534

static const char *popd_bin, *popctl_bin;
static char dir[64];
static char run_dir[128], sock_path[160], pid_path[160], log_path[160];
static char instance[32];
static pid_t popd_pid = -1;
static char out_text[65536], err_text[65536];

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Wait for a child at most timeout_ms; kill it past that. Returns the wait status or -1. */
static int wait_child(pid_t pid, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int status;

	while (now_ms() < deadline) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("#   child %d did not finish within %ld ms: killed\n", (int)pid, timeout_ms);
	return -1;
}

static int exit_code(int status)
{
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run a program with its output in out_text/err_text; uid >= 0 drops to that uid. */
static int run_as(int uid, const char *const *argv)
{
	char out_path[160], errp[160];
	pid_t pid;

	snprintf(out_path, sizeof(out_path), "%s/out.txt", dir);
	snprintf(errp, sizeof(errp), "%s/err.txt", dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int err = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		dup2(out, 1);
		dup2(err, 2);
		if (uid >= 0 &&
		    (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = wait_child(pid, 5000);
	read_file(out_path, out_text, sizeof(out_text));
	read_file(errp, err_text, sizeof(err_text));
	return exit_code(status);
}

/* popctl as uid (-1: as we are) with the given NULL-terminated arguments. */
static int popctl_argv(int uid, const char *const *args)
{
	const char *argv[24] = {popctl_bin};
	int argc = 1;

	while (args[argc - 1] != NULL && argc < 23) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return run_as(uid, argv);
}

#define popctl_as(uid, ...) popctl_argv(uid, (const char *const[]){__VA_ARGS__, NULL})
#define popctl(...)	    popctl_as(-1, __VA_ARGS__)

static void expect_contains(const char *text, const char *part, const char *what)
{
	if (strstr(text, part) == NULL) {
		printf("#   %s lacks \"%s\": %s\n", what, part, text);
		tap_current_failed = 1;
	}
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_text(int fd, const char *text, size_t len)
{
	size_t sent = 0;

	while (sent < len) {
		ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		sent += (size_t)n;
	}
}

/* Read one line, bounded in time; NULL on EOF, error or timeout. *eof tells EOF. */
static json_t *read_message(int fd, bool *eof)
{
	char line[65536];
	size_t len = 0;
	long deadline = now_ms() + WAIT_MS;

	if (eof != NULL)
		*eof = false;
	while (len < sizeof(line) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left = deadline - now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return NULL;
		/* One byte at a time: the next message must stay in the socket. */
		ssize_t n = recv(fd, line + len, 1, 0);
		if (n <= 0) {
			if (eof != NULL)
				*eof = n == 0 || errno == ECONNRESET;
			return NULL;
		}
		if (line[len] == '\n')
			return json_loadb(line, len, 0, NULL);
		len++;
	}
	return NULL;
}

/* After a refusal the server closes: expect EOF (or a reset) within the bound. */
static bool closed_by_server(int fd)
{
	bool eof = false;
	json_t *extra = read_message(fd, &eof);

	json_decref(extra);
	return extra == NULL && eof;
}

static json_t *request(int fd, const char *line)
{
	send_text(fd, line, strlen(line));
	return read_message(fd, NULL);
}

static bool is_ok(const json_t *msg)
{
	return json_is_true(json_object_get(msg, "ok"));
}

static const char *error_code(const json_t *msg)
{
	const char *code =
	    json_string_value(json_object_get(json_object_get(msg, "error"), "code"));
	return code != NULL ? code : "(none)";
}

static json_t *attach(int fd, int pid)
{
	char line[512];

	snprintf(line, sizeof(line),
		 "{\"id\":1,\"command\":\"dataplane attach\",\"args\":{\"pid\":%d,\"instance\":"
		 "\"%s\",\"version\":\"0.1.0\",\"workers\":2,\"ports\":[\"p0\"],\"vips\":[\"198.18."
		 "0.1\"]}}\n",
		 pid, instance);
	return request(fd, line);
}

/* `popctl status` as JSON, or NULL. */
static json_t *status(void)
{
	if (popctl("--socket", sock_path, "status") != 0)
		return NULL;
	return json_loads(out_text, 0, NULL);
}

static bool dataplane_attached(void)
{
	json_t *s = status();
	bool attached = json_is_true(json_object_get(json_object_get(s, "dataplane"), "attached"));

	json_decref(s);
	return attached;
}

static void write_config(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* Start popd and wait until its socket answers; -1 if it does not within the bound. */
static pid_t start_popd(const char *inst, const char *rdir, const char *config, const char *log)
{
	char sock[200], sdir[200];
	pid_t pid;
	long deadline = now_ms() + 5000;

	snprintf(sock, sizeof(sock), "%s/control.sock", rdir);
	snprintf(sdir, sizeof(sdir), "%s/state", rdir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(popd_bin, popd_bin, "--instance", inst, "--run-dir", rdir, "--state-dir",
		      sdir, "--config", config, "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
	while (now_ms() < deadline) {
		int status;
		int fd = connect_to(sock);

		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			printf("#   popd exited early with %d\n", exit_code(status));
			return -1;
		}
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("#   popd did not listen within 5 s\n");
	return -1;
}

static void test_popd_starts_and_reports_status(void)
{
	char config[160];
	json_t *s;

	snprintf(config, sizeof(config), "%s/popd.json", dir);
	write_config(config, "{\"Control\": {\"MaxConnections\": 4, \"MaxRequestBytes\": 4096, "
			     "\"IdleTimeoutSeconds\": 30}}");
	popd_pid = start_popd(instance, run_dir, config, log_path);
	CHECK(popd_pid > 0);
	if (popd_pid <= 0)
		return;
	s = status();
	CHECK(s != NULL);
	CHECK(strcmp(json_string_value(json_object_get(s, "instance")), instance) == 0);
	CHECK_EQ(json_integer_value(json_object_get(s, "pid")), popd_pid);
	CHECK(strcmp(json_string_value(json_object_get(s, "socket")), sock_path) == 0);
	CHECK(json_is_false(json_object_get(json_object_get(s, "dataplane"), "attached")));
	CHECK(json_object_get(json_object_get(s, "dataplane"), "pid") == NULL);
	/* JSON output is the AWS CLI's: 4-space indent. */
	expect_contains(out_text, "{\n    \"version\": \"0.1.0\",", "popctl status");
	json_decref(s);
	read_file(log_path, err_text, sizeof(err_text));
	expect_contains(err_text, "ready", "popd log");
	expect_contains(err_text, sock_path, "popd log");
}

static void test_popctl_table_output(void)
{
	CHECK_EQ(popctl("--socket", sock_path, "--output", "table", "status"), 0);
	expect_contains(out_text, "dataplane.attached", "table");
	expect_contains(out_text, "false", "table");
	CHECK_EQ(popctl("--socket", sock_path, "help", "--output", "table"), 0);
	expect_contains(out_text, "commands\ncommand", "table");
	expect_contains(out_text, "dataplane attach", "table");
}

static void test_socket_mode_and_group(void)
{
	struct stat st;
	struct group *pop = getgrnam("pop");

	CHECK_EQ(stat(sock_path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0660);
	CHECK_EQ(stat(run_dir, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_EQ(stat(pid_path, &st), 0);
	read_file(pid_path, out_text, sizeof(out_text));
	CHECK_EQ(atoi(out_text), popd_pid);
	if (geteuid() != 0)
		return;
	CHECK(pop != NULL);
	if (pop == NULL)
		return;
	CHECK_EQ(stat(sock_path, &st), 0);
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(st.st_gid, pop->gr_gid);
	CHECK_EQ(stat(run_dir, &st), 0);
	CHECK_EQ(st.st_gid, pop->gr_gid);
}

static void test_dataplane_attach_lifecycle(void)
{
	int a = connect_to(sock_path), b = connect_to(sock_path);
	json_t *msg, *s;

	CHECK(a >= 0 && b >= 0);
	msg = attach(a, 4242);
	CHECK(is_ok(msg));
	CHECK(json_is_true(json_object_get(json_object_get(msg, "result"), "attached")));
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 1);
	json_decref(msg);

	s = status();
	json_t *dp = json_object_get(s, "dataplane");
	CHECK(json_is_true(json_object_get(dp, "attached")));
	CHECK_EQ(json_integer_value(json_object_get(dp, "pid")), 4242);
	CHECK_EQ(json_integer_value(json_object_get(dp, "workers")), 2);
	CHECK(strcmp(json_string_value(json_array_get(json_object_get(dp, "ports"), 0)), "p0") ==
	      0);
	CHECK_EQ(json_array_size(json_object_get(dp, "vips")), 1);
	CHECK(json_is_integer(json_object_get(dp, "attached_s")));
	json_decref(s);

	/* A second data plane is refused while the first is live. */
	msg = attach(b, 4343);
	CHECK(!is_ok(msg));
	CHECK(strcmp(error_code(msg), "DataplaneAlreadyAttached") == 0);
	json_decref(msg);
	msg = request(b, "{\"id\":2,\"command\":\"dataplane stats\",\"args\":{\"rx\":1}}\n");
	CHECK(strcmp(error_code(msg), "NotAttached") == 0);
	json_decref(msg);

	msg = request(
	    a, "{\"id\":3,\"command\":\"dataplane stats\",\"args\":{\"rx\":5,\"tx\":[1]}}\n");
	CHECK(is_ok(msg));
	json_decref(msg);
	CHECK_EQ(popctl("--socket", sock_path, "stats"), 0);
	s = json_loads(out_text, 0, NULL);
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(s, "dataplane"), "rx")), 5);
	CHECK(json_is_integer(json_object_get(s, "dataplane_stats_age_ms")));
	CHECK(json_integer_value(json_object_get(json_object_get(s, "control"), "connections")) >=
	      2);
	json_decref(s);

	/* Closing the data plane's connection detaches it. */
	close(a);
	long deadline = now_ms() + WAIT_MS;
	bool attached = true;
	while (attached && now_ms() < deadline) {
		attached = dataplane_attached();
		if (attached)
			sleep_ms(20);
	}
	CHECK(!attached);
	msg = attach(b, 4343);
	CHECK(is_ok(msg));
	json_decref(msg);
	close(b);
}

static void test_invalid_requests_keep_connection(void)
{
	int fd = connect_to(sock_path);
	json_t *msg;

	CHECK(fd >= 0);
	msg = request(fd, "this is not json\n");
	CHECK(strcmp(error_code(msg), "InvalidRequest") == 0);
	CHECK(json_is_null(json_object_get(msg, "id")));
	json_decref(msg);
	msg = request(fd, "[1]\n");
	CHECK(strcmp(error_code(msg), "InvalidRequest") == 0);
	json_decref(msg);
	msg = request(fd, "{\"id\":4}\n");
	CHECK(strcmp(error_code(msg), "InvalidRequest") == 0);
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 4);
	json_decref(msg);
	msg = request(fd, "{\"id\":5,\"command\":\"nope\"}\n");
	CHECK(strcmp(error_code(msg), "UnknownCommand") == 0);
	json_decref(msg);

	/* Pipelined requests, split across writes, are answered in order. */
	const char *two = "{\"id\":6,\"command\":\"status\"}\n{\"id\":7,\"command\":\"help\"}\n";
	send_text(fd, two, 10);
	sleep_ms(20);
	send_text(fd, two + 10, strlen(two) - 10);
	msg = read_message(fd, NULL);
	CHECK(is_ok(msg));
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 6);
	json_decref(msg);
	msg = read_message(fd, NULL);
	CHECK(is_ok(msg));
	CHECK_EQ(json_integer_value(json_object_get(msg, "id")), 7);
	json_decref(msg);
	close(fd);
}

static void test_oversize_request_closes(void)
{
	int fd = connect_to(sock_path);
	char big[MAX_REQUEST + 100];
	json_t *msg;

	CHECK(fd >= 0);
	memset(big, 'x', sizeof(big));
	send_text(fd, big, sizeof(big));
	msg = read_message(fd, NULL);
	CHECK(strcmp(error_code(msg), "RequestTooLarge") == 0);
	json_decref(msg);
	CHECK(closed_by_server(fd));
	close(fd);

	/* A line of exactly the limit is still served. */
	fd = connect_to(sock_path);
	memset(big, ' ', MAX_REQUEST);
	memcpy(big, "{\"command\":\"help\"}", 18);
	big[MAX_REQUEST] = '\n';
	send_text(fd, big, MAX_REQUEST + 1);
	msg = read_message(fd, NULL);
	CHECK(is_ok(msg));
	json_decref(msg);
	close(fd);
}

static void test_max_connections(void)
{
	int fds[MAX_CONNECTIONS];
	json_t *msg;

	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		fds[i] = connect_to(sock_path);
		msg = request(fds[i], "{\"command\":\"help\"}\n");
		CHECK(is_ok(msg));
		json_decref(msg);
	}
	int extra = connect_to(sock_path);
	msg = read_message(extra, NULL);
	CHECK(strcmp(error_code(msg), "TooManyConnections") == 0);
	json_decref(msg);
	CHECK(closed_by_server(extra));
	close(extra);

	/* popctl tells the refusal apart from an unreachable popd: exit 1. */
	CHECK_EQ(popctl("--socket", sock_path, "status"), 1);
	expect_contains(err_text, "popctl: TooManyConnections: ", "popctl stderr");

	close(fds[0]);
	long deadline = now_ms() + WAIT_MS;
	int rc = 1;
	while (rc != 0 && now_ms() < deadline) {
		rc = popctl("--socket", sock_path, "stats");
		if (rc != 0)
			sleep_ms(20);
	}
	CHECK_EQ(rc, 0);
	json_t *s = json_loads(out_text, 0, NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(s, "control"), "refused_limit")) >=
	      2);
	json_decref(s);
	for (int i = 1; i < MAX_CONNECTIONS; i++)
		close(fds[i]);
}

static void test_popctl_exit_codes(void)
{
	char missing[200];

	CHECK_EQ(popctl("--socket", sock_path, "status"), 0);

	CHECK_EQ(popctl("--socket", sock_path, "route53", "list-hosted-zonez", "--max-items", "5"),
		 1);
	expect_contains(err_text, "popctl: UnknownCommand: ", "popctl stderr");
	expect_contains(err_text, "route53 list-hosted-zonez", "popctl stderr");
	/* popctl names options the AWS way (Pid), the attach contract says pid. */
	CHECK_EQ(popctl("--socket", sock_path, "dataplane", "attach", "--pid", "5"), 1);
	expect_contains(err_text, "popctl: MissingParameter: args.pid: missing", "popctl stderr");

	CHECK_EQ(popctl("--socket", sock_path, "status", "--outpt", "table"), 1);
	expect_contains(err_text, "popctl: InvalidParameterValue: args.Outpt", "popctl stderr");
	/* --cli-input-json reaches members the AWS naming cannot (the attach contract's). */
	char attach_args[256];
	snprintf(attach_args, sizeof(attach_args),
		 "{\"pid\": 77, \"instance\": \"%s\", \"version\": \"0.1.0\", \"workers\": 1, "
		 "\"ports\": [], \"vips\": []}",
		 instance);
	CHECK_EQ(
	    popctl("--socket", sock_path, "dataplane", "attach", "--cli-input-json", attach_args),
	    0);
	expect_contains(out_text, "\"attached\": true", "popctl stdout");

	CHECK_EQ(popctl("--socket", sock_path, "--output", "xml", "status"), 2);
	expect_contains(err_text, "usage:", "popctl stderr");
	CHECK_EQ(popctl_argv(-1, (const char *const[]){NULL}), 2);
	CHECK_EQ(popctl("--socket", sock_path, "x", "--change-batch", "{oops"), 2);
	expect_contains(err_text, "--change-batch", "popctl stderr");

	snprintf(missing, sizeof(missing), "%s/nobody-home.sock", dir);
	CHECK_EQ(popctl("--socket", missing, "status"), 3);
	expect_contains(err_text, missing, "popctl stderr");
	expect_contains(err_text, "No such file or directory", "popctl stderr");
	expect_contains(err_text, "is popd running?", "popctl stderr");

	/* POP_SOCKET names the socket when no option does. */
	setenv("POP_SOCKET", sock_path, 1);
	CHECK_EQ(popctl("status"), 0);
	setenv("POP_SOCKET", missing, 1);
	CHECK_EQ(popctl("status"), 3);
	unsetenv("POP_SOCKET");

	CHECK_EQ(popctl("--help"), 0);
	expect_contains(out_text, "dataplane attach", "popctl --help");
	CHECK_EQ(popctl("--version"), 0);
	expect_contains(out_text, "popctl 0.1.0", "popctl --version");
}

static void test_access_denied(void)
{
	json_t *s;

	/* Let nobody reach the socket file, so the peer check is what refuses it. */
	CHECK_EQ(chmod(run_dir, 0755), 0);
	CHECK_EQ(chmod(sock_path, 0666), 0);
	CHECK_EQ(popctl_as(NOBODY, "--socket", sock_path, "status"), 1);
	expect_contains(err_text, "popctl: AccessDenied: ", "popctl stderr");
	expect_contains(err_text, "group pop", "popctl stderr");
	chmod(sock_path, 0660);
	chmod(run_dir, 0750);
	/* With the socket's own mode back, nobody cannot even connect: exit 3. */
	CHECK_EQ(popctl_as(NOBODY, "--socket", sock_path, "status"), 3);
	expect_contains(err_text, "Permission denied", "popctl stderr");

	CHECK_EQ(popctl("--socket", sock_path, "stats"), 0);
	s = json_loads(out_text, 0, NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(s, "control"), "denied")) >= 1);
	json_decref(s);
}

static void test_popd_usage_and_config_errors(void)
{
	char bad[160], other_log[160];
	const char *argv[12];

	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	snprintf(other_log, sizeof(other_log), "%s/other.log", dir);
	write_config(bad, "{\"Control\": {\"MaxConnections\": 0}}");
	argv[0] = popd_bin;
	argv[1] = "--run-dir";
	argv[2] = dir;
	argv[3] = "--config";
	argv[4] = bad;
	argv[5] = NULL;
	CHECK_EQ(run_as(-1, argv), 2);
	expect_contains(err_text, "Control.MaxConnections: must be an integer from 1 to 65535",
			"popd stderr");

	write_config(bad, "{\"Control\": {\"MaxConections\": 5}}");
	CHECK_EQ(run_as(-1, argv), 2);
	expect_contains(err_text, "Control.MaxConections: unknown field", "popd stderr");

	argv[1] = "--bogus";
	argv[2] = NULL;
	CHECK_EQ(run_as(-1, argv), 2);
	expect_contains(err_text, "usage: popd", "popd stderr");

	argv[1] = "--version";
	CHECK_EQ(run_as(-1, argv), 0);
	expect_contains(out_text, "popd 0.1.0", "popd --version");

	argv[1] = "--print-default-config";
	CHECK_EQ(run_as(-1, argv), 0);
	json_t *def = json_loads(out_text, 0, NULL);
	CHECK_EQ(
	    json_integer_value(json_object_get(json_object_get(def, "Control"), "MaxConnections")),
	    64);
	json_decref(def);
}

static void test_second_popd_refused(void)
{
	const char *argv[] = {popd_bin, "--instance", instance, "--run-dir", run_dir, NULL};

	CHECK_EQ(run_as(-1, argv), 1);
	expect_contains(err_text, "already running", "popd stderr");
	expect_contains(err_text, pid_path, "popd stderr");
	/* And the first one is untouched. */
	CHECK_EQ(popctl("--socket", sock_path, "status"), 0);
}

static void test_idle_timeout_spares_dataplane(void)
{
	char rdir[160], config[160], sock[200], log[160];
	pid_t pid;

	snprintf(rdir, sizeof(rdir), "%s/idle", dir);
	snprintf(config, sizeof(config), "%s/idle.json", dir);
	snprintf(sock, sizeof(sock), "%s/control.sock", rdir);
	snprintf(log, sizeof(log), "%s/idle.log", dir);
	write_config(config, "{\"Control\": {\"IdleTimeoutSeconds\": 1}}");
	pid = start_popd(instance, rdir, config, log);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	int idle = connect_to(sock), dp = connect_to(sock);
	json_t *msg = attach(dp, 99);
	CHECK(is_ok(msg));
	json_decref(msg);

	long start = now_ms();
	bool eof = false;
	msg = read_message(idle, &eof);
	long waited = now_ms() - start;
	CHECK(msg == NULL && eof);
	CHECK(waited >= 500 && waited < WAIT_MS);
	json_decref(msg);
	close(idle);

	msg = request(dp, "{\"command\":\"dataplane stats\",\"args\":{}}\n");
	CHECK(is_ok(msg));
	json_decref(msg);
	close(dp);

	kill(pid, SIGTERM);
	CHECK_EQ(exit_code(wait_child(pid, WAIT_MS)), 0);
}

static void test_sigterm_exits_clean(void)
{
	struct stat st;

	CHECK(popd_pid > 0);
	if (popd_pid <= 0)
		return;
	/* With a client still connected. */
	int fd = connect_to(sock_path);
	CHECK_EQ(kill(popd_pid, SIGTERM), 0);
	CHECK_EQ(exit_code(wait_child(popd_pid, WAIT_MS)), 0);
	popd_pid = -1;
	CHECK(closed_by_server(fd));
	close(fd);
	CHECK(stat(sock_path, &st) < 0 && errno == ENOENT);
	CHECK(stat(pid_path, &st) < 0 && errno == ENOENT);
	read_file(log_path, err_text, sizeof(err_text));
	expect_contains(err_text, "stopped", "popd log");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s POPD POPCTL\n", argv[0]);
		return 2;
	}
	popd_bin = argv[1];
	popctl_bin = argv[2];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/pop-test-live-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Others (nobody, for the access test) must pass through the temp dir. */
	chmod(dir, 0755);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/control.sock", run_dir);
	snprintf(pid_path, sizeof(pid_path), "%s/popd.pid", run_dir);
	snprintf(log_path, sizeof(log_path), "%s/popd.log", dir);
	snprintf(instance, sizeof(instance), "unit-%d", (int)getpid());

	RUN(test_popd_starts_and_reports_status);
	RUN(test_popctl_table_output);
	RUN(test_socket_mode_and_group);
	RUN(test_dataplane_attach_lifecycle);
	RUN(test_invalid_requests_keep_connection);
	RUN(test_oversize_request_closes);
	RUN(test_max_connections);
	RUN(test_popctl_exit_codes);
	if (geteuid() == 0)
		RUN(test_access_denied);
	else
		SKIP(test_access_denied, "needs root to connect as another user");
	RUN(test_popd_usage_and_config_errors);
	RUN(test_second_popd_refused);
	RUN(test_idle_timeout_spares_dataplane);
	RUN(test_sigterm_exits_clean);

	if (popd_pid > 0) {
		kill(popd_pid, SIGKILL);
		waitpid(popd_pid, NULL, 0);
	}
	if (tap_failures == 0) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	} else {
		printf("# kept %s for inspection\n", dir);
	}
	return tap_done();
}
