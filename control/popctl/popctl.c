/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * popctl, the CLI over popd's control socket. One request per run.
 * Exit: 0 ok, 1 refused by popd, 2 usage error, 3 popd cannot be reached.
 */
#include "base.h"
#include "popctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EXIT_REFUSED	 1
#define EXIT_USAGE	 2
#define EXIT_UNREACHABLE 3
/* popd's largest request is 64 MiB; its answers carry at most that much data. */
#define RESPONSE_MAX_BYTES (80u * 1024 * 1024)

/* What --help shows; popd itself answers `popctl help` with what it serves. */
static const struct popctl_verb {
	const char *words;
	const char *usage;
} popctl_verbs[] = {
    {"help", "list the commands popd serves, with their usage"},
    {"status", "version, instance, pid, uptime, socket, data plane attachment"},
    {"stats", "control socket counters and the data plane's last counters"},
    {"dataplane attach", "popdp's own: --cli-input-json '{\"pid\": N, \"instance\": ...}'"},
    {"dataplane stats", "popdp's own, on its attached connection"},
};

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: popctl [--socket PATH | --instance NAME] [--output json|table]\n"
		"              [--timeout-ms N] [--transaction ID] COMMAND WORDS... [--option "
		"VALUE ...]\n"
		"\n"
		"Sends one command to popd over its control socket (POP_SOCKET, else\n"
		"%s) and prints the result.\n"
		"Options after the command become its arguments the AWS CLI way:\n"
		"--hosted-zone-id X is \"HostedZoneId\": \"X\"; a value file://PATH is the\n"
		"file (JSON if it parses); a value starting with { or [ must be JSON;\n"
		"an option without a value is true; --cli-input-json JSON|file://PATH\n"
		"gives all arguments at once.\n"
		"\n"
		"commands:\n",
		POPCTL_DEFAULT_SOCKET);
	for (size_t i = 0; i < sizeof(popctl_verbs) / sizeof(popctl_verbs[0]); i++)
		fprintf(out, "  %-18s %s\n", popctl_verbs[i].words, popctl_verbs[i].usage);
	fprintf(out, "\nexit status: 0 ok, 1 refused by popd, 2 usage error, 3 popd unreachable\n");
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n;

	do
		n = poll(&p, 1, (int)remaining_ms(deadline));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int unreachable(const char *socket_path, const char *what, int err)
{
	fprintf(stderr,
		"popctl: cannot reach popd at %s: %s%s%s (is popd running? is your user in the pop "
		"group?)\n",
		socket_path, what, err ? ": " : "", err ? strerror(err) : "");
	return EXIT_UNREACHABLE;
}

/* Send the request and read one response line; *line is malloc'd. */
static int exchange(const struct popctl_cli *cli, const char *request, size_t request_len,
		    char **line)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timespec deadline;
	size_t sent = 0, len = 0, cap = 65536;
	char *buf;
	int fd, rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += cli->timeout_ms / 1000;
	deadline.tv_nsec += (cli->timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	if (strlen(cli->socket_path) >= sizeof(addr.sun_path))
		return unreachable(cli->socket_path, "path too long for a socket", 0);
	strcpy(addr.sun_path, cli->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unreachable(cli->socket_path, "socket", errno);
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) < 0) {
		rc = errno;
		close(fd);
		return unreachable(cli->socket_path, "connect", rc);
	}
	/* A refusal (AccessDenied, TooManyConnections) may close the socket before the
	 * request is sent: a failed send still goes on to read that answer. */
	while (sent < request_len) {
		if (wait_fd(fd, POLLOUT, &deadline) < 0)
			break;
		ssize_t n =
		    send(fd, request + sent, request_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			break;
		sent += (size_t)n;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return unreachable(cli->socket_path, "out of memory", 0);
	}
	for (;;) {
		char *nl = len > 0 ? memchr(buf, '\n', len) : NULL;

		if (nl != NULL) {
			*nl = '\0';
			break;
		}
		if (len + 1 >= cap) {
			char *grown = cap * 2 <= RESPONSE_MAX_BYTES ? realloc(buf, cap * 2) : NULL;
			if (grown == NULL) {
				free(buf);
				close(fd);
				return unreachable(cli->socket_path, "response too large", 0);
			}
			buf = grown;
			cap *= 2;
		}
		rc = wait_fd(fd, POLLIN, &deadline);
		if (rc < 0) {
			free(buf);
			close(fd);
			if (rc == -ETIMEDOUT) {
				fprintf(stderr, "popctl: popd at %s did not answer within %ld ms\n",
					cli->socket_path, cli->timeout_ms);
				return EXIT_UNREACHABLE;
			}
			return unreachable(cli->socket_path, "poll", -rc);
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			rc = n < 0 ? errno : 0;
			free(buf);
			close(fd);
			return unreachable(cli->socket_path, "connection closed without an answer",
					   rc);
		}
		len += (size_t)n;
	}
	close(fd);
	*line = buf;
	return 0;
}

