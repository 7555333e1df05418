/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTPS on popd's single thread: non-blocking kernel sockets and OpenSSL,
 * HTTP/1.1 keep-alive, one request at a time per connection, every bound
 * from the Api config section. */
#include "api_server_pvt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct api_conn {
	struct api_server *srv;
	struct api_conn *prev, *next;
	int fd;
	SSL *ssl;
	struct ctl_watch *watch;
	bool handshaken;
	bool closing; /* close once the output is sent */
	uint32_t events;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_sent;
	uint64_t last_active_ns;
};

struct api_server {
	struct popd_env *env;
	struct ctl_config_api cfg;
	struct api_http_limits limits;
	SSL_CTX *ssl_ctx;
	int listen_fd, timer_fd;
	struct ctl_watch *listen_watch, *timer_watch;
	struct api_conn *conns;
	unsigned conn_count;
	uint64_t refused_connections;
};

static void conn_close(struct api_conn *c)
{
	struct api_server *srv = c->srv;

	ctl_server_unwatch(c->watch);
	if (c->ssl != NULL) {
		if (c->handshaken)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->conn_count--;
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_want(struct api_conn *c, uint32_t events)
{
	if (c->events != events && ctl_server_watch_modify(c->watch, events) == 0)
		c->events = events;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

static void queue_response(struct api_conn *c, const struct api_response *resp, bool keep_alive)
{
	char head[2048], date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: pop\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\n%sConnection: %s\r\n\r\n",
		     resp->status, status_text(resp->status), date,
		     resp->content_type != NULL ? resp->content_type : "text/plain", resp->body_len,
		     resp->headers, keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		c->closing = true;
		return;
	}
	free(c->out);
	c->out = malloc((size_t)n + resp->body_len);
	if (c->out == NULL) {
		c->out_len = c->out_sent = 0;
		c->closing = true;
		return;
	}
	memcpy(c->out, head, (size_t)n);
	if (resp->body_len > 0)
		memcpy(c->out + n, resp->body, resp->body_len);
	c->out_len = (size_t)n + resp->body_len;
	c->out_sent = 0;
	if (!keep_alive)
		c->closing = true;
}

static void queue_bare_status(struct api_conn *c, int status)
{
	struct api_response r = {.status = status, .content_type = "text/plain"};

	r.headers[0] = '\0';
	queue_response(c, &r, false);
}

/* The SSL call's outcome: 1 go on, 0 wait for the events set, -1 close. */
static int ssl_outcome(struct api_conn *c, int ret)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		conn_want(c, EPOLLIN);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		conn_want(c, EPOLLOUT);
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

static void conn_event(void *user, int fd, uint32_t events)
{
	struct api_conn *c = user;
	struct api_server *srv = c->srv;
	int ret;

	(void)fd;
	if ((events & (EPOLLERR | EPOLLHUP)) != 0 && (events & EPOLLIN) == 0) {
		conn_close(c);
		return;
	}
	c->last_active_ns = pop_now_ns();
	if (!c->handshaken) {
		ret = SSL_accept(c->ssl);
		if (ret != 1) {
			if (ssl_outcome(c, ret) < 0)
				conn_close(c);
			return;
		}
		c->handshaken = true;
	}
	for (;;) {
		struct api_http_request *req;
		int status, rc;

		if (c->out_sent < c->out_len) {
			ret = SSL_write(c->ssl, c->out + c->out_sent,
					(int)(c->out_len - c->out_sent));
			if (ret <= 0) {
				if (ssl_outcome(c, ret) < 0)
					conn_close(c);
				return;
			}
			c->out_sent += (size_t)ret;
			continue;
		}
		if (c->closing) {
			conn_close(c);
			return;
		}
		req = malloc(sizeof(*req));
		if (req == NULL) {
			conn_close(c);
			return;
		}
		rc = c->in_len > 0 ? api_http_parse(c->in, c->in_len, &srv->limits, req, &status)
				   : -EAGAIN;
		if (rc == 0) {
			struct api_response resp = {0};
			api_handle(srv->env, &srv->cfg, req, &resp);
			queue_response(c, &resp, req->keep_alive);
			free(resp.body);
			memmove(c->in, c->in + req->total_len, c->in_len - req->total_len);
			c->in_len -= req->total_len;
			free(req);
			continue;
		}
		free(req);
		if (rc != -EAGAIN) {
			queue_bare_status(c, status);
			c->in_len = 0;
			continue;
		}
		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap * 2, max = srv->limits.max_request_bytes + 4096;
			char *in;
			if (c->in_cap >= max) {
				queue_bare_status(c, 413);
				c->in_len = 0;
				continue;
			}
			if (cap > max)
				cap = max;
			in = realloc(c->in, cap);
			if (in == NULL) {
				conn_close(c);
				return;
			}
			c->in = in;
			c->in_cap = cap;
		}
		ret = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
		if (ret <= 0) {
			if (ssl_outcome(c, ret) < 0)
				conn_close(c);
			return;
		}
		c->in_len += (size_t)ret;
	}
}

static void listen_event(void *user, int fd, uint32_t events)
{
	struct api_server *srv = user;

	(void)events;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct api_conn *c;

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				API_LOG(WARNING, "accept: %s", pop_strerror(-errno));
			return;
		}
		if (srv->conn_count >= srv->cfg.max_connections) {
			if (srv->refused_connections++ % 1000 == 0)
				API_LOG(
				    WARNING,
				    "Api.MaxConnections (%u) reached: connection refused (%llu so "
				    "far)",
				    srv->cfg.max_connections,
				    (unsigned long long)srv->refused_connections);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c != NULL) {
			c->in_cap = 16384;
			c->in = malloc(c->in_cap);
			c->ssl = SSL_new(srv->ssl_ctx);
		}
		if (c == NULL || c->in == NULL || c->ssl == NULL || SSL_set_fd(c->ssl, cfd) != 1 ||
		    ctl_server_watch(srv->env->server, cfd, EPOLLIN, conn_event, c, &c->watch) <
			0) {
			if (c != NULL) {
				SSL_free(c->ssl);
				free(c->in);
			}
			free(c);
			close(cfd);
			continue;
		}
		c->srv = srv;
		c->fd = cfd;
		c->events = EPOLLIN;
		c->last_active_ns = pop_now_ns();
		c->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = c;
		srv->conns = c;
		srv->conn_count++;
	}
}

