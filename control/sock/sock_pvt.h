/* SPDX-License-Identifier: BSD-3-Clause */
/* The server's insides, shared by the .c files of control/sock only. */
#ifndef POP_CTL_SOCK_PVT_H
#define POP_CTL_SOCK_PVT_H

#include "base.h"
#include "sock.h"

#include <sys/stat.h>
#include <time.h>

#define CTL_LOG(level, ...)    POP_LOG("ctl", level, __VA_ARGS__)
#define CTL_MAX_COMMAND_TABLES 16

/* What an epoll event's pointer names: the first member of both. */
enum ctl_watch_kind { CTL_WATCH_CONN = 1, CTL_WATCH_FD };

struct ctl_watch {
	enum ctl_watch_kind kind; /* CTL_WATCH_FD */
	struct ctl_server *srv;
	int fd;
	uint32_t events;
	ctl_watch_fn *fn;
	void *user;
	bool dead; /* unwatched: freed after the current batch of events */
	struct ctl_watch *next;
};

struct ctl_conn {
	enum ctl_watch_kind kind; /* CTL_WATCH_CONN */
	struct ctl_server *srv;
	int fd;
	uint64_t serial; /* for log lines: fds are reused, serials are not */
	pid_t peer_pid;
	uid_t peer_uid;
	char *in; /* request bytes: in[in_off..in_len) not yet consumed */
	size_t in_off, in_len, in_cap;
	size_t scan_off; /* in[in_off..scan_off) holds no "\n": don't rescan it */
	char *out;	 /* response bytes not yet sent: out[out_off..out_len) */
	size_t out_off, out_len, out_cap;
	uint64_t last_active_ns;
	uint32_t epoll_events;
	bool peer_eof; /* the client half-closed: answer, flush, close */
	bool closing;  /* close once the output is flushed */
	void *user;    /* the owner's per-connection data */
	struct ctl_conn *prev, *next;
};

struct ctl_dataplane {
	struct ctl_conn *conn; /* the attached connection, or NULL */
	json_int_t pid;
	json_int_t workers;
	json_t *ports;
	json_t *vips;
	char version[64];
	uint64_t attached_at_ns;
	json_t *stats; /* the last `dataplane stats` object, or NULL */
	uint64_t stats_at_ns;
};

struct ctl_counters {
	uint64_t connections; /* open now */
	uint64_t accepted;
	uint64_t requests;
	uint64_t errors;
	uint64_t denied;
	uint64_t refused_limit;
};

struct ctl_command_table {
	const struct ctl_command *entries;
	size_t count;
};

struct ctl_server {
	char *instance;
	char *socket_path;
	unsigned max_connections;
	size_t max_request_bytes;
	unsigned idle_timeout_s;
	bool have_group;
	gid_t group_gid;

	int listen_fd;
	int signal_fd;
	int epoll_fd;
	dev_t socket_dev; /* to unlink only the socket this server made */
	ino_t socket_ino;
	bool stop;
	uint64_t next_serial;
	uint64_t next_sweep_ns;	      /* no connection can go idle before this */
	uint64_t accept_paused_until; /* out of fds: retry accepting after this */
	uint64_t last_refusal_log_ns;
	uint64_t refusals_unlogged;

	pid_t pid;
	time_t started_at;
	uint64_t started_ns;

	struct ctl_conn *conns; /* every open connection, newest first */
	struct ctl_counters counters;
	struct ctl_dataplane dataplane;

	struct ctl_hooks hooks;
	struct ctl_watch *watches; /* every fd a module watches, dead ones included */
	bool watches_dead;

	struct ctl_command_table tables[CTL_MAX_COMMAND_TABLES];
	size_t table_count;
};

/* commands.c: the built-in command table. */
extern const struct ctl_command ctl_builtin_commands[];
extern const size_t ctl_builtin_command_count;

/* commands.c: forget the data plane when its connection closes. */
void ctl_dataplane_conn_closed(struct ctl_server *srv, struct ctl_conn *conn);

/* request.c: find a command in every table the server has. */
const struct ctl_command *ctl_server_find_command(const struct ctl_server *srv, const char *words);

#endif /* POP_CTL_SOCK_PVT_H */
