/* SPDX-License-Identifier: BSD-3-Clause */
#include "attach.h"

#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ATTACH_LOG(level, ...) POP_LOG("attach", level, __VA_ARGS__)
#define RETRY_NS	       (2ull * 1000000000ull)
#define REPLY_BUF_BYTES	       65536

enum attach_state { DETACHED, WAITING_ACK, ATTACHED };

struct attach {
	char path[108];
	json_t *hello;
	int fd;
	enum attach_state state;
	uint64_t next_try_ns;
	int64_t next_id;
	int64_t hello_id;
	bool warned;
	size_t in_len;
	char in[REPLY_BUF_BYTES];
};

struct attach *attach_new(const char *socket_path, json_t *hello)
{
	struct attach *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	snprintf(a->path, sizeof(a->path), "%s", socket_path);
	a->hello = json_incref(hello);
	a->fd = -1;
	a->next_id = 1;
	return a;
}

static void drop_connection(struct attach *a, const char *why, uint64_t now_ns)
{
	if (a->state == ATTACHED)
		ATTACH_LOG(WARNING, "detached from popd: %s", why);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->state = DETACHED;
	a->in_len = 0;
	a->next_try_ns = now_ns + RETRY_NS;
}

/* Whole line or nothing: a partial line would corrupt the stream. */
static int send_request(struct attach *a, const char *command, json_t *args, int64_t *id_out)
{
	json_t *req = json_pack("{s:I, s:s, s:O}", "id", (json_int_t)a->next_id, "command", command,
				"args", args ? args : json_object());
	char *line;
	size_t len;
	ssize_t n;

	if (req == NULL)
		return -ENOMEM;
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n'; /* replaces the NUL; length tracked separately */
	n = send(a->fd, line, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(line);
	if (n < 0)
		return -errno;
	if ((size_t)n != len + 1)
		return -EPIPE;
	if (id_out != NULL)
		*id_out = a->next_id;
	a->next_id++;
	return 0;
}

static void handle_reply(struct attach *a, const char *line, uint64_t now_ns)
{
	json_error_t err;
	json_t *rep = json_loads(line, 0, &err);
	json_t *id, *ok;

	if (rep == NULL)
		return;
	id = json_object_get(rep, "id");
	ok = json_object_get(rep, "ok");
	if (a->state == WAITING_ACK && json_is_integer(id) &&
	    json_integer_value(id) == a->hello_id) {
		if (json_is_true(ok)) {
			a->state = ATTACHED;
			a->warned = false;
			ATTACH_LOG(INFO, "attached to popd at %s", a->path);
		} else {
			const char *msg = json_string_value(
			    json_object_get(json_object_get(rep, "error"), "message"));
			ATTACH_LOG(WARNING, "popd refused the attachment: %s", msg ? msg : "?");
			drop_connection(a, "refused", now_ns);
		}
	}
	json_decref(rep);
}

static void read_replies(struct attach *a, uint64_t now_ns)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (a->in_len == sizeof(a->in) - 1)
			a->in_len = 0; /* a reply this long is not for us: skip it */
		n = recv(a->fd, a->in + a->in_len, sizeof(a->in) - 1 - a->in_len, MSG_DONTWAIT);
		if (n == 0) {
			drop_connection(a, "popd closed the connection", now_ns);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				drop_connection(a, strerror(errno), now_ns);
			return;
		}
		a->in_len += (size_t)n;
		a->in[a->in_len] = '\0';
		while ((nl = memchr(a->in, '\n', a->in_len)) != NULL) {
			size_t used = (size_t)(nl - a->in) + 1;
			*nl = '\0';
			handle_reply(a, a->in, now_ns);
			if (a->fd < 0)
				return;
			memmove(a->in, a->in + used, a->in_len - used);
			a->in_len -= used;
		}
	}
}

static void try_connect(struct attach *a, uint64_t now_ns)
{
	struct sockaddr_un sa;
	int rc;

	a->next_try_ns = now_ns + RETRY_NS;
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, a->path, strlen(a->path));
	if (connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (!a->warned)
			ATTACH_LOG(NOTICE, "popd not reachable at %s (%s); serving alone, retrying",
				   a->path, strerror(errno));
		a->warned = true;
		close(a->fd);
		a->fd = -1;
		return;
	}
	rc = send_request(a, "dataplane attach", a->hello, &a->hello_id);
	if (rc != 0) {
		drop_connection(a, pop_strerror(rc), now_ns);
		return;
	}
	a->state = WAITING_ACK;
}

void attach_tick(struct attach *a, json_t *stats, uint64_t now_ns)
{
	if (a->fd < 0 && now_ns >= a->next_try_ns)
		try_connect(a, now_ns);
	if (a->fd >= 0)
		read_replies(a, now_ns);
	if (a->fd >= 0 && a->state == ATTACHED && stats != NULL) {
		int rc = send_request(a, "dataplane stats", stats, NULL);
		/* A full socket buffer means popd is slow: skip this sample. */
		if (rc != 0 && rc != -EAGAIN && rc != -EWOULDBLOCK)
			drop_connection(a, pop_strerror(rc), now_ns);
	}
}

bool attach_is_attached(const struct attach *a)
{
	return a->state == ATTACHED;
}

void attach_free(struct attach *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	json_decref(a->hello);
	free(a);
}
