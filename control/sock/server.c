/* SPDX-License-Identifier: BSD-3-Clause */
/* The event loop: one thread, epoll, non-blocking sockets, a signalfd. */
#include "sock_pvt.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NS_PER_S	     1000000000ull
#define NS_PER_MS	     1000000ull
#define ACCEPTS_PER_WAKEUP   64
#define ACCEPT_PAUSE_NS	     (100 * NS_PER_MS)
#define READ_CHUNK_MIN_BYTES 4096
#define DRAIN_MAX_BYTES	     (64 * 1024)
#define NO_DEADLINE	     UINT64_MAX

int ctl_server_create(const struct ctl_server_config *cfg, struct ctl_server **out)
{
	struct ctl_server *srv;

	if (cfg->instance == NULL || cfg->instance[0] == '\0' || cfg->max_connections == 0 ||
	    cfg->max_request_bytes == 0 || cfg->idle_timeout_s == 0)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->instance = strdup(cfg->instance);
	srv->socket_path = cfg->socket_path != NULL ? strdup(cfg->socket_path) : NULL;
	if (srv->instance == NULL || (cfg->socket_path != NULL && srv->socket_path == NULL)) {
		ctl_server_destroy(srv);
		return -ENOMEM;
	}
	srv->max_connections = cfg->max_connections;
	srv->max_request_bytes = cfg->max_request_bytes;
	srv->idle_timeout_s = cfg->idle_timeout_s;
	srv->have_group = cfg->have_group;
	srv->group_gid = cfg->group_gid;
	srv->listen_fd = -1;
	srv->signal_fd = -1;
	srv->epoll_fd = -1;
	srv->next_sweep_ns = NO_DEADLINE;
	srv->pid = getpid();
	srv->started_at = time(NULL);
	srv->started_ns = pop_now_ns();
	srv->tables[0].entries = ctl_builtin_commands;
	srv->tables[0].count = ctl_builtin_command_count;
	srv->table_count = 1;
	*out = srv;
	return 0;
}

int ctl_server_add_commands(struct ctl_server *srv, const struct ctl_command *table, size_t count)
{
	if (srv->table_count == CTL_MAX_COMMAND_TABLES)
		return -POP_ELIMIT;
	for (size_t i = 0; i < count; i++)
		if (ctl_server_find_command(srv, table[i].words) != NULL)
			return -EEXIST;
	srv->tables[srv->table_count].entries = table;
	srv->tables[srv->table_count].count = count;
	srv->table_count++;
	return 0;
}

const char *ctl_server_socket_path(const struct ctl_server *srv)
{
	return srv->socket_path;
}

/* A socket file may outlive a crashed popd. Replace it only when nothing
 * answers behind it, and never replace something that is not a socket. */
static int clear_stale_socket(const struct sockaddr_un *addr)
{
	struct stat st;
	int probe, rc;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	/* EAGAIN: a full backlog, so someone is listening. */
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		close(probe);
		return -EADDRINUSE;
	}
	close(probe);
	if (unlink(addr->sun_path) < 0 && errno != ENOENT)
		return -errno;
	CTL_LOG(NOTICE, "removed stale socket %s", addr->sun_path);
	return 0;
}

static int epoll_watch(struct ctl_server *srv, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(srv->epoll_fd, op, fd, &ev) < 0 ? -errno : 0;
}

int ctl_server_listen(struct ctl_server *srv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	sigset_t stop_signals;
	mode_t old_umask;
	int rc;

	if (srv->socket_path == NULL || srv->listen_fd >= 0)
		return -EINVAL;
	if (strlen(srv->socket_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, srv->socket_path);
	rc = clear_stale_socket(&addr);
	if (rc < 0)
		return rc;

	srv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0)
		return -errno;
	/* Born 0660: never a moment where others could connect. */
	old_umask = umask(0117);
	rc = bind(srv->listen_fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old_umask);
	if (rc < 0)
		return -errno;
	if (stat(srv->socket_path, &st) < 0)
		return -errno;
	srv->socket_dev = st.st_dev;
	srv->socket_ino = st.st_ino;
	if (chmod(srv->socket_path, CTL_SOCKET_MODE) < 0)
		return -errno;
	if (geteuid() == 0 && srv->have_group && chown(srv->socket_path, 0, srv->group_gid) < 0)
		return -errno;
	if (listen(srv->listen_fd, 128) < 0)
		return -errno;

	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epoll_fd < 0)
		return -errno;
	rc = epoll_watch(srv, EPOLL_CTL_ADD, srv->listen_fd, EPOLLIN, &srv->listen_fd);
	if (rc < 0)
		return rc;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop_signals, NULL) < 0)
		return -errno;
	srv->signal_fd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->signal_fd < 0)
		return -errno;
	/* A client that goes away mid-response must cost an EPIPE, not the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return epoll_watch(srv, EPOLL_CTL_ADD, srv->signal_fd, EPOLLIN, &srv->signal_fd);
}

static size_t conn_pending(const struct ctl_conn *c)
{
	return c->out_len - c->out_off;
}

/* Reading what the peer still sent before closing turns the kernel's
 * ECONNRESET (unread data at close) into a clean EOF after our last line. */