static int print_response(const struct popctl_cli *cli, const char *line)
{
	json_error_t jerr;
	json_t *msg = json_loads(line, 0, &jerr);
	json_t *ok = json_object_get(msg, "ok");
	int rc = EXIT_REFUSED;

	if (!json_is_object(msg) || !json_is_boolean(ok)) {
		fprintf(stderr,
			"popctl: InvalidResponse: popd's answer is not a response: %.200s\n", line);
	} else if (json_is_false(ok)) {
		json_t *error = json_object_get(msg, "error");
		const char *code = json_string_value(json_object_get(error, "code"));
		const char *message = json_string_value(json_object_get(error, "message"));

		fprintf(stderr, "popctl: %s: %s\n", code != NULL ? code : "UnknownError",
			message != NULL ? message : "(no message)");
	} else {
		json_t *empty = json_object();
		json_t *result = json_object_get(msg, "result");

		if (result == NULL)
			result = empty;
		if (cli->output == POPCTL_OUTPUT_TABLE) {
			rc = popctl_print_table(stdout, result) == 0 ? 0 : EXIT_REFUSED;
		} else {
			/* As the AWS CLI prints: 4-space indent, members in popd's order. */
			char *text = json_dumps(result, JSON_INDENT(4) | JSON_ENCODE_ANY);
			rc = text != NULL && printf("%s\n", text) > 0 ? 0 : EXIT_REFUSED;
			free(text);
		}
		json_decref(empty);
	}
	json_decref(msg);
	return rc;
}

int main(int argc, char **argv)
{
	struct popctl_cli cli;
	char err[640];
	char *request = NULL;
	char *line = NULL;
	json_t *msg;
	int rc;

	rc = popctl_parse_args(argc, argv, getenv("POP_SOCKET"), &cli, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "popctl: %s\n\n", rc == -ENOMEM ? "out of memory" : err);
		print_usage(stderr);
		popctl_cli_release(&cli);
		return EXIT_USAGE;
	}
	if (cli.help || cli.version) {
		if (cli.help)
			print_usage(stdout);
		else
			printf("popctl %s\n", POP_VERSION);
		popctl_cli_release(&cli);
		return 0;
	}
	if (cli.command[0] == '\0') {
		fprintf(stderr, "popctl: no command given\n\n");
		print_usage(stderr);
		popctl_cli_release(&cli);
		return EXIT_USAGE;
	}

	if (cli.transaction[0] == '\0' && getenv("POP_TRANSACTION") != NULL)
		snprintf(cli.transaction, sizeof(cli.transaction), "%s", getenv("POP_TRANSACTION"));
	msg = json_pack("{s:i, s:s, s:O}", "id", 1, "command", cli.command, "args", cli.args);
	/* Staged into a transaction begun earlier (popctl begin): */
	if (msg != NULL && cli.transaction[0] != '\0')
		json_object_set_new(msg, "transaction", json_string(cli.transaction));
	if (msg != NULL)
		request = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (request == NULL) {
		fprintf(stderr, "popctl: out of memory\n");
		popctl_cli_release(&cli);
		return EXIT_USAGE;
	}
	/* The line must end in "\n": append it in place of the terminator. */
	size_t request_len = strlen(request);
	char *framed = realloc(request, request_len + 2);
	if (framed == NULL) {
		free(request);
		popctl_cli_release(&cli);
		return EXIT_USAGE;
	}
	framed[request_len++] = '\n';
	framed[request_len] = '\0';

	rc = exchange(&cli, framed, request_len, &line);
	free(framed);
	if (rc == 0)
		rc = print_response(&cli, line);
	free(line);
	popctl_cli_release(&cli);
	return rc;
}
