/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sock.h
 * The control socket: the server library popd runs, and the protocol that
 * popctl, popdp and every other client speak over it.
 *
 * # Transport
 *
 * A Unix stream socket, by default `/run/pop/<instance>/control.sock`, in the
 * run directory `/run/pop/<instance>` (mode 0750, owner root, group `pop`).
 * The socket is mode 0660, owner root, group `pop`. popd creates the `pop`
 * system group when it runs as root and the group is missing.
 *
 * # Who may connect
 *
 * On accept the server reads the peer's credentials (SO_PEERCRED). A peer is
 * allowed when its uid is 0, or its uid is the server's own effective uid (a
 * peer of that uid could ptrace the server anyway), or its gid is the `pop`
 * group, or the `pop` group is in the supplementary groups of its user
 * (getpwuid + getgrouplist). Any other peer gets one error response with code
 * `AccessDenied` and is closed; stats counts it as `denied`.
 * A connection beyond `max_connections` gets `TooManyConnections` and is
 * closed; stats counts it as `refused_limit`.
 *
 * # Framing
 *
 * One message per line: a compact JSON object terminated by "\n" (a "\r"
 * before it is tolerated). Requests on one connection are answered in order.
 * A request line longer than `max_request_bytes` (not counting its "\n") gets
 * `RequestTooLarge` and the connection is closed. A line that is not JSON, not
 * an object, or has a missing or invalid field gets `InvalidRequest` and the
 * connection stays open. Blank lines get no answer. If the client half-closes
 * after a last line without "\n", that line is still answered. An idle
 * connection is closed without a message.
 *
 * Request:
 *
 *     {"id": 7, "command": "dataplane attach", "args": {...}}
 *
 * - `id`: integer, optional, echoed back (`null` in the response when absent
 *   or when the line could not be parsed far enough to read it).
 * - `command`: the command's words separated by spaces (runs of spaces count
 *   as one); printable ASCII, at most CTL_COMMAND_MAX_BYTES bytes.
 * - `args`: object, optional (absent or `null` means `{}`).
 * - `transaction`: string, optional: the id `begin` returned; a command that
 *   changes state is then staged in that transaction instead of applied.
 * - no other top-level member is allowed.
 *
 * Response, one line:
 *
 *     {"id": 7, "ok": true, "result": {...}}
 *     {"id": 7, "ok": false, "error": {"code": "UnknownCommand", "message": "..."}}
 *
 * Error codes are AWS style (PascalCase). The message says what was wrong,
 * where (field path), and what was kept. Codes of the socket itself:
 * `AccessDenied`, `TooManyConnections`, `RequestTooLarge`, `InvalidRequest`,
 * `UnknownCommand`, `MissingParameter`, `InvalidParameterValue`,
 * `DataplaneAlreadyAttached`, `NotAttached`, `InternalFailure`.
 *
 * # Built-in commands
 *
 * `help`, `status` and `stats` take no args: a stray member (a mistyped
 * option) gets `InvalidParameterValue` naming it.
 *
 * - `help` → `{"commands": [{"command": "...", "usage": "..."}, ...]}`
 * - `status` → `{"version", "instance", "pid", "started_at" (RFC 3339 UTC),
 *   "uptime_s", "socket", "dataplane": {"attached": false}}`; while a data
 *   plane is attached `dataplane` also has `pid`, `workers`, `ports` and `vips`
 *   (as the data plane sent them) and `attached_s`.
 * - `stats` → `{"control": {"connections" (current), "accepted", "requests",
 *   "errors", "denied", "refused_limit"}, "dataplane": <last object sent with
 *   `dataplane stats`, or null>, "dataplane_stats_age_ms": N or null}`.
 *   `accepted` counts admitted connections, `requests` every request line,
 *   `errors` every error response sent (refusals included).
 * - `dataplane attach` with args `{"pid": int > 0, "instance": str,
 *   "version": str, "workers": int >= 0, "ports": [...], "vips": [...]}`, all
 *   required, other members ignored → `{"attached": true}`. The connection
 *   becomes the attached data plane until it closes, and is exempt from the
 *   idle timeout. Attaching again on the same connection updates the record.
 *   If another connection is attached: `DataplaneAlreadyAttached`. An
 *   `instance` other than the server's: `InvalidParameterValue`.
 * - `dataplane stats` with args: any object (the data plane's counters) → `{}`.
 *   Only on the attached connection (else `NotAttached`). Kept as the latest
 *   stats, with the time it arrived; kept after the data plane detaches.
 *
 * # Bounds
 *
 * `max_connections`, `max_request_bytes` and `idle_timeout_s` come from popd's
 * config (Control.*). A connection with no traffic for `idle_timeout_s` is
 * closed (the attached data plane excepted). Output is buffered per
 * connection: while more than CTL_OUTPUT_SOFT_LIMIT_BYTES wait to be sent the
 * server reads no further request from that connection, so a connection holds
 * at most that plus one response.
 *
 * # Threads
 *
 * The server is single-threaded: one epoll loop, non-blocking sockets, a
 * signalfd for SIGTERM and SIGINT. Every function here must be called from the
 * thread that runs ctl_server_run(), except ctl_request_parse() and
 * ctl_peer_check(), which any thread may call.
 */
#ifndef POP_CTL_SOCK_H
#define POP_CTL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/** Longest accepted `command` member, in bytes. */
#define CTL_COMMAND_MAX_BYTES 256
/** Pending output above which a connection's further requests wait. */
#define CTL_OUTPUT_SOFT_LIMIT_BYTES (256 * 1024)
/** Mode of the socket file and of the run directory. */
#define CTL_SOCKET_MODE	 0660
#define CTL_RUN_DIR_MODE 0750
/** The group whose members may use the socket. */
#define CTL_GROUP_NAME "pop"

/** An error to send back: AWS-style code and a message for a human. */
struct ctl_error {
	char code[48];
	char message[512];
};

/** One request line, parsed. */
struct ctl_request {
	json_t *root;				 /**< owned; NULL if not JSON */
	bool has_id;				 /**< `id` was present and valid */
	json_int_t id;				 /**< valid when has_id */
	char command[CTL_COMMAND_MAX_BYTES + 1]; /**< words joined by one space */
	json_t *args;				 /**< borrowed from root, never NULL on success */
	char transaction[48];			 /**< the `transaction` member, "" when absent */
};

/** A server; opaque. */
struct ctl_server;
/** One client connection; opaque. */
struct ctl_conn;

/** What a handler gets, and fills in. */
struct ctl_call {
	struct ctl_server *server; /**< the server that received the request */
	struct ctl_conn *conn;	 /**< the connection; NULL for ctl_server_execute(..., NULL, ...) */
	const char *command;	 /**< the normalized command words */
	json_t *args;		 /**< borrowed; an object, never NULL */
	const char *transaction; /**< the request's `transaction` id, or NULL */
	json_t *result;		 /**< set by the handler on success (owned); NULL sends {} */
	struct ctl_error error;	 /**< set by ctl_call_fail() */
};

/**
 * One command: its words ("dataplane attach"), a one-line usage for `help`,
 * and the handler. A handler returns 0 with call->result set (or NULL for
 * `{}`), or the value of ctl_call_fail().
 */
struct ctl_command {
	const char *words;
	const char *usage;
	int (*handler)(struct ctl_call *call);
	unsigned flags; /**< CTL_CMD_* */
};

/** The command changes stored state: it runs through the server's `mutating` hook. */
#define CTL_CMD_MUTATES 0x1u

/**
 * What the owner of a server (popd) adds around dispatch. Every member may be
 * NULL.
 */
struct ctl_hooks {
	void *user; /**< handed back by ctl_server_user() */
	/**
	 * Run a CTL_CMD_MUTATES command in place of calling cmd->handler
	 * directly (to wrap it in a store transaction, stage it in a session
	 * transaction, publish afterwards). Returns what a handler returns.
	 */
	int (*mutating)(void *user, const struct ctl_command *cmd, struct ctl_call *call);
	/** A connection is about to be freed (drop what was kept for it). */
	void (*conn_closed)(void *user, struct ctl_conn *conn);
};

/** Settings of a server. */
struct ctl_server_config {
	const char *instance;	  /**< instance name, reported by `status` */
	const char *socket_path;  /**< NULL: no socket (tests, fuzzers) */
	unsigned max_connections; /**< concurrent connections admitted */
	size_t max_request_bytes; /**< longest request line, "\n" excluded */
	unsigned idle_timeout_s;  /**< idle connections are closed after this */
	bool have_group;	  /**< group_gid is valid */
	gid_t group_gid;	  /**< the `pop` group: peers in it are allowed */
};

/**
 * Parse one request line.
 * @param line the bytes of the line, without its "\n"; need not be NUL-terminated.
 * @param len its length.
 * @param max_bytes the longest allowed line.
 * @param req filled in; release with ctl_request_release() whatever the result
 *            (on failure has_id/id still tell the id if it could be read).
 * @param err on failure: code `RequestTooLarge` or `InvalidRequest` and a message.
 * @return 0, -POP_ELIMIT (too large) or -POP_EFORMAT (invalid). Any thread.
 */
int ctl_request_parse(const char *line, size_t len, size_t max_bytes, struct ctl_request *req,
		      struct ctl_error *err);

/** Free what ctl_request_parse() holds; safe on a zeroed or released request. */
void ctl_request_release(struct ctl_request *req);

/**
 * Render a response line, "\n"-terminated, compact.
 * @param has_id, id the request's id (null when !has_id).
 * @param result for a success: the result object (borrowed; NULL means {}).
 * @param err for a failure: the error; NULL for a success.
 * @param out_len set to the length of the line.
 * @return a malloc'd NUL-terminated line, or NULL when out of memory.
 */
char *ctl_response_render(bool has_id, json_int_t id, const json_t *result,
			  const struct ctl_error *err, size_t *out_len);

/**
 * Fill call->error and return err, for a handler's `return ctl_call_fail(...)`.
 * @param err the negative code to return (e.g. -EINVAL, -POP_EDENIED).
 * @param code the AWS-style code; fmt, ... the message.
 */
int ctl_call_fail(struct ctl_call *call, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * Refuse any member of call->args but @p allowed (NULL: none), so that a
 * mistyped option (`--outpt`) is an error rather than ignored.
 * @return 0, or the value of ctl_call_fail() (InvalidParameterValue naming it).
 */
int ctl_call_no_args(struct ctl_call *call, const char *allowed);

/**
 * A JSON value as an error message shows it: a string bare, anything else as
 * compact JSON, cut after 64 bytes with "...". Any thread.
 */
void ctl_json_show(const json_t *v, char *out, size_t len);

/**
 * Find a command by its normalized words in a table.
 * @return the entry, or NULL.
 */
const struct ctl_command *ctl_command_find(const struct ctl_command *table, size_t count,
					   const char *words);

/**
 * Create a server with the built-in commands registered. It does not listen
 * until ctl_server_listen().
 * @param cfg settings; strings are copied.
 * @param out the new server.
 * @return 0, -EINVAL on a bad setting, -ENOMEM.
 */
int ctl_server_create(const struct ctl_server_config *cfg, struct ctl_server **out);

/**
 * Add a table of commands (kept by pointer; it must outlive the server).
 * Words already registered are refused.
 * @return 0, -EEXIST, or -POP_ELIMIT when too many tables are registered.
 */
int ctl_server_add_commands(struct ctl_server *srv, const struct ctl_command *table, size_t count);

/**
 * Bind and listen on cfg->socket_path: a stale socket file with no listener
 * behind it is replaced; a live one is left alone (-EADDRINUSE). The socket
 * is made CTL_SOCKET_MODE and, when running as root with a group, owned by
 * root:group. Also blocks SIGTERM and SIGINT and opens the signalfd.
 * @return 0 or a negative errno.
 */
int ctl_server_listen(struct ctl_server *srv);

/**
 * Serve until SIGTERM or SIGINT arrives. Requires ctl_server_listen().
 * @return 0 after a signal, or a negative errno if the loop failed.
 */
int ctl_server_run(struct ctl_server *srv);

/**
 * Close every connection, close and unlink the socket (if it is still the
 * one this server made) and free the server. NULL is ignored.
 */
void ctl_server_destroy(struct ctl_server *srv);

/**
 * Handle one request line as if it came from conn, without any I/O: parse,
 * dispatch, render. Used by the event loop, and by tests and fuzzers with
 * conn NULL.
 * @param response set to the malloc'd response line ("\n"-terminated).
 * @param response_len its length.
 * @return 0 when the request succeeded, 1 when an error response was produced
 *         (still in *response), -ENOMEM.
 */
int ctl_server_execute(struct ctl_server *srv, struct ctl_conn *conn, const char *line, size_t len,
		       char **response, size_t *response_len);

/** The command registered under @p words on @p srv (any table), or NULL. */
const struct ctl_command *ctl_server_lookup(const struct ctl_server *srv, const char *words);

/** A module's callback for a watched fd: @p events are epoll's (EPOLLIN, ...). */
typedef void ctl_watch_fn(void *user, int fd, uint32_t events);

/** A watched fd; opaque. */
struct ctl_watch;

/**
 * Have the server's event loop call @p fn when @p fd has one of @p events
 * (epoll bits). For popd's modules that need their own sockets or timers
 * (timerfd) on the control thread: health checkers, the AWS API endpoint.
 * The fd stays the caller's; close it after ctl_server_unwatch().
 * @return 0 and *out, or a negative error. Control thread only.
 */
int ctl_server_watch(struct ctl_server *srv, int fd, uint32_t events, ctl_watch_fn *fn, void *user,
		     struct ctl_watch **out);

/** Change the events a watch waits for. @return 0 or a negative error. */
int ctl_server_watch_modify(struct ctl_watch *w, uint32_t events);

/**
 * Stop watching (NULL is ignored). Safe from inside any callback, also for a
 * watch whose event is pending in the same batch: it is not called again.
 */
void ctl_server_unwatch(struct ctl_watch *w);

/** Have ctl_server_run() return after the current batch of events. Control thread only. */
void ctl_server_stop(struct ctl_server *srv);

/** Install hooks (copied). Before ctl_server_run(). */
void ctl_server_set_hooks(struct ctl_server *srv, const struct ctl_hooks *hooks);

/** The hooks' user pointer, or NULL. */
void *ctl_server_user(const struct ctl_server *srv);

/** Per-connection data of the server's owner; NULL until set. conn may be NULL. */
void *ctl_conn_user(const struct ctl_conn *conn);

/** Set per-connection data (freed by the owner in its conn_closed hook). */
void ctl_conn_set_user(struct ctl_conn *conn, void *user);

/** The socket path the server listens on, or NULL. */
const char *ctl_server_socket_path(const struct ctl_server *srv);

/**
 * Decide whether a peer may use the socket (see "Who may connect").
 * @param uid, gid the peer's credentials (SO_PEERCRED).
 * @param have_group, group_gid the `pop` group, if there is one.
 * @return 0 when allowed, -POP_EDENIED otherwise. Any thread; it may do NSS
 *         look-ups (getpwuid_r, getgrouplist).
 */
int ctl_peer_check(uid_t uid, gid_t gid, bool have_group, gid_t group_gid);

/**
 * Look up the `pop` group; when missing and running as root, create it with
 * `groupadd --system` (fork/exec, waited for).
 * @param gid set when found or created.
 * @return 0, -ENOENT when missing and not root, -ECHILD when groupadd failed.
 */
int ctl_group_ensure(const char *name, gid_t *gid);

/**
 * Create a run directory (and missing parents, mode 0755) with
 * CTL_RUN_DIR_MODE. When enforce is true or the directory was created here,
 * its mode is set to CTL_RUN_DIR_MODE and, as root with a group, its owner to
 * root:group; an existing directory named by the operator is left as it is.
 * @return 0 or a negative errno.
 */
int ctl_run_dir_prepare(const char *path, bool enforce, bool have_group, gid_t group_gid);

#endif /* POP_CTL_SOCK_H */