static void drain_input(int fd)
{
	char scratch[4096];
	size_t total = 0;
	ssize_t n;

	while (total < DRAIN_MAX_BYTES &&
	       (n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

static void log_refusal(struct ctl_server *srv, const struct ucred *cred, const char *code)
{
	uint64_t now = pop_now_ns();

	/* A client retrying in a loop must not flood the journal. */
	if (srv->last_refusal_log_ns != 0 && now - srv->last_refusal_log_ns < NS_PER_S) {
		srv->refusals_unlogged++;
		return;
	}
	CTL_LOG(WARNING,
		"refused connection of pid %d uid %u gid %u: %s (%llu more since last line)",
		(int)cred->pid, (unsigned)cred->uid, (unsigned)cred->gid, code,
		(unsigned long long)srv->refusals_unlogged);
	srv->last_refusal_log_ns = now;
	srv->refusals_unlogged = 0;
}

static void refuse(struct ctl_server *srv, int fd, const struct ucred *cred, const char *code,
		   const char *message)
{
	struct ctl_error err;
	size_t len = 0;
	char *line;

	snprintf(err.code, sizeof(err.code), "%s", code);
	snprintf(err.message, sizeof(err.message), "%s", message);
	line = ctl_response_render(false, 0, NULL, &err, &len);
	/* A fresh socket's buffer takes a short line whole; if not, closing says enough. */
	if (line != NULL && send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		CTL_LOG(DEBUG, "could not send %s: %s", code, pop_strerror(-errno));
	free(line);
	srv->counters.errors++;
	log_refusal(srv, cred, code);
	drain_input(fd);
	close(fd);
}

static void conn_close(struct ctl_conn *c)
{
	struct ctl_server *srv = c->srv;

	if (c->closing)
		drain_input(c->fd);
	ctl_dataplane_conn_closed(srv, c);
	if (srv->hooks.conn_closed != NULL)
		srv->hooks.conn_closed(srv->hooks.user, c);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->counters.connections--;
	CTL_LOG(DEBUG, "connection %llu closed", (unsigned long long)c->serial);
	free(c->in);
	free(c->out);
	free(c);
}

static int conn_open(struct ctl_server *srv, int fd, const struct ucred *cred)
{
	struct ctl_conn *c = calloc(1, sizeof(*c));
	uint64_t now = pop_now_ns();
	uint64_t deadline = now + srv->idle_timeout_s * NS_PER_S;
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->kind = CTL_WATCH_CONN;
	c->srv = srv;
	c->fd = fd;
	c->serial = ++srv->next_serial;
	c->peer_pid = cred->pid;
	c->peer_uid = cred->uid;
	c->last_active_ns = now;
	c->epoll_events = EPOLLIN;
	rc = epoll_watch(srv, EPOLL_CTL_ADD, fd, c->epoll_events, c);
	if (rc < 0) {
		free(c);
		return rc;
	}
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->counters.connections++;
	srv->counters.accepted++;
	if (deadline < srv->next_sweep_ns)
		srv->next_sweep_ns = deadline;
	CTL_LOG(DEBUG, "connection %llu from pid %d uid %u", (unsigned long long)c->serial,
		(int)cred->pid, (unsigned)cred->uid);
	return 0;
}

static void accept_ready(struct ctl_server *srv)
{
	char message[512];

	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		struct ucred cred;
		socklen_t cred_len = sizeof(cred);
		int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return;
			/* Out of fds or memory: the listen fd would stay readable and spin
			 * the loop, so stop watching it for a while. */
			CTL_LOG(WARNING, "accept: %s; pausing new connections for %llu ms",
				pop_strerror(-errno),
				(unsigned long long)(ACCEPT_PAUSE_NS / NS_PER_MS));
			srv->accept_paused_until = pop_now_ns() + ACCEPT_PAUSE_NS;
			epoll_watch(srv, EPOLL_CTL_MOD, srv->listen_fd, 0, &srv->listen_fd);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0) {
			close(fd);
			continue;
		}
		if (srv->counters.connections >= srv->max_connections) {
			srv->counters.refused_limit++;
			snprintf(
			    message, sizeof(message),
			    "popd already serves %u connections (Control.MaxConnections); this "
			    "one is closed, the others are kept",
			    srv->max_connections);
			refuse(srv, fd, &cred, "TooManyConnections", message);
			continue;
		}
		if (ctl_peer_check(cred.uid, cred.gid, srv->have_group, srv->group_gid) < 0) {
			srv->counters.denied++;
			snprintf(message, sizeof(message),
				 "uid %u (gid %u) is neither root nor in group %s; add the user to "
				 "the group (usermod -aG %s USER) and log in again; the connection "
				 "is closed",
				 (unsigned)cred.uid, (unsigned)cred.gid, CTL_GROUP_NAME,
				 CTL_GROUP_NAME);
			refuse(srv, fd, &cred, "AccessDenied", message);
			continue;
		}
		if (conn_open(srv, fd, &cred) < 0) {
			CTL_LOG(WARNING, "could not take a connection: out of memory");
			close(fd);
		}
	}
}

static int out_append(struct ctl_conn *c, const char *data, size_t len)
{
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : READ_CHUNK_MIN_BYTES;
		char *grown;

		while (cap < c->out_len + len)
			cap *= 2;
		grown = realloc(c->out, cap);
		if (grown == NULL)
			return -ENOMEM;
		c->out = grown;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static int conn_answer(struct ctl_conn *c, const char *line, size_t len)
{
	char *response = NULL;
	size_t response_len = 0;
	int rc = ctl_server_execute(c->srv, c, line, len, &response, &response_len);

	if (rc < 0)
		return rc;
	rc = out_append(c, response, response_len);
	free(response);
	return rc;
}

static int conn_too_large(struct ctl_conn *c)
{
	struct ctl_server *srv = c->srv;
	struct ctl_error err;
	size_t len = 0;
	char *line;
	int rc;

	snprintf(err.code, sizeof(err.code), "RequestTooLarge");
	snprintf(err.message, sizeof(err.message),
		 "request line longer than %zu bytes (Control.MaxRequestBytes); the connection is "
		 "closed, earlier requests on it were answered",
		 srv->max_request_bytes);
	line = ctl_response_render(false, 0, NULL, &err, &len);
	if (line == NULL)
		return -ENOMEM;
	srv->counters.requests++;
	srv->counters.errors++;
	rc = out_append(c, line, len);
	free(line);
	c->closing = true;
	c->in_off = c->in_len = c->scan_off = 0;
	return rc;
}

/* Answer every complete line while the output is under its soft limit. */
static int conn_process(struct ctl_conn *c)
{
	size_t max = c->srv->max_request_bytes;

	while (!c->closing && conn_pending(c) < CTL_OUTPUT_SOFT_LIMIT_BYTES) {
		char *start = c->in + c->in_off;
		size_t avail = c->in_len - c->in_off;
		size_t scanned = c->scan_off > c->in_off ? c->scan_off - c->in_off : 0;
		char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
		int rc;

		if (nl == NULL) {
			c->scan_off = c->in_len;
			if (avail > max)
				return conn_too_large(c);
			if (c->peer_eof) {
				/* A last line without "\n" before the half-close still counts. */
				if (avail > 0 && (rc = conn_answer(c, start, avail)) < 0)
					return rc;
				c->in_off = c->in_len = c->scan_off = 0;
				c->closing = true;
			}
			return 0;
		}
		size_t line_len = (size_t)(nl - start);
		if (line_len > max)
			return conn_too_large(c);
		c->in_off += line_len + 1;
		c->scan_off = c->in_off;
		/* Blank lines are keep-alives from hand-typed sessions: no answer. */
		if (line_len == 0 || (line_len == 1 && start[0] == '\r'))
			continue;
		rc = conn_answer(c, start, line_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int conn_read(struct ctl_conn *c)
{
	/* Room for one longest line and its "\n"; anything more is refused anyway. */
	size_t limit = c->srv->max_request_bytes + 1;
	ssize_t n;

	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->scan_off = c->scan_off > c->in_off ? c->scan_off - c->in_off : 0;
		c->in_off = 0;
	}
	if (c->in_len == c->in_cap) {
		size_t cap = c->in_cap ? c->in_cap * 2 : READ_CHUNK_MIN_BYTES;
		char *grown;

		if (cap > limit)
			cap = limit;
		if (cap <= c->in_cap)
			return 0; /* full with no "\n": conn_process refuses it */
		grown = realloc(c->in, cap);
		if (grown == NULL)
			return -ENOMEM;
		c->in = grown;
		c->in_cap = cap;
	}
	n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n > 0) {
		c->in_len += (size_t)n;
		c->last_active_ns = pop_now_ns();
		return 0;
	}
	if (n == 0) {
		c->peer_eof = true;
		return 0;
	}
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static int conn_flush(struct ctl_conn *c)
{
	while (conn_pending(c) > 0) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, conn_pending(c), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		c->out_off += (size_t)n;
		c->last_active_ns = pop_now_ns();
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* After any I/O: answer, send, then watch for what can move the connection on. */
static void conn_service(struct ctl_conn *c)
{
	uint32_t want = 0;

	if (conn_flush(c) < 0 || conn_process(c) < 0 || conn_flush(c) < 0)
		goto close;
	if (c->closing && conn_pending(c) == 0)
		goto close;
	if (!c->closing && !c->peer_eof && conn_pending(c) < CTL_OUTPUT_SOFT_LIMIT_BYTES)
		want |= EPOLLIN;
	if (conn_pending(c) > 0)
		want |= EPOLLOUT;
	if (want != c->epoll_events) {
		if (epoll_watch(c->srv, EPOLL_CTL_MOD, c->fd, want, c) < 0)
			goto close;
		c->epoll_events = want;
	}
	return;
close:
	conn_close(c);
}

static void conn_event(struct ctl_conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && !c->peer_eof && conn_read(c) < 0) {
		conn_close(c);
		return;
	}
	conn_service(c);
}

static void sweep_idle(struct ctl_server *srv, uint64_t now)
{
	uint64_t idle_ns = srv->idle_timeout_s * NS_PER_S;
	uint64_t next = NO_DEADLINE;
	struct ctl_conn *c = srv->conns;

	while (c != NULL) {
		struct ctl_conn *following = c->next;
		uint64_t deadline = c->last_active_ns + idle_ns;

		if (c != srv->dataplane.conn) {
			if (deadline <= now) {
				CTL_LOG(DEBUG, "connection %llu idle for %u s: closed",
					(unsigned long long)c->serial, srv->idle_timeout_s);
				conn_close(c);
			} else if (deadline < next) {
				next = deadline;
			}
		}
		c = following;
	}
	/* Activity only moves deadlines later and new connections get the latest
	 * one, so nothing can expire before `next`. */
	srv->next_sweep_ns = next;
}

static void signal_ready(struct ctl_server *srv)
{
	struct signalfd_siginfo info;

	while (read(srv->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		CTL_LOG(NOTICE, "received %s, stopping", strsignal((int)info.ssi_signo));
		srv->stop = true;
	}
}

static int wait_timeout_ms(const struct ctl_server *srv, uint64_t now)
{
	uint64_t wake = srv->next_sweep_ns;

	if (srv->accept_paused_until != 0 && srv->accept_paused_until < wake)
		wake = srv->accept_paused_until;
	if (wake == NO_DEADLINE)
		return -1;
	if (wake <= now)
		return 0;
	uint64_t ms = (wake - now + NS_PER_MS - 1) / NS_PER_MS;
	return ms > 60000 ? 60000 : (int)ms;
}

void ctl_server_stop(struct ctl_server *srv)
{
	srv->stop = true;
}

int ctl_server_watch(struct ctl_server *srv, int fd, uint32_t events, ctl_watch_fn *fn, void *user,
		     struct ctl_watch **out)
{
	struct ctl_watch *w;
	int rc;

	if (srv->epoll_fd < 0 || fd < 0 || fn == NULL)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	*w = (struct ctl_watch){
	    .kind = CTL_WATCH_FD, .srv = srv, .fd = fd, .events = events, .fn = fn, .user = user};
	rc = epoll_watch(srv, EPOLL_CTL_ADD, fd, events, w);
	if (rc < 0) {
		free(w);
		return rc;
	}
	w->next = srv->watches;
	srv->watches = w;
	*out = w;
	return 0;
}

int ctl_server_watch_modify(struct ctl_watch *w, uint32_t events)
{
	int rc;

	if (w == NULL || w->dead)
		return -EINVAL;
	if (events == w->events)
		return 0;
	rc = epoll_watch(w->srv, EPOLL_CTL_MOD, w->fd, events, w);
	if (rc == 0)
		w->events = events;
	return rc;
}

void ctl_server_unwatch(struct ctl_watch *w)
{
	if (w == NULL || w->dead)
		return;
	epoll_ctl(w->srv->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	/* Freed after the batch: an event for it may still wait in the array. */
	w->dead = true;
	w->srv->watches_dead = true;
}

static void watch_event(struct ctl_watch *w, uint32_t events)
{
	if (!w->dead)
		w->fn(w->user, w->fd, events);
}

static void watches_reap(struct ctl_server *srv)
{
	struct ctl_watch **pp = &srv->watches;

	while (*pp != NULL) {
		struct ctl_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	srv->watches_dead = false;
}

int ctl_server_run(struct ctl_server *srv)
{
	struct epoll_event events[64];

	if (srv->epoll_fd < 0)
		return -EINVAL;
	while (!srv->stop) {
		int n = epoll_wait(srv->epoll_fd, events, 64, wait_timeout_ms(srv, pop_now_ns()));
		uint64_t now;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;

			if (ptr == &srv->listen_fd)
				accept_ready(srv);
			else if (ptr == &srv->signal_fd)
				signal_ready(srv);
			else if (*(enum ctl_watch_kind *)ptr == CTL_WATCH_FD)
				watch_event(ptr, events[i].events);
			else
				conn_event(ptr, events[i].events);
		}
		if (srv->watches_dead)
			watches_reap(srv);
		now = pop_now_ns();
		if (now >= srv->next_sweep_ns)
			sweep_idle(srv, now);
		if (srv->accept_paused_until != 0 && now >= srv->accept_paused_until) {
			srv->accept_paused_until = 0;
			epoll_watch(srv, EPOLL_CTL_MOD, srv->listen_fd, EPOLLIN, &srv->listen_fd);
		}
	}
	return 0;
}

void ctl_server_destroy(struct ctl_server *srv)
{
	struct stat st;

	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_close(srv->conns);
	while (srv->watches != NULL) {
		struct ctl_watch *w = srv->watches;

		srv->watches = w->next;
		free(w);
	}
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		/* Only our own socket: after a takeover the path may be another's. */
		if (stat(srv->socket_path, &st) == 0 && st.st_dev == srv->socket_dev &&
		    st.st_ino == srv->socket_ino)
			unlink(srv->socket_path);
	}
	if (srv->signal_fd >= 0)
		close(srv->signal_fd);
	if (srv->epoll_fd >= 0)
		close(srv->epoll_fd);
	json_decref(srv->dataplane.ports);
	json_decref(srv->dataplane.vips);
	json_decref(srv->dataplane.stats);
	free(srv->instance);
	free(srv->socket_path);
	free(srv);
}

void ctl_server_set_hooks(struct ctl_server *srv, const struct ctl_hooks *hooks)
{
	srv->hooks = *hooks;
}

void *ctl_server_user(const struct ctl_server *srv)
{
	return srv->hooks.user;
}

void *ctl_conn_user(const struct ctl_conn *conn)
{
	return conn != NULL ? conn->user : NULL;
}

void ctl_conn_set_user(struct ctl_conn *conn, void *user)
{
	if (conn != NULL)
		conn->user = user;
}

const struct ctl_command *ctl_server_lookup(const struct ctl_server *srv, const char *words)
{
	return ctl_server_find_command(srv, words);
}