static void timer_event(void *user, int fd, uint32_t events)
{
	struct api_server *srv = user;
	uint64_t ticks, now = pop_now_ns(),
			idle_ns = (uint64_t)srv->cfg.idle_timeout_s * 1000000000ull;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (struct api_conn *c = srv->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (now - c->last_active_ns > idle_ns)
			conn_close(c);
	}
}

static int listen_socket(const struct ctl_config_api *cfg, int *out)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, cfg->listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)cfg->port);
		len = sizeof(*a);
	} else if (inet_pton(AF_INET6, cfg->listen, &((struct sockaddr_in6 *)&ss)->sin6_addr) ==
		   1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)cfg->port);
		len = sizeof(*a);
	} else {
		API_LOG(ERR, "Api.Listen: \"%s\" is not an IPv4 or IPv6 address", cfg->listen);
		return -POP_ECONFIG;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static int ssl_context(struct api_server *srv, const char *cert, const char *key)
{
	srv->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (srv->ssl_ctx == NULL)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(srv->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(srv->ssl_ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(srv->ssl_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(srv->ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(srv->ssl_ctx) != 1) {
		char e[256];
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		ERR_clear_error();
		API_LOG(ERR, "cannot use certificate %s and key %s: %s", cert, key, e);
		return -POP_ECONFIG;
	}
	return 0;
}

int api_server_start(struct popd_env *env, const struct ctl_config_api *cfg,
		     struct api_server **out)
{
	struct api_server *srv = calloc(1, sizeof(*srv));
	char cert[PATH_MAX], key[PATH_MAX];
	struct itimerspec tick = {{1, 0}, {1, 0}};
	int rc;

	if (srv == NULL)
		return -ENOMEM;
	srv->env = env;
	srv->cfg = *cfg;
	srv->limits.max_request_bytes = cfg->max_request_bytes;
	srv->limits.max_headers = cfg->max_headers;
	srv->listen_fd = srv->timer_fd = -1;
	if (cfg->certificate_file[0] != '\0') {
		snprintf(cert, sizeof(cert), "%s", cfg->certificate_file);
		snprintf(key, sizeof(key), "%s", cfg->key_file);
		rc = 0;
	} else {
		snprintf(cert, sizeof(cert), "%s/api-cert.pem", env->state_dir);
		snprintf(key, sizeof(key), "%s/api-key.pem", env->state_dir);
		rc = api_cert_ensure(cert, key, cfg->listen);
		if (rc < 0)
			API_LOG(ERR, "cannot make a self-signed certificate in %s: %s",
				env->state_dir, pop_strerror(rc));
	}
	if (rc == 0)
		rc = ssl_context(srv, cert, key);
	if (rc == 0 && (rc = listen_socket(cfg, &srv->listen_fd)) < 0)
		API_LOG(ERR, "cannot listen on %s port %u: %s", cfg->listen, cfg->port,
			pop_strerror(rc));
	if (rc == 0) {
		srv->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (srv->timer_fd < 0 || timerfd_settime(srv->timer_fd, 0, &tick, NULL) < 0)
			rc = -errno;
	}
	if (rc == 0)
		rc = ctl_server_watch(env->server, srv->listen_fd, EPOLLIN, listen_event, srv,
				      &srv->listen_watch);
	if (rc == 0)
		rc = ctl_server_watch(env->server, srv->timer_fd, EPOLLIN, timer_event, srv,
				      &srv->timer_watch);
	if (rc < 0) {
		api_server_stop(srv);
		return rc;
	}
	API_LOG(NOTICE, "AWS API endpoint on https://%s%s%s:%u/ (certificate %s)",
		strchr(cfg->listen, ':') ? "[" : "", cfg->listen,
		strchr(cfg->listen, ':') ? "]" : "", cfg->port, cert);
	*out = srv;
	return 0;
}

void api_server_stop(struct api_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_close(srv->conns);
	ctl_server_unwatch(srv->listen_watch);
	ctl_server_unwatch(srv->timer_watch);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->timer_fd >= 0)
		close(srv->timer_fd);
	SSL_CTX_free(srv->ssl_ctx);
	free(srv);
}

/* ---- the self-signed certificate ---- */

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

int api_cert_ensure(const char *cert_path, const char *key_path, const char *listen_addr)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	FILE *f = NULL;
	char san[256];
	int rc = -EIO, fd;

	if (access(cert_path, R_OK) == 0 && access(key_path, R_OK) == 0)
		return 0;
	pkey = EVP_EC_gen("P-256");
	x = X509_new();
	if (pkey == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
	X509_set_pubkey(x, pkey);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"pop AWS API endpoint", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (strcmp(listen_addr, "127.0.0.1") == 0 || strcmp(listen_addr, "::1") == 0 ||
	    strcmp(listen_addr, "0.0.0.0") == 0 || strcmp(listen_addr, "::") == 0)
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1");
	else
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1,IP:%s", listen_addr);
	if (add_ext(x, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") < 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, NID_authority_key_identifier, "keyid:always") < 0 ||
	    add_ext(x, NID_subject_alt_name, san) < 0 || X509_sign(x, pkey, EVP_sha256()) == 0)
		goto out;
	unlink(key_path);
	fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = fopen(cert_path, "we");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	if (PEM_write_X509(f, x) != 1) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0)
		goto out;
	chmod(cert_path, 0644);
	API_LOG(NOTICE, "made a self-signed certificate for the AWS API: %s (SANs %s)", cert_path,
		san);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}
